// Longformer: a sliding window united with global tokens, N = 512 (static:
// attn-compile builds the block tables of an irregular pattern at compile time).
func.func @longformer(%q: tensor<1x4x512x64xf32>, %k: tensor<1x4x512x64xf32>,
                      %v: tensor<1x4x512x64xf32>) -> tensor<1x4x512x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.union<[#attn.window<left = 64, right = 64>, #attn.global<tokens = [0, 1]>]>)
       : tensor<1x4x512x64xf32>, tensor<1x4x512x64xf32>, tensor<1x4x512x64xf32> -> tensor<1x4x512x64xf32>
  return %o : tensor<1x4x512x64xf32>
}
