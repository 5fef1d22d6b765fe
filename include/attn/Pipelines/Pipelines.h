//===- Pipelines.h - attn's pass pipelines --------------------*- C++ -*-===//
//
// attn-cpu-pipeline: from the attn dialect to the LLVM dialect for x86-64.
// The tools (attn-opt, attn-run, attn-sweep, attn-compile) and the
// benchmarks all build it through these functions.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_PIPELINES_PIPELINES_H
#define ATTN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir::attn {

struct AttnCPUPipelineOptions
    : public PassPipelineOptions<AttnCPUPipelineOptions> {
  Option<int64_t> tileQ{*this, "tile-q",
                        llvm::cl::desc("Queries per tile (0: 4 vectors)"),
                        llvm::cl::init(0)};
  Option<int64_t> tileK{*this, "tile-k", llvm::cl::desc("Keys per tile"),
                        llvm::cl::init(64)};
  Option<std::string> cpu{
      *this, "cpu",
      llvm::cl::desc("Target CPU: host, or an LLVM CPU name such as "
                     "x86-64-v3, x86-64-v4, sapphirerapids"),
      llvm::cl::init("host")};
  Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 lanes per vector (0: from the CPU, 16 with "
                     "AVX-512, else 8)"),
      llvm::cl::init(0)};
};

/// The f32 lanes of the widest vectors of `cpu` ("host" or an LLVM CPU
/// name): 16 with AVX-512, 8 otherwise. Fails for an unknown CPU name.
FailureOr<int64_t> vectorWidthForCPU(StringRef cpu);

/// The first half of attn-cpu-pipeline: attn-fuse, attn-sparsify and
/// attn-tile, leaving kernels on memrefs with their `attn.kernel` facts.
void buildAttnCPUKernelPasses(OpPassManager &pm,
                              const AttnCPUPipelineOptions &options,
                              int64_t vectorWidth);

/// The second half: polynomial exp, then everything to the LLVM dialect.
void buildAttnCPULoweringPasses(OpPassManager &pm);

/// Both halves. The vector width comes from the options or the CPU; an
/// unknown CPU is reported through `pm`'s failure to build (returns failure).
LogicalResult buildAttnCPUPipeline(OpPassManager &pm,
                                   const AttnCPUPipelineOptions &options);

/// Registers attn-cpu-pipeline with attn-opt.
void registerAttnPipelines();

} // namespace mlir::attn

#endif // ATTN_PIPELINES_PIPELINES_H
