//===- FuzzCEntry.cpp - libFuzzer: the runtime's C entry point ------------===//
//
// attn_run_kernel on ahead-of-time kernels (test/Aot/kernels.mlir) with
// sizes in [-3, 80] and null pointers: every call returns 0 or an error
// with a message, never crashes; a call with a negative size, or a null
// pointer for a tensor that holds elements, must fail. Buffers are sized for
// the sizes passed, as a correct caller's are.
//
//===----------------------------------------------------------------------===//

#include "fuzz_kernels.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const attn::KernelDescriptor *const kernels[] = {
      &attn_descriptor_causal, &attn_descriptor_gqa,
      &attn_descriptor_longformer, &attn_descriptor_window_lse,
      &attn_descriptor_strided};
  FuzzedDataProvider in(data, size);
  const attn::KernelDescriptor *kernel =
      kernels[in.ConsumeIntegralInRange<size_t>(0, std::size(kernels) - 1)];
  // B, H, Hkv, Nq, Nk, D.
  int64_t sizes[6];
  for (int64_t &s : sizes)
    s = in.ConsumeIntegralInRange<int64_t>(-3, 80);
  if (in.ConsumeBool()) // mostly the head dimensions the kernels have
    sizes[5] = in.ConsumeBool() ? 64 : 32;
  bool negative = false;
  for (int64_t s : sizes)
    negative |= s < 0;
  auto extent = [&](int64_t heads, int64_t n, int64_t d) {
    return heads < 0 || n < 0 || d < 0 || sizes[0] < 0
               ? 0
               : size_t(sizes[0] * heads * n * d);
  };
  // Every tensor of a classic kernel: q [B,H,Nq,D], k and v [B,Hkv,Nk,D];
  // the results: out [B,H,Nq,D] and, for window_lse, lse [B,H,Nq].
  size_t qSize = extent(sizes[1], sizes[3], sizes[5]);
  size_t kvSize = extent(sizes[2], sizes[4], sizes[5]);
  size_t lseSize = extent(sizes[1], sizes[3], 1);
  std::vector<std::vector<float>> buffers = {
      std::vector<float>(qSize), std::vector<float>(kvSize),
      std::vector<float>(kvSize), std::vector<float>(qSize),
      std::vector<float>(lseSize)};
  // A null pointer counts against the call only for a tensor the kernel
  // has (one-result kernels never read the lse slot).
  bool nullForData = false;
  auto pointer = [&](std::vector<float> &buffer, bool used) -> float * {
    if (in.ConsumeIntegralInRange(0, 7) == 0) {
      nullForData |= used && !buffer.empty();
      return nullptr;
    }
    return buffer.data();
  };
  const void *arguments[3] = {pointer(buffers[0], true),
                              pointer(buffers[1], true),
                              pointer(buffers[2], true)};
  void *results[2] = {pointer(buffers[3], true),
                      pointer(buffers[4], kernel->numResults > 1)};
  int status = attn_run_kernel(kernel, arguments, results, sizes);
  if (status != 0 && attn_last_error()[0] == '\0')
    __builtin_trap(); // a failure must say why
  if (status == 0 && (negative || nullForData)) {
    std::fprintf(stderr, "accepted a bad call: %s\n", attn_last_error());
    __builtin_trap();
  }
  return 0;
}
