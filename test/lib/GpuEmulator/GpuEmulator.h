//===- GpuEmulator.h - run a GPU kernel's IR on the host ------*- C++ -*-===//
//
// A test-only interpreter of the gpu.func kernels that convert-attn-to-gpu
// builds, so that CI, which has no GPU, checks what they compute against the
// float64 reference. The threads of a block run in lockstep (so barriers
// hold trivially: the emulator cannot find a missing one); f32 arithmetic is
// rounded to f32 after every op, bf16 / f16 values are rounded to nearest
// even where the IR truncates. Warp operations follow the PTX ISA, not the
// kernel builder: gpu.shuffle xor exchanges lanes, and nvvm.mma.sync
// m16n8k16 gathers its fragments by the documented layout (groupID =
// lane / 4, threadID_in_group = lane % 4):
//   A: reg 0 = rows g, cols 2t, 2t+1; reg 1 = row g+8; reg 2 = row g,
//      cols +8; reg 3 = row g+8, cols +8 (each reg: lower col in the low half)
//   B: reg 0 = rows (k) 2t, 2t+1 of col g; reg 1 = rows +8
//   C, D: c0, c1 = row g, cols 2t, 2t+1; c2, c3 = row g+8.
// Only the ops these kernels use are known; another op fails the test.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TEST_CUDA_GPUEMULATOR_H
#define ATTN_TEST_CUDA_GPUEMULATOR_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attn::testing {

/// One buffer a kernel argument points to: values as doubles (already
/// representable in the element type) or integers.
struct EmulatedBuffer {
  std::vector<double> values;
  std::vector<int64_t> integers; ///< for i32 buffers (the tables)
};

/// Runs `kernel` for every block in [0, blocks) with `threads` threads.
/// `buffers` are the memref arguments (the kernel's tensors, then the
/// tables) and `sizes` the index arguments (B, H, Hkv, Nq, Nk, D). Returns
/// "" or why it could not.
std::string emulateKernel(mlir::gpu::GPUFuncOp kernel,
                          std::vector<EmulatedBuffer *> buffers,
                          std::vector<int64_t> sizes, int64_t blocks,
                          int64_t threads);

} // namespace attn::testing

#endif // ATTN_TEST_CUDA_GPUEMULATOR_H
