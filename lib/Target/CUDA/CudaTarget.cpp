//===- CudaTarget.cpp - the NVIDIA GPU back end ---------------------------===//

#include "attn/Target/CUDA/CudaTarget.h"

#include "attn/InitAll.h"
#include "attn/Runtime/CudaDriver.h"
#include "attn/Support/HalfFloat.h"
#include "attn/Target/CUDA/Chips/NvidiaChips.h"
#include "attn/Target/CUDA/CudaCompiler.h"
#include "attn/Target/CUDA/CudaJitKernel.h"
#include "attn/Target/Header/KernelHeader.h"
#include "attn/Target/Target.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Parser/Parser.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;
namespace cuda = ::attn::cuda;

namespace {

/// The pipeline's options for `options`.
void setPipelineOptions(AttnCUDAPipelineOptions &pipeline,
                        const TargetOptions &options) {
  if (options.tileQ > 0)
    pipeline.tileQ = options.tileQ;
  pipeline.tileK = options.tileK;
  if (!options.gpuArchs.empty())
    pipeline.chips = SmallVector<std::string>(options.gpuArchs.begin(),
                                              options.gpuArchs.end());
}

/// The CPU of a library's host code: portable unless asked otherwise.
std::string hostCpuOf(const TargetOptions &options) {
  return options.cpu.empty() ? "x86-64-v2" : options.cpu;
}

class CudaLoadedKernel : public LoadedKernel {
public:
  explicit CudaLoadedKernel(std::unique_ptr<CudaJitKernel> kernel)
      : kernel(std::move(kernel)) {}

  KernelAttr getContract() const override { return kernel->info(); }
  const ::attn::KernelTensor *getTensors() const override {
    return kernel->getDescriptor().tensors;
  }
  std::string checkShape(const ::attn::CallShape &shape) const override {
    return ::attn::checkCallShape(kernel->getDescriptor(), shape);
  }

  absl::StatusOr<std::vector<double>>
  runOnHost(ArrayRef<const float *> arguments, ArrayRef<float *> results,
            const ::attn::CallShape &shape, int threads, int repeat) override {
    const ::attn::CudaKernelDescriptor &d = kernel->getDescriptor();
    if (std::string problem = checkShape(shape); !problem.empty())
      return absl::InvalidArgumentError(problem);
    if (absl::Status status = cuda::ensureContext().status(); !status.ok())
      return status;
    // Device buffers of every tensor, the arguments converted to their
    // element types on the host.
    std::vector<cuda::DeviceBuffer> buffers;
    for (int64_t i = 0; i < d.numArguments + d.numResults; ++i) {
      const ::attn::KernelTensor &t = d.tensors[i];
      int64_t elements = ::attn::elementsOf(t, shape);
      absl::StatusOr<cuda::DeviceBuffer> buffer =
          cuda::DeviceBuffer::allocate(std::max<size_t>(
              size_t(elements) * ::attn::elementBytes(t.element), 16));
      if (!buffer.ok())
        return buffer.status();
      buffers.push_back(*std::move(buffer));
      if (i >= d.numArguments)
        continue;
      absl::Status copied;
      if (t.element == ::attn::kElementF32) {
        copied = cuda::copyToDevice(buffers.back().get(), arguments[i],
                                    size_t(elements) * 4);
      } else {
        std::vector<float> values(arguments[i], arguments[i] + elements);
        std::vector<uint16_t> bits = ::attn::toHalf(values, halfKind(t));
        copied = cuda::copyToDevice(buffers.back().get(), bits.data(),
                                    bits.size() * 2);
      }
      if (!copied.ok())
        return copied;
    }
    std::vector<const void *> argumentData;
    std::vector<void *> resultData;
    for (int64_t i = 0; i < int64_t(buffers.size()); ++i) {
      if (i < d.numArguments)
        argumentData.push_back(buffers[i].data());
      else
        resultData.push_back(buffers[i].data());
    }
    if (absl::Status status = kernel->launch(argumentData, resultData, shape);
        !status.ok())
      return status;
    if (absl::Status status = cuda::synchronize(); !status.ok())
      return status;
    std::vector<double> times;
    for (int r = 0; r < repeat; ++r) {
      absl::StatusOr<cuda::EventTimer> timer = cuda::EventTimer::create();
      if (!timer.ok())
        return timer.status();
      absl::Status status = timer->start();
      if (status.ok())
        status = kernel->launch(argumentData, resultData, shape);
      if (status.ok())
        status = timer->stop();
      absl::StatusOr<double> ms =
          status.ok() ? timer->elapsedMs() : absl::StatusOr<double>(status);
      if (!ms.ok())
        return ms.status();
      times.push_back(*ms);
    }
    for (int64_t r = 0; r < d.numResults; ++r) {
      const ::attn::KernelTensor &t = d.tensors[d.numArguments + r];
      int64_t elements = ::attn::elementsOf(t, shape);
      const cuda::DeviceBuffer &buffer = buffers[d.numArguments + r];
      absl::Status copied;
      if (t.element == ::attn::kElementF32) {
        copied =
            cuda::copyToHost(results[r], buffer.get(), size_t(elements) * 4);
      } else {
        std::vector<uint16_t> bits(elements);
        copied = cuda::copyToHost(bits.data(), buffer.get(), bits.size() * 2);
        std::vector<float> values = ::attn::fromHalf(bits, halfKind(t));
        std::copy(values.begin(), values.end(), results[r]);
      }
      if (!copied.ok())
        return copied;
    }
    return times;
  }
  double compileMillis() const override { return kernel->compileMillis(); }

private:
  static ::attn::HalfKind halfKind(const ::attn::KernelTensor &t) {
    return t.element == ::attn::kElementBF16 ? ::attn::HalfKind::BF16
                                             : ::attn::HalfKind::F16;
  }
  std::unique_ptr<CudaJitKernel> kernel;
};

class CudaTarget : public Target {
public:
  StringRef getName() const override { return "cuda"; }
  ArrayRef<StringRef> getEmitKinds() const override {
    static const StringRef kinds[] = {"obj", "ptx", "cubin", "mlir"};
    return kinds;
  }
  std::string checkOptions(const TargetOptions &options) const override {
    AttnCUDAPipelineOptions pipeline;
    setPipelineOptions(pipeline, options);
    std::string problem = checkAttnCUDAPipelineOptions(pipeline);
    if (!problem.empty())
      return problem;
    if (options.reorder == "force")
      return "the cuda target has no token orders yet (--reorder=force)";
    if (failed(vectorWidthForCPU(hostCpuOf(options))))
      return "unknown cpu '" + hostCpuOf(options) + "'";
    return "";
  }

  std::unique_ptr<LoadedKernel> load(ModuleOp module, StringRef entry,
                                     const TargetOptions &options,
                                     std::string &error) const override {
    AttnCUDAPipelineOptions pipeline;
    setPipelineOptions(pipeline, options);
    std::unique_ptr<CudaJitKernel> kernel =
        CudaJitKernel::compile(module, entry, pipeline, error);
    if (!kernel)
      return nullptr;
    return std::make_unique<CudaLoadedKernel>(std::move(kernel));
  }

  FailureOr<Library> compileLibrary(ModuleOp module, StringRef libraryName,
                                    StringRef sourceName, StringRef emit,
                                    const TargetOptions &options,
                                    std::string &error) const override {
    Library library;
    std::string ptxas;
    if (emit == "obj" || emit == "cubin") {
      ptxas = findPtxas();
      if (ptxas.empty() && emit == "cubin") {
        error = "ptxas not found (set ATTN_PTXAS or CUDA_HOME, or put it on "
                "PATH); --emit ptx needs none";
        return failure();
      }
      if (ptxas.empty())
        library.warnings.push_back(
            "ptxas not found (set ATTN_PTXAS or CUDA_HOME); the library holds "
            "PTX only, which the driver compiles when it loads");
    }
    std::string hostCpu = hostCpuOf(options);
    AttnCUDAPipelineOptions pipeline;
    setPipelineOptions(pipeline, options);
    std::unique_ptr<CudaCompileResult> result =
        compileForCUDA(module, pipeline, ptxas,
                       emit == "obj" ? StringRef(hostCpu) : "", error);
    if (!result)
      return failure();
    std::string report;
    for (const CudaImageCode &image : result->images)
      report += image.ptxasReport;
    if (emit == "mlir") {
      library.files.push_back({"mlir", result->nvvmMlir});
    } else if (emit == "ptx") {
      for (const CudaImageCode &image : result->images)
        library.files.push_back({image.chip + ".ptx", image.ptx});
    } else if (emit == "cubin") {
      for (const CudaImageCode &image : result->images)
        library.files.push_back({image.chip + ".cubin", image.cubin});
    } else if (failed(addObjectAndArchive(library.files, *result->host,
                                          libraryName, error))) {
      return failure();
    }
    library.files.push_back(
        {"h", emitCudaKernelHeader(result->kernels, libraryName, sourceName,
                                   report)});
    return library;
  }

  /// ptxas' figures of the kernel of `op`, compiled in a context of its own
  /// (attn-cost runs inside the caller's pass manager, whose context must
  /// not load dialects meanwhile).
  FailureOr<std::string> describeKernel(AttentionOp op, StringRef arch,
                                        const TargetOptions &options,
                                        std::string &error) const override {
    std::string text;
    {
      OwningOpRef<ModuleOp> wrapper = ModuleOp::create(op.getLoc());
      OpBuilder b = OpBuilder::atBlockEnd(wrapper->getBody());
      auto func = func::FuncOp::create(
          b, op.getLoc(), "attn_cost",
          b.getFunctionType(op->getOperandTypes(), op->getResultTypes()));
      Block *entry = func.addEntryBlock();
      b.setInsertionPointToStart(entry);
      IRMapping arguments;
      arguments.map(op->getOperands(), entry->getArguments());
      Operation *clone = b.clone(*op, arguments);
      func::ReturnOp::create(b, op.getLoc(), clone->getResults());
      llvm::raw_string_ostream os(text);
      wrapper->print(os);
    }
    DialectRegistry registry;
    registerAllDialects(registry);
    MLIRContext ctx(registry);
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &ctx);
    if (!module) {
      error = "the op does not print and parse back";
      return failure();
    }
    TargetOptions chip = options;
    chip.gpuArchs = {arch.str()};
    AttnCUDAPipelineOptions pipeline;
    setPipelineOptions(pipeline, chip);
    FailureOr<GpuKernelFacts> facts = kernelFactsOf(*module, pipeline, error);
    if (failed(facts))
      return failure();
    std::string line;
    llvm::raw_string_ostream os(line);
    os << arch << " kernel (ptxas -v): " << facts->registers << " registers, "
       << facts->spillStoreBytes << " bytes spill stores, "
       << facts->spillLoadBytes << " bytes spill loads, " << facts->stackBytes
       << " bytes stack, " << facts->sharedBytes << " bytes shared, "
       << facts->threadsPerBlock << " threads per block, "
       << residentBlocksPerSM(*facts, arch) << " blocks per SM";
    return line;
  }
};

} // namespace

void mlir::attn::registerCUDATarget() {
  registerTarget(std::make_unique<CudaTarget>());
}
