// A merge the user wrote: a strided part (which attn-reorder would split on
// its own) and a window reaching one key ahead.
func.func @merged(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %o1, %l1 = attn.attention %q, %k, %v pattern(#attn.strided<stride = 3>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
  %o2, %l2 = attn.attention %q, %k, %v pattern(#attn.window<left = 0, right = 1>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
  %o, %l = attn.merge %o1, %l1, %o2, %l2 : tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
  return %o : tensor<?x?x?x64xf32>
}
