// BigBird (ITC): block window + global + random blocks (Zaheer et al. 2020).
func.func @bigbird(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>,
                   %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %s = attn.qk %q, %k {scale = 0.125 : f32} : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x?xf32>
  %m = attn.mask %s pattern(#attn.bigbird<block = 64, window = 3, global = 2, random = 3, seed = 0>) : tensor<?x?x?x?xf32>
  %p = attn.softmax %m : tensor<?x?x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}
