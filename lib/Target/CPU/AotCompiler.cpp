//===- AotCompiler.cpp - kernels compiled ahead of time -------------------===//

#include "attn/Target/CPU/AotCompiler.h"

#include "KernelFacts.h"

#include "attn/Pipelines/Pipelines.h"
#include "attn/Runtime/Kernel.h"

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
void addEntryPoints(llvm::Module &m, const KernelInfo &info) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx);
  llvm::Type *i32 = llvm::Type::getInt32Ty(ctx);
  llvm::PointerType *ptr = llvm::PointerType::getUnqual(ctx);
  auto *shapeTy = llvm::ArrayType::get(llvm::ArrayType::get(i64, 4), 3);
  // Mirrors attn::KernelDescriptor: every field 8 bytes wide.
  auto *descriptorTy =
      llvm::StructType::get(ctx, {ptr, i64, i64, i64, i64, shapeTy, ptr, ptr});

  auto *nameInit = llvm::ConstantDataArray::getString(ctx, info.name);
  auto *name = new llvm::GlobalVariable(
      m, nameInit->getType(), /*isConstant=*/true,
      llvm::GlobalValue::PrivateLinkage, nameInit, "attn.name." + info.name);
  llvm::Function *kernel =
      m.getFunction("_mlir_ciface_attn_kernel_" + info.name);
  llvm::Constant *buildTables = llvm::ConstantPointerNull::get(ptr);
  if (llvm::Function *schedule =
          m.getFunction("_mlir_ciface_attn_schedule_" + info.name))
    buildTables = schedule;
  auto *init = llvm::ConstantStruct::get(
      descriptorTy,
      {name, llvm::ConstantInt::get(i64, info.headDim),
       llvm::ConstantInt::get(i64, info.tileQ),
       llvm::ConstantInt::get(i64, info.tileK),
       llvm::ConstantInt::get(i64, scheduleKindOf(info.schedule)),
       staticShapesConstant(ctx, info.signature), kernel, buildTables});
  auto *descriptor = new llvm::GlobalVariable(
      m, descriptorTy, /*isConstant=*/true, llvm::GlobalValue::ExternalLinkage,
      init, "attn_descriptor_" + info.name);

  // int attn_<f>_f32(q, k, v, out, B, H, Hkv, Nq, Nk, D)
  std::vector<llvm::Type *> params = {ptr, ptr, ptr, ptr, i64,
                                      i64, i64, i64, i64, i64};
  auto *entryTy = llvm::FunctionType::get(i32, params, false);
  llvm::FunctionCallee run = m.getOrInsertFunction(
      "attn_run_kernel",
      llvm::FunctionType::get(
          i32, {ptr, ptr, ptr, ptr, ptr, i64, i64, i64, i64, i64, i64}, false));
  auto *entry =
      llvm::Function::Create(entryTy, llvm::GlobalValue::ExternalLinkage,
                             "attn_" + info.name + "_f32", m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  std::vector<llvm::Value *> args = {descriptor};
  for (llvm::Argument &a : entry->args())
    args.push_back(&a);
  b.CreateRet(b.CreateCall(run, args));
}

} // namespace

int64_t mlir::attn::scheduleKindOf(StringRef schedule) {
  return schedule == "banded"   ? ::attn::kScheduleBanded
         : schedule == "tables" ? ::attn::kScheduleTables
                                : ::attn::kScheduleStaticTables;
}

std::array<std::array<int64_t, 4>, 3>
mlir::attn::staticShapesOf(FunctionType signature) {
  std::array<std::array<int64_t, 4>, 3> shapes;
  for (unsigned operand = 0; operand < 3; ++operand) {
    auto type = cast<RankedTensorType>(signature.getInput(operand));
    for (unsigned d = 0; d < 4; ++d)
      shapes[operand][d] = type.isDynamicDim(d) ? -1 : type.getDimSize(d);
  }
  return shapes;
}

llvm::Constant *mlir::attn::staticShapesConstant(llvm::LLVMContext &ctx,
                                                 FunctionType signature) {
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx);
  auto *rowTy = llvm::ArrayType::get(i64, 4);
  std::vector<llvm::Constant *> rows;
  for (const auto &shape : staticShapesOf(signature)) {
    std::vector<llvm::Constant *> dims;
    for (int64_t size : shape)
      dims.push_back(llvm::ConstantInt::get(i64, size, /*IsSigned=*/true));
    rows.push_back(llvm::ConstantArray::get(rowTy, dims));
  }
  return llvm::ConstantArray::get(llvm::ArrayType::get(rowTy, 3), rows);
}

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

  // Kernels carry `attn.kernel`; the only other functions are their
  // schedule functions `@<f>.schedule`.
  SmallVector<func::FuncOp> kernels;
  for (auto func : module.getOps<func::FuncOp>()) {
    StringRef base = func.getSymName();
    if (func->hasAttr("attn.kernel")) {
      kernels.push_back(func);
      continue;
    }
    auto owner = base.consume_back(".schedule")
                     ? module.lookupSymbol<func::FuncOp>(base)
                     : nullptr;
    if (!owner || !owner->hasAttr("attn.kernel")) {
      error = ("@" + func.getSymName() +
               " is not an attention kernel (one attn.attention on its three "
               "arguments)")
                  .str();
      return nullptr;
    }
  }
  auto result = std::make_unique<AotResult>();
  for (func::FuncOp func : kernels) {
    KernelInfo info = *readKernelInfo(func);
    if (info.schedule == "tables") {
      // The generated schedule function builds the tables at run time.
      auto schedule =
          module.lookupSymbol<func::FuncOp>(info.name + ".schedule");
      SymbolTable::setSymbolName(schedule, "attn_schedule_" + info.name);
    }
    SymbolTable::setSymbolName(func, "attn_kernel_" + info.name);
    result->kernels.push_back(info);
  }

  PassManager lowering(module.getContext());
  buildAttnCPULoweringPasses(lowering);
  if (failed(runCollectingError(lowering, module, error)))
    return nullptr;
  {
    llvm::raw_string_ostream os(result->loweredMlir);
    module.print(os);
  }

  if (failed(translateForHost(module, cpu, *result, error)))
    return nullptr;
  llvm::Module &m = *result->llvmModule;
  for (const KernelInfo &info : result->kernels)
    addEntryPoints(m, info);
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
