//===- Pipelines.h - attn's pass pipelines --------------------*- C++ -*-===//
//
// attn-cpu-pipeline: from the attn dialect to the LLVM dialect for x86-64;
// attn-cuda-pipeline: to NVVM and PTX / cubin for NVIDIA GPUs.
// The tools (attn-opt, attn-run, attn-sweep, attn-compile) and the
// benchmarks all build it through these functions.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_PIPELINES_PIPELINES_H
#define ATTN_PIPELINES_PIPELINES_H

#include "mlir/IR/BuiltinOps.h"
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
  Option<std::string> reorder{
      *this, "reorder",
      llvm::cl::desc("Token orders (attn-reorder): auto (the cost model "
                     "decides), force or off"),
      llvm::cl::init("auto")};
};

/// The f32 lanes of the widest vectors of `cpu` ("host" or an LLVM CPU
/// name): 16 with AVX-512, 8 otherwise. Fails for an unknown CPU name.
FailureOr<int64_t> vectorWidthForCPU(StringRef cpu);

/// The first half of attn-cpu-pipeline: attn-fuse, attn-reorder,
/// attn-sparsify and attn-tile, leaving kernels on memrefs with their
/// `attn.kernel` facts.
void buildAttnCPUKernelPasses(OpPassManager &pm,
                              const AttnCPUPipelineOptions &options,
                              int64_t vectorWidth);

/// The second half: polynomial exp, then everything to the LLVM dialect.
void buildAttnCPULoweringPasses(OpPassManager &pm);

/// Both halves. The vector width comes from the options or the CPU; an
/// unknown CPU is reported through `pm`'s failure to build (returns failure).
LogicalResult buildAttnCPUPipeline(OpPassManager &pm,
                                   const AttnCPUPipelineOptions &options);

struct AttnCUDAPipelineOptions
    : public PassPipelineOptions<AttnCUDAPipelineOptions> {
  Option<int64_t> tileQ{
      *this, "tile-q",
      llvm::cl::desc("Queries per tile (f16/bf16: 16 per warp, up to 128; "
                     "f32: one thread each)"),
      llvm::cl::init(64)};
  Option<int64_t> tileK{*this, "tile-k", llvm::cl::desc("Keys per tile"),
                        llvm::cl::init(64)};
  ListOption<std::string> chips{
      *this, "chips",
      llvm::cl::desc("GPU architectures, one code image each (sm_80, sm_86, "
                     "sm_89, sm_90, sm_100, sm_120)"),
      llvm::cl::list_init<std::string>({"sm_80", "sm_90"})};
  Option<std::string> ptxFeatures{
      *this, "ptx-features",
      llvm::cl::desc("PTX ISA version as an NVPTX feature, +ptx70 ... "
                     "+ptx90; raised to what each chip needs (sm_100: "
                     "+ptx86, sm_120: +ptx87)"),
      llvm::cl::init("+ptx80")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("isa (PTX text), bin (cubin, runs ptxas) or fatbin"),
      llvm::cl::init("isa")};
};

/// The first half of attn-cuda-pipeline: attn-fuse, attn-sparsify and
/// convert-attn-to-gpu, leaving `gpu.module @attn_kernels` with the kernels'
/// `attn.kernel` facts and host schedule functions.
void buildAttnCUDAKernelPasses(OpPassManager &pm,
                               const AttnCUDAPipelineOptions &options);

/// The second part: kernels to NVVM, host functions to LLVM, one NVVM
/// target per chip.
void buildAttnCUDALoweringPasses(OpPassManager &pm,
                                 const AttnCUDAPipelineOptions &options);

/// The last part: `gpu.binary @attn_kernels` with one object per chip.
void buildAttnCUDABinaryPasses(OpPassManager &pm,
                               const AttnCUDAPipelineOptions &options);

/// Why `options` cannot build attn-cuda-pipeline ("" when they can): the
/// chips, the PTX version, the format.
std::string
checkAttnCUDAPipelineOptions(const AttnCUDAPipelineOptions &options);

/// All three; fails when checkAttnCUDAPipelineOptions does.
LogicalResult buildAttnCUDAPipeline(OpPassManager &pm,
                                    const AttnCUDAPipelineOptions &options);

/// Fails with "the file has no function to compile" in `error` when
/// `module` defines no function.
LogicalResult checkHasFunctions(ModuleOp module, std::string &error);

/// Runs `pm` on `module`; on failure `error` holds the first diagnostic.
LogicalResult runCollectingError(PassManager &pm, ModuleOp module,
                                 std::string &error);

/// Registers attn-cpu-pipeline and attn-cuda-pipeline with attn-opt.
void registerAttnPipelines();

} // namespace mlir::attn

#endif // ATTN_PIPELINES_PIPELINES_H
