//===- AotCompiler.h - kernels compiled ahead of time ---------*- C++ -*-===//
//
// attn-compile's back end: every function of a module through
// attn-cpu-pipeline, then to an LLVM module with, per function f, the kernel
// (`attn_kernel_f`, its C interface and packed entry `attn_entry_f`), a
// KernelDescriptor (`attn_descriptor_f`, see attn/Runtime/KernelAbi.h) and
// the C entry point `int attn_f_f32(args..., results..., B, H, Hkv, Nq, Nk,
// D)` that calls the runtime. The CPU target (CpuTarget.h) is its user.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_CPU_AOTCOMPILER_H
#define ATTN_TARGET_CPU_AOTCOMPILER_H

#include "attn/Target/CPU/JitKernel.h"
#include "attn/Target/Target.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::attn {

struct AotResult {
  std::vector<KernelAttr> kernels;
  /// The kernels in the LLVM dialect (for --emit mlir).
  std::string loweredMlir;
  std::unique_ptr<llvm::LLVMContext> llvmContext;
  std::unique_ptr<llvm::Module> llvmModule;
  std::unique_ptr<llvm::TargetMachine> targetMachine;
};

/// Compiles every function of `module` (which this modifies) for `cpu`
/// ("host" or an LLVM x86-64 CPU name). Fails with one message in `error`.
std::unique_ptr<AotResult>
compileAheadOfTime(ModuleOp module, StringRef cpu,
                   const AttnCPUPipelineOptions &options, std::string &error);

/// Translates `module` (in the LLVM dialect) into `result`'s LLVM module for
/// `cpu` ("host" or an LLVM x86-64 CPU name), with its target machine.
LogicalResult translateForHost(ModuleOp module, StringRef cpu,
                               AotResult &result, std::string &error);

/// Runs LLVM's -O3 pipeline on `result`'s module.
LogicalResult optimizeHostModule(AotResult &result, std::string &error);

/// The result as an object file or as assembly, in memory.
FailureOr<std::string> emitMachineCode(AotResult &result, bool assembly,
                                       std::string &error);

/// Appends the object file ("o") of `result` and the static library ("a")
/// holding it, named for `libraryName`, to `files`.
LogicalResult addObjectAndArchive(std::vector<LibraryFile> &files,
                                  AotResult &result, StringRef libraryName,
                                  std::string &error);

/// A static library (`ar` format) holding one object file `objectName`.
FailureOr<std::string> makeStaticLibrary(StringRef objectName,
                                         const std::string &object,
                                         std::string &error);

} // namespace mlir::attn

#endif // ATTN_TARGET_CPU_AOTCOMPILER_H
