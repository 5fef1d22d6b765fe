// Block-sparse attention with an explicit block layout, as in DeepSpeed Sparse Attention (Rasley et al. 2020; cf. Child et al. 2019).
// 512 positions in 8 blocks of 64: a local band of 3 blocks plus block 0 as a global row and column.
func.func @block_sparse(%q: tensor<1x4x512x64xf32>, %k: tensor<1x4x512x64xf32>,
                        %v: tensor<1x4x512x64xf32>) -> tensor<1x4x512x64xf32> {
  %s = attn.qk %q, %k {scale = 0.125 : f32} : tensor<1x4x512x64xf32>, tensor<1x4x512x64xf32> -> tensor<1x4x512x512xf32>
  %m = attn.mask %s pattern(#attn.block_sparse<block = 64, layout = dense<[
        [true, true, true, true, true, true, true, true],
        [true, true, true, false, false, false, false, false],
        [true, true, true, true, false, false, false, false],
        [true, false, true, true, true, false, false, false],
        [true, false, false, true, true, true, false, false],
        [true, false, false, false, true, true, true, false],
        [true, false, false, false, false, true, true, true],
        [true, false, false, false, false, false, true, true]]> : tensor<8x8xi1>>) : tensor<1x4x512x512xf32>
  %p = attn.softmax %m : tensor<1x4x512x512xf32>
  %o = attn.pv %p, %v : tensor<1x4x512x512xf32>, tensor<1x4x512x64xf32> -> tensor<1x4x512x64xf32>
  return %o : tensor<1x4x512x64xf32>
}
