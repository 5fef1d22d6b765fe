// Multi-query attention: 8 query heads share one key/value head, causal (Shazeer 2019).
func.func @mqa(%q: tensor<?x8x?x64xf32>, %k: tensor<?x1x?x64xf32>,
               %v: tensor<?x1x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %s = attn.qk %q, %k {scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x1x?x64xf32> -> tensor<?x8x?x?xf32>
  %m = attn.mask %s pattern(#attn.causal) : tensor<?x8x?x?xf32>
  %p = attn.softmax %m : tensor<?x8x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x8x?x?xf32>, tensor<?x1x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}
