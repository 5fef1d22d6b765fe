// The GPU benchmark's kernels (bench/gpu/README.md): bf16, dynamic batch and
// sequence length, the two head shapes of the FlashAttention benchmark at
// hidden size 2048 (H = 32 heads of D = 64, H = 16 heads of D = 128).
// One function per (variant, D); attn-compile --target cuda exports each as
// attn_<name>_cuda. No `scale`: the default 1/sqrt(D), as SDPA and Flex.
// compare.py's MASKS must describe exactly the same patterns.

// Dense attention (Vaswani et al. 2017); SDPA flash is the natural baseline.
func.func @dense_d64(%q: tensor<?x32x?x64xbf16>, %k: tensor<?x32x?x64xbf16>, %v: tensor<?x32x?x64xbf16>) -> tensor<?x32x?x64xbf16> {
  %o = attn.attention %q, %k, %v
      : tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16> -> tensor<?x32x?x64xbf16>
  return %o : tensor<?x32x?x64xbf16>
}
func.func @dense_d128(%q: tensor<?x16x?x128xbf16>, %k: tensor<?x16x?x128xbf16>, %v: tensor<?x16x?x128xbf16>) -> tensor<?x16x?x128xbf16> {
  %o = attn.attention %q, %k, %v
      : tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16> -> tensor<?x16x?x128xbf16>
  return %o : tensor<?x16x?x128xbf16>
}

// Causal (decoder) attention: j <= p.
func.func @causal_d64(%q: tensor<?x32x?x64xbf16>, %k: tensor<?x32x?x64xbf16>, %v: tensor<?x32x?x64xbf16>) -> tensor<?x32x?x64xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.causal)
      : tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16> -> tensor<?x32x?x64xbf16>
  return %o : tensor<?x32x?x64xbf16>
}
func.func @causal_d128(%q: tensor<?x16x?x128xbf16>, %k: tensor<?x16x?x128xbf16>, %v: tensor<?x16x?x128xbf16>) -> tensor<?x16x?x128xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.causal)
      : tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16> -> tensor<?x16x?x128xbf16>
  return %o : tensor<?x16x?x128xbf16>
}

// Causal sliding window 1024 (Mistral-style): each query sees itself and the
// previous 1023 keys, p - 1023 <= j <= p.
func.func @sliding_d64(%q: tensor<?x32x?x64xbf16>, %k: tensor<?x32x?x64xbf16>, %v: tensor<?x32x?x64xbf16>) -> tensor<?x32x?x64xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.window<left = 1023, right = 0>)
      : tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16> -> tensor<?x32x?x64xbf16>
  return %o : tensor<?x32x?x64xbf16>
}
func.func @sliding_d128(%q: tensor<?x16x?x128xbf16>, %k: tensor<?x16x?x128xbf16>, %v: tensor<?x16x?x128xbf16>) -> tensor<?x16x?x128xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.window<left = 1023, right = 0>)
      : tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16> -> tensor<?x16x?x128xbf16>
  return %o : tensor<?x16x?x128xbf16>
}

// Longformer (Beltagy et al. 2020): window of 256 keys on each side plus the
// first 16 positions as global tokens (they attend to every key and every
// query attends to them).
func.func @longformer_d64(%q: tensor<?x32x?x64xbf16>, %k: tensor<?x32x?x64xbf16>, %v: tensor<?x32x?x64xbf16>) -> tensor<?x32x?x64xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.union<[#attn.window<left = 256, right = 256>, #attn.global<tokens = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]>]>)
      : tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16> -> tensor<?x32x?x64xbf16>
  return %o : tensor<?x32x?x64xbf16>
}
func.func @longformer_d128(%q: tensor<?x16x?x128xbf16>, %k: tensor<?x16x?x128xbf16>, %v: tensor<?x16x?x128xbf16>) -> tensor<?x16x?x128xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.union<[#attn.window<left = 256, right = 256>, #attn.global<tokens = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]>]>)
      : tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16> -> tensor<?x16x?x128xbf16>
  return %o : tensor<?x16x?x128xbf16>
}

// BigBird ITC (Zaheer et al. 2020), the paper's setting as in
// examples/variants/bigbird.mlir: blocks of 64, a 3-block window, 2 global
// blocks, 3 random key blocks per query block, seed 0.
func.func @bigbird_d64(%q: tensor<?x32x?x64xbf16>, %k: tensor<?x32x?x64xbf16>, %v: tensor<?x32x?x64xbf16>) -> tensor<?x32x?x64xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.bigbird<block = 64, window = 3, global = 2, random = 3, seed = 0>)
      : tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16> -> tensor<?x32x?x64xbf16>
  return %o : tensor<?x32x?x64xbf16>
}
func.func @bigbird_d128(%q: tensor<?x16x?x128xbf16>, %k: tensor<?x16x?x128xbf16>, %v: tensor<?x16x?x128xbf16>) -> tensor<?x16x?x128xbf16> {
  %o = attn.attention %q, %k, %v pattern(#attn.bigbird<block = 64, window = 3, global = 2, random = 3, seed = 0>)
      : tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16> -> tensor<?x16x?x128xbf16>
  return %o : tensor<?x16x?x128xbf16>
}
