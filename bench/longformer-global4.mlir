// Longformer as the token-orders issue measures it: a window of 256 on each
// side and 4 global tokens (bench/run-long.sh).
func.func @longformer(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>,
                      %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.union<[#attn.window<left = 256, right = 256>, #attn.global<tokens = [0, 1, 2, 3]>]>) {scale = 0.125 : f32}
      : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}
