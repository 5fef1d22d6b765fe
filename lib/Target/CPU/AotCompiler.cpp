//===- AotCompiler.cpp - kernels compiled ahead of time -------------------===//

#include "attn/Target/CPU/AotCompiler.h"

#include "PackedEntry.h"

#include "attn/Pipelines/Pipelines.h"
#include "attn/Runtime/Kernel.h"
#include "attn/Runtime/KernelSymbols.h"
#include "attn/Target/Common/KernelContract.h"
#include "attn/Target/Header/KernelHeader.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Adds `attn_descriptor_<f>` and `attn_<f>_f32` for one kernel.
void addEntryPoints(llvm::Module &m, KernelAttr kernel) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::PointerType *ptr = llvm::PointerType::getUnqual(ctx);
  std::string name = kernel.getName().str();
  llvm::Constant *buildTables = llvm::ConstantPointerNull::get(ptr);
  if (llvm::Function *schedule = m.getFunction(
          ::attn::symbols::cInterface(::attn::symbols::scheduleFunction(name))))
    buildTables = schedule;
  RecordConstant record(ctx, RecordConstant::Record::KernelDescriptor);
  setCommonFields(record, m, kernel, name);
  record.set("kernel", m.getFunction(::attn::symbols::packedEntry(name)))
      .set("buildTables", buildTables)
      .set("stages", kernel.getNumStages())
      .set("rowScratch", kernel.getRowScratch());
  auto *descriptor = new llvm::GlobalVariable(
      m, RecordConstant::typeOf(ctx, RecordConstant::Record::KernelDescriptor),
      /*isConstant=*/true, llvm::GlobalValue::ExternalLinkage, record.get(),
      ::attn::symbols::descriptor(name));
  emitCEntry(m, kernel, ::attn::symbols::cEntry(name), descriptor,
             ::attn::symbols::kRunKernel);
}

} // namespace

std::unique_ptr<AotResult>
mlir::attn::compileAheadOfTime(ModuleOp module, StringRef cpu,
                               const AttnCPUPipelineOptions &options,
                               std::string &error) {
  FailureOr<int64_t> width = vectorWidthForCPU(cpu);
  if (failed(width)) {
    error = ("unknown cpu '" + cpu + "'").str();
    return nullptr;
  }
  if (failed(checkHasFunctions(module, error)))
    return nullptr;

  PassManager kernelPasses(module.getContext());
  buildAttnCPUKernelPasses(
      kernelPasses, options,
      options.vectorWidth > 0 ? int64_t(options.vectorWidth) : *width);
  if (failed(runCollectingError(kernelPasses, module, error)))
    return nullptr;

  // Kernels carry #attn.kernel; the only other functions are their
  // schedule functions `@<f>.schedule`.
  SmallVector<func::FuncOp> kernels;
  for (auto func : module.getOps<func::FuncOp>()) {
    StringRef base = func.getSymName();
    if (getKernelContract(func)) {
      kernels.push_back(func);
      continue;
    }
    auto owner = base.consume_back(".schedule")
                     ? module.lookupSymbol<func::FuncOp>(base)
                     : nullptr;
    if (!owner || !getKernelContract(owner)) {
      error = ("@" + func.getSymName() +
               " is not an attention kernel (one attn.attention on its three "
               "arguments)")
                  .str();
      return nullptr;
    }
  }
  auto result = std::make_unique<AotResult>();
  for (func::FuncOp func : kernels) {
    KernelAttr kernel = getKernelContract(func);
    std::string name = kernel.getName().str();
    if (kernel.getSchedule() == ScheduleKind::Tables) {
      // The generated schedule function builds the tables at run time.
      auto schedule = module.lookupSymbol<func::FuncOp>(name + ".schedule");
      if (!schedule) {
        error = "kernel @" + name + " needs tables and has no @" + name +
                ".schedule function";
        return nullptr;
      }
      SymbolTable::setSymbolName(schedule,
                                 ::attn::symbols::scheduleFunction(name));
    }
    SymbolTable::setSymbolName(func, ::attn::symbols::kernel(name));
    result->kernels.push_back(kernel);
  }
  // The header's names must compile: refuse before any code is generated.
  if (failed(checkKernelNames(result->kernels, error)))
    return nullptr;

  PassManager lowering(module.getContext());
  buildAttnCPULoweringPasses(lowering);
  if (failed(runCollectingError(lowering, module, error)))
    return nullptr;
  for (KernelAttr kernel : result->kernels) {
    std::string name = kernel.getName().str();
    if (failed(addPackedEntry(module, ::attn::symbols::kernel(name),
                              ::attn::symbols::packedEntry(name), error)))
      return nullptr;
  }
  {
    llvm::raw_string_ostream os(result->loweredMlir);
    module.print(os);
  }

  if (failed(translateForHost(module, cpu, *result, error)))
    return nullptr;
  llvm::Module &m = *result->llvmModule;
  for (KernelAttr kernel : result->kernels)
    addEntryPoints(m, kernel);
  if (failed(optimizeHostModule(*result, error)))
    return nullptr;
  return result;
}

LogicalResult mlir::attn::translateForHost(ModuleOp module, StringRef cpu,
                                           AotResult &result,
                                           std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string cpuName =
      cpu == "host" ? llvm::sys::getHostCPUName().str() : cpu.str();
  std::string features;
  if (cpu == "host") {
    std::vector<std::string> list;
    for (auto &feature : llvm::sys::getHostCPUFeatures())
      list.push_back((feature.second ? "+" : "-") + feature.first().str());
    features = llvm::join(list, ",");
  }
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return failure();
  llvm::TargetOptions targetOptions;
  result.targetMachine.reset(target->createTargetMachine(
      triple, cpuName, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));

  result.llvmContext = std::make_unique<llvm::LLVMContext>();
  result.llvmModule =
      translateModuleToLLVMIR(module, *result.llvmContext, "attn-kernels");
  if (!result.llvmModule) {
    error = "translation to LLVM IR failed";
    return failure();
  }
  llvm::Module &m = *result.llvmModule;
  m.setTargetTriple(triple);
  m.setDataLayout(result.targetMachine->createDataLayout());
  for (llvm::Function &f : m)
    if (!f.isDeclaration()) {
      f.addFnAttr("target-cpu", cpuName);
      if (!features.empty())
        f.addFnAttr("target-features", features);
    }
  return success();
}

LogicalResult mlir::attn::optimizeHostModule(AotResult &result,
                                             std::string &error) {
  auto optimize = makeOptimizingTransformer(3, 0, result.targetMachine.get());
  if (llvm::Error err = optimize(result.llvmModule.get())) {
    error = "LLVM optimization failed: " + llvm::toString(std::move(err));
    return failure();
  }
  return success();
}

FailureOr<std::string> mlir::attn::emitMachineCode(AotResult &result,
                                                   bool assembly,
                                                   std::string &error) {
  SmallString<0> code;
  llvm::raw_svector_ostream out(code);
  llvm::legacy::PassManager pm;
  if (result.targetMachine->addPassesToEmitFile(
          pm, out, nullptr,
          assembly ? llvm::CodeGenFileType::AssemblyFile
                   : llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit this file type";
    return failure();
  }
  pm.run(*result.llvmModule);
  return std::string(code.str());
}

FailureOr<std::string> mlir::attn::makeStaticLibrary(StringRef objectName,
                                                     const std::string &object,
                                                     std::string &error) {
  std::vector<llvm::NewArchiveMember> members(1);
  members[0].Buf =
      llvm::MemoryBuffer::getMemBuffer(object, objectName,
                                       /*RequiresNullTerminator=*/false);
  members[0].MemberName = objectName;
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> archive =
      llvm::writeArchiveToBuffer(members, llvm::SymtabWritingMode::NormalSymtab,
                                 llvm::object::Archive::K_GNU,
                                 /*Deterministic=*/true, /*Thin=*/false);
  if (!archive) {
    error = llvm::toString(archive.takeError());
    return failure();
  }
  return (*archive)->getBuffer().str();
}

LogicalResult mlir::attn::addObjectAndArchive(std::vector<LibraryFile> &files,
                                              AotResult &result,
                                              StringRef libraryName,
                                              std::string &error) {
  FailureOr<std::string> object = emitMachineCode(result, false, error);
  if (failed(object))
    return failure();
  FailureOr<std::string> archive =
      makeStaticLibrary((libraryName + ".o").str(), *object, error);
  if (failed(archive))
    return failure();
  files.push_back({"o", *object});
  files.push_back({"a", *archive});
  return success();
}
