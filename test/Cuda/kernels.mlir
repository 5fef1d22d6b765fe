// GPU kernels compiled ahead of time by the build (test/Cuda/CMakeLists.txt,
// attn_add_kernel TARGET cuda) and called through the generated header by
// CudaAotTest.cpp.

func.func @causal(%q: tensor<?x?x?x64xbf16>, %k: tensor<?x?x?x64xbf16>, %v: tensor<?x?x?x64xbf16>) -> tensor<?x?x?x64xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.causal) : tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16> -> tensor<?x?x?x64xbf16>
  return %o : tensor<?x?x?x64xbf16>
}

// Grouped-query heads, f16: 8 query heads over 2 kv heads.
func.func @gqa(%q: tensor<?x8x?x32xf16>, %k: tensor<?x2x?x32xf16>, %v: tensor<?x2x?x32xf16>) -> tensor<?x8x?x32xf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.window<left = 40, right = 0>) : tensor<?x8x?x32xf16>, tensor<?x2x?x32xf16>, tensor<?x2x?x32xf16> -> tensor<?x8x?x32xf16>
  return %o : tensor<?x8x?x32xf16>
}

// A static N: the tables are compiled into the library.
func.func @longformer(%q: tensor<1x2x200x64xbf16>, %k: tensor<1x2x200x64xbf16>, %v: tensor<1x2x200x64xbf16>) -> tensor<1x2x200x64xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.union<[#attn.window<left = 32, right = 32>, #attn.global<tokens = [0, 1]>]>) : tensor<1x2x200x64xbf16>, tensor<1x2x200x64xbf16>, tensor<1x2x200x64xbf16> -> tensor<1x2x200x64xbf16>
  return %o : tensor<1x2x200x64xbf16>
}

// An irregular pattern with a run-time N: the runtime builds its tables on
// the host with the generated schedule function, once per N.
func.func @bigbird(%q: tensor<?x?x?x64xbf16>, %k: tensor<?x?x?x64xbf16>, %v: tensor<?x?x?x64xbf16>) -> tensor<?x?x?x64xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.bigbird<block = 16, window = 3, global = 1, random = 2, seed = 9>) : tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16> -> tensor<?x?x?x64xbf16>
  return %o : tensor<?x?x?x64xbf16>
}

// f32 (the SIMT kernel) with a head dimension that is not a power of two.
func.func @dense(%q: tensor<?x?x?x40xf32>, %k: tensor<?x?x?x40xf32>, %v: tensor<?x?x?x40xf32>) -> tensor<?x?x?x40xf32> {
  %o = attn.attention %q, %k, %v : tensor<?x?x?x40xf32>, tensor<?x?x?x40xf32>, tensor<?x?x?x40xf32> -> tensor<?x?x?x40xf32>
  return %o : tensor<?x?x?x40xf32>
}
