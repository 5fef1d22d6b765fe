// An attention with two results whose arguments are not called q, k, v.
func.func @lse(%query: tensor<?x?x?x64xf32>, %key: tensor<?x?x?x64xf32>, %value: tensor<?x?x?x64xf32>) -> (tensor<?x?x?x64xf32>, tensor<?x?x?xf32>) {
  %o, %l = attn.attention %query, %key, %value pattern(#attn.window<left = 7, right = 2>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
  return %o, %l : tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
}
