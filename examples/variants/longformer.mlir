// Longformer: sliding window + global tokens (Beltagy, Peters, Cohan 2020).
func.func @longformer(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>,
                      %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %s = attn.qk %q, %k {scale = 0.125 : f32} : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x?xf32>
  %m = attn.mask %s pattern(#attn.union<[#attn.window<left = 256, right = 256>, #attn.global<tokens = [0, 1]>]>) : tensor<?x?x?x?xf32>
  %p = attn.softmax %m : tensor<?x?x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}
