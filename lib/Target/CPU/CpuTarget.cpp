//===- CpuTarget.cpp - the x86-64 back end --------------------------------===//

#include "attn/Target/CPU/CpuTarget.h"

#include "attn/Runtime/ThreadPool.h"
#include "attn/Target/CPU/AotCompiler.h"
#include "attn/Target/CPU/JitKernel.h"
#include "attn/Target/Header/KernelHeader.h"
#include "attn/Target/Target.h"

#include <chrono>

using namespace mlir;
using namespace mlir::attn;

namespace {

/// The pipeline's options for `options`.
void setPipelineOptions(AttnCPUPipelineOptions &pipeline,
                        const TargetOptions &options) {
  pipeline.tileQ = options.tileQ;
  pipeline.tileK = options.tileK;
  pipeline.cpu = options.cpu.empty() ? "host" : options.cpu;
  pipeline.reorder = options.reorder;
}

class CpuLoadedKernel : public LoadedKernel {
public:
  explicit CpuLoadedKernel(std::unique_ptr<JitKernel> kernel)
      : kernel(std::move(kernel)) {}

  KernelAttr getContract() const override { return kernel->info(); }
  const ::attn::KernelTensor *getTensors() const override {
    return kernel->getDescriptor().tensors;
  }
  std::string checkShape(const ::attn::CallShape &shape) const override {
    std::string error;
    (void)kernel->checkShape(shape, error);
    return error;
  }
  absl::StatusOr<std::vector<double>>
  runOnHost(ArrayRef<const float *> arguments, ArrayRef<float *> results,
            const ::attn::CallShape &shape, int threads, int repeat) override {
    if (std::string problem = checkShape(shape); !problem.empty())
      return absl::InvalidArgumentError(problem);
    ::attn::ThreadPool pool(threads);
    SmallVector<const void *> in(arguments.begin(), arguments.end());
    SmallVector<void *> out(results.begin(), results.end());
    if (absl::Status status = kernel->run(in, out, shape, pool); !status.ok())
      return status;
    std::vector<double> times;
    for (int r = 0; r < repeat; ++r) {
      auto start = std::chrono::steady_clock::now();
      (void)kernel->run(in, out, shape, pool); // ran once above
      times.push_back(std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count());
    }
    return times;
  }
  double compileMillis() const override { return kernel->compileMillis(); }

private:
  std::unique_ptr<JitKernel> kernel;
};

class CpuTarget : public Target {
public:
  StringRef getName() const override { return "cpu"; }
  ArrayRef<StringRef> getEmitKinds() const override {
    static const StringRef kinds[] = {"obj", "asm", "llvm", "mlir"};
    return kinds;
  }
  std::string checkOptions(const TargetOptions &options) const override {
    if (!options.gpuArchs.empty())
      return "GPU architectures need the cuda target";
    if (!options.cpu.empty() && failed(vectorWidthForCPU(options.cpu)))
      return "unknown cpu '" + options.cpu + "'";
    return "";
  }

  std::unique_ptr<LoadedKernel> load(ModuleOp module, StringRef entry,
                                     const TargetOptions &options,
                                     std::string &error) const override {
    AttnCPUPipelineOptions pipeline;
    setPipelineOptions(pipeline, options);
    std::unique_ptr<JitKernel> kernel =
        JitKernel::compile(module, entry, pipeline, error);
    if (!kernel)
      return nullptr;
    return std::make_unique<CpuLoadedKernel>(std::move(kernel));
  }

  FailureOr<Library> compileLibrary(ModuleOp module, StringRef libraryName,
                                    StringRef sourceName, StringRef emit,
                                    const TargetOptions &options,
                                    std::string &error) const override {
    AttnCPUPipelineOptions pipeline;
    setPipelineOptions(pipeline, options);
    std::unique_ptr<AotResult> result =
        compileAheadOfTime(module, pipeline.cpu, pipeline, error);
    if (!result)
      return failure();
    Library library;
    auto add = [&](std::string suffix, std::string bytes) {
      library.files.push_back({std::move(suffix), std::move(bytes)});
    };
    if (emit == "mlir") {
      add("mlir", result->loweredMlir);
    } else if (emit == "llvm") {
      std::string text;
      llvm::raw_string_ostream os(text);
      result->llvmModule->print(os, nullptr);
      add("ll", text);
    } else if (emit == "asm") {
      FailureOr<std::string> assembly = emitMachineCode(*result, true, error);
      if (failed(assembly))
        return failure();
      add("s", *assembly);
    } else if (failed(addObjectAndArchive(library.files, *result, libraryName,
                                          error))) {
      return failure();
    }
    add("h", emitKernelHeader(result->kernels, libraryName, sourceName));
    return library;
  }
};

} // namespace

void mlir::attn::registerCPUTarget() {
  registerTarget(std::make_unique<CpuTarget>());
}
