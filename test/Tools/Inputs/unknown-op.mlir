func.func @f(%s: tensor<1x1x4x4xf32>) {
  %m = attn.blur %s : tensor<1x1x4x4xf32>
  return
}
