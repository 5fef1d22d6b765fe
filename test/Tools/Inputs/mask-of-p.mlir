
func.func @f(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %m = attn.mask %s pattern(#p) : tensor<1x1x4x4xf32>
  return %m : tensor<1x1x4x4xf32>
}
