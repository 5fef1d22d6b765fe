// Kernels compiled ahead of time by the build (test/Aot/CMakeLists.txt) and
// called through the generated header by AotTest.cpp.

func.func @causal(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.causal) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// Grouped-query heads with static sizes: 8 query heads over 2 kv heads.
func.func @gqa(%q: tensor<?x8x?x32xf32>, %k: tensor<?x2x?x32xf32>, %v: tensor<?x2x?x32xf32>) -> tensor<?x8x?x32xf32> {
  %s = attn.qk %q, %k : tensor<?x8x?x32xf32>, tensor<?x2x?x32xf32> -> tensor<?x8x?x?xf32>
  %m = attn.mask %s pattern(#attn.window<left = 40, right = 0>) : tensor<?x8x?x?xf32>
  %p = attn.softmax %m : tensor<?x8x?x?xf32>
  %o = attn.pv %p, %v : tensor<?x8x?x?xf32>, tensor<?x2x?x32xf32> -> tensor<?x8x?x32xf32>
  return %o : tensor<?x8x?x32xf32>
}

// A static N: the tables are compiled into the kernel.
func.func @longformer(%q: tensor<1x2x200x64xf32>, %k: tensor<1x2x200x64xf32>, %v: tensor<1x2x200x64xf32>) -> tensor<1x2x200x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.union<[#attn.window<left = 32, right = 32>, #attn.global<tokens = [0, 1]>]>) : tensor<1x2x200x64xf32>, tensor<1x2x200x64xf32>, tensor<1x2x200x64xf32> -> tensor<1x2x200x64xf32>
  return %o : tensor<1x2x200x64xf32>
}

// An irregular pattern with a run-time N: the runtime builds its tables with
// the generated schedule function, once per N.
func.func @bigbird(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.bigbird<block = 16, window = 3, global = 1, random = 2, seed = 9>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// Two results: the output and the row log-sum-exp. The C entry point takes
// five buffers (q, k, v, out, lse), the C++ API five views.
func.func @window_lse(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> (tensor<?x?x?x64xf32>, tensor<?x?x?xf32>) {
  %o, %lse = attn.attention %q, %k, %v pattern(#attn.window<left = 20, right = 3>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
  return %o, %lse : tensor<?x?x?x64xf32>, tensor<?x?x?xf32>
}

// Split by attn-reorder into two merged parts (a band, and the residue
// part under a token order): one kernel of two stages, with run-time
// scratch for the first stage's lse.
func.func @strided(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.strided<stride = 16>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// A name unlike the others (capitals, digits, an underscore): the header's
// C and C++ names made from it must compile.
func.func @Window2_x(%q: tensor<?x?x?x16xf32>, %k: tensor<?x?x?x16xf32>, %v: tensor<?x?x?x16xf32>) -> tensor<?x?x?x16xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.window<left = 2, right = 1>) : tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32> -> tensor<?x?x?x16xf32>
  return %o : tensor<?x?x?x16xf32>
}
