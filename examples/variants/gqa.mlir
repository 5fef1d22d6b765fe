// Grouped-query attention: 8 query heads in 4-head groups over 2 key/value heads, causal (Ainslie et al. 2023).
func.func @gqa(%q: tensor<?x8x?x64xf32>, %k: tensor<?x2x?x64xf32>,
               %v: tensor<?x2x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %s = attn.qk %q, %k {scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32> -> tensor<?x8x?x?xf32>
  %m = attn.mask %s pattern(#attn.causal) : tensor<?x8x?x?xf32>
  %p = attn.softmax %m : tensor<?x8x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x8x?x?xf32>, tensor<?x2x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}
