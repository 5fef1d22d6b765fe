//===- NvidiaChips.cpp - what attn knows of each NVIDIA chip --------------===//

#include "attn/Target/CUDA/Chips/NvidiaChips.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <optional>

using namespace mlir::attn;
using llvm::StringRef;

namespace {
/// Per SM (CUDA C Programming Guide, compute capabilities table): threads,
/// blocks and the shared memory a kernel can use. All have 64K registers,
/// allocated per warp in units of 256.
/// Also the oldest PTX ISA (x 10) that knows the architecture.
struct SMLimits {
  int64_t threads, blocks, sharedKiB, minimumPtx;
};
std::optional<SMLimits> limitsOf(StringRef arch) {
  return llvm::StringSwitch<std::optional<SMLimits>>(arch)
      .Case("sm_80", SMLimits{2048, 32, 164, 70})
      .Case("sm_86", SMLimits{1536, 16, 100, 71})
      .Case("sm_89", SMLimits{1536, 24, 100, 78})
      .Case("sm_90", SMLimits{2048, 32, 228, 78})
      .Case("sm_100", SMLimits{2048, 32, 228, 86})
      .Case("sm_120", SMLimits{1536, 24, 100, 87})
      .Default(std::nullopt);
}
} // namespace

bool mlir::attn::isSupportedGPUArch(StringRef arch) {
  return limitsOf(arch).has_value();
}

int64_t mlir::attn::minimumPtxVersion(StringRef arch) {
  std::optional<SMLimits> limits = limitsOf(arch);
  return limits ? limits->minimumPtx : 0;
}

int64_t mlir::attn::residentBlocksPerSM(const GpuKernelFacts &facts,
                                        StringRef arch) {
  std::optional<SMLimits> limits = limitsOf(arch);
  if (!limits || facts.threadsPerBlock < 1)
    return 0;
  int64_t warps = (facts.threadsPerBlock + 31) / 32;
  int64_t registersPerWarp = (facts.registers * 32 + 255) / 256 * 256;
  int64_t blocks = std::min(limits->blocks, limits->threads / (warps * 32));
  if (registersPerWarp > 0)
    blocks = std::min(blocks, 65536 / (registersPerWarp * warps));
  // The system reserves 1 KiB of shared memory per block (sm_80 and later).
  blocks =
      std::min(blocks, limits->sharedKiB * 1024 / (facts.sharedBytes + 1024));
  return blocks;
}
