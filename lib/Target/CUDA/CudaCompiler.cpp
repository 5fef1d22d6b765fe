//===- CudaCompiler.cpp - GPU kernels compiled ahead of time --------------===//

#include "attn/Target/CUDA/CudaCompiler.h"

#include "attn/Runtime/CudaKernel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;
using namespace mlir::attn;

int64_t mlir::attn::elementKindOf(StringRef element) {
  return element == "bf16"  ? ::attn::kElementBF16
         : element == "f16" ? ::attn::kElementF16
                            : ::attn::kElementF32;
}

std::string mlir::attn::findPtxas() {
  auto executable = [](const std::string &path) {
    return !path.empty() && llvm::sys::fs::can_execute(path);
  };
  if (const char *explicitPath = std::getenv("ATTN_PTXAS"))
    return executable(explicitPath) ? explicitPath : "";
  if (const char *home = std::getenv("CUDA_HOME")) {
    std::string path = std::string(home) + "/bin/ptxas";
    if (executable(path))
      return path;
  }
  if (executable("/usr/local/cuda/bin/ptxas"))
    return "/usr/local/cuda/bin/ptxas";
  if (auto onPath = llvm::sys::findProgramByName("ptxas"))
    return *onPath;
  return "";
}

namespace {

std::optional<CudaKernelInfo> readCudaKernelInfo(gpu::GPUFuncOp kernel) {
  auto facts = kernel->getAttrOfType<DictionaryAttr>("attn.kernel");
  auto signature = kernel->getAttrOfType<TypeAttr>("attn.signature");
  if (!facts || !signature)
    return std::nullopt;
  CudaKernelInfo info;
  info.signature = cast<FunctionType>(signature.getValue());
  auto integer = [&](StringRef key) {
    return cast<IntegerAttr>(facts.get(key)).getInt();
  };
  auto string = [&](StringRef key) {
    return cast<StringAttr>(facts.get(key)).str();
  };
  info.name = string("name");
  info.headDim = integer("head_dim");
  info.tileQ = integer("tile_q");
  info.tileK = integer("tile_k");
  info.threads = integer("threads");
  info.element = string("element");
  info.schedule = string("schedule");
  info.pattern = cast<MaskPatternAttrInterface>(facts.get("pattern"));
  if (auto tables = facts.getAs<DenseI32ArrayAttr>("static_tables"))
    info.staticTables.assign(tables.asArrayRef().begin(),
                             tables.asArrayRef().end());
  return info;
}

/// Runs ptxas on `image.ptx`, filling `image.cubin` and `image.ptxasReport`.
LogicalResult assemble(StringRef ptxas, CudaImageCode &image,
                       std::string &error) {
  // Each temporary is removed however this returns.
  SmallVector<SmallString<128>, 3> paths;
  llvm::scope_exit cleanup([&] {
    for (const SmallString<128> &path : paths)
      llvm::sys::fs::remove(path);
  });
  for (const char *suffix : {"ptx", "cubin", "log"}) {
    paths.emplace_back();
    if (llvm::sys::fs::createTemporaryFile("attn", suffix, paths.back())) {
      paths.pop_back();
      error = "cannot create a temporary file for ptxas";
      return failure();
    }
  }
  StringRef ptxPath = paths[0], cubinPath = paths[1], logPath = paths[2];
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(ptxPath, ec);
    os << image.ptx;
    os.close();
    if (ec || os.has_error()) {
      os.clear_error();
      error = "cannot write the PTX for ptxas to '" + ptxPath.str() + "'";
      return failure();
    }
  }
  std::string arch = "-arch=" + image.chip;
  SmallVector<StringRef> args = {ptxas,   arch, "-O3",    "-v",
                                 ptxPath, "-o", cubinPath};
  std::optional<StringRef> redirects[] = {std::nullopt, logPath, logPath};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0, 0,
                                     &message);
  auto log = llvm::MemoryBuffer::getFile(logPath);
  std::string report = log ? (*log)->getBuffer().str() : "";
  if (rc != 0) {
    error = "ptxas failed for " + image.chip + ": " +
            (message.empty() ? report : message);
    return failure();
  }
  auto cubin = llvm::MemoryBuffer::getFile(cubinPath, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
  if (!cubin) {
    error = "ptxas wrote no cubin for " + image.chip;
    return failure();
  }
  image.cubin = (*cubin)->getBuffer().str();
  // Keep the figures; compile times would make every header differ.
  for (StringRef line : llvm::split(report, '\n'))
    if (!line.trim().empty() && !line.contains("Compile time"))
      image.ptxasReport += line.str() + "\n";
  return success();
}

/// The host side of a library: images, descriptors and C entry points.
class HostLibraryBuilder {
public:
  HostLibraryBuilder(llvm::Module &m, const CudaCompileResult &result)
      : m(m), ctx(m.getContext()), result(result) {
    i64 = llvm::Type::getInt64Ty(ctx);
    i32 = llvm::Type::getInt32Ty(ctx);
    ptr = llvm::PointerType::getUnqual(ctx);
  }

  void build() {
    llvm::GlobalVariable *images = emitImages();
    for (const CudaKernelInfo &info : result.kernels)
      emitKernel(info, images);
  }

private:
  llvm::Constant *bytes(StringRef data, const Twine &name, bool terminate) {
    auto *init = llvm::ConstantDataArray::getString(ctx, data, terminate);
    auto *global =
        new llvm::GlobalVariable(m, init->getType(), true,
                                 llvm::GlobalValue::PrivateLinkage, init, name);
    global->setAlignment(llvm::Align(16));
    return global;
  }
  llvm::Constant *int64(int64_t value) {
    return llvm::ConstantInt::get(i64, value, /*IsSigned=*/true);
  }

  /// Cubins of every chip (when assembled) and the PTX of the first chip:
  /// the driver compiles it for newer GPUs.
  llvm::GlobalVariable *emitImages() {
    auto *imageTy = llvm::StructType::get(ctx, {ptr, i64, ptr, i64});
    std::vector<llvm::Constant *> entries;
    for (const CudaImageCode &image : result.images) {
      if (image.cubin.empty())
        continue;
      entries.push_back(llvm::ConstantStruct::get(
          imageTy,
          {bytes(image.chip, "attn.arch." + image.chip, true), int64(0),
           bytes(image.cubin, "attn.cubin." + image.chip, false),
           int64(image.cubin.size())}));
    }
    const CudaImageCode &portable = result.images.front();
    entries.push_back(llvm::ConstantStruct::get(
        imageTy,
        {bytes(portable.chip, "attn.ptxarch", true), int64(1),
         bytes(portable.ptx, "attn.ptx", true), int64(portable.ptx.size())}));
    numImages = entries.size();
    auto *arrayTy = llvm::ArrayType::get(imageTy, entries.size());
    return new llvm::GlobalVariable(
        m, arrayTy, true, llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantArray::get(arrayTy, entries), "attn.images");
  }

  void emitKernel(const CudaKernelInfo &info, llvm::GlobalVariable *images) {
    auto *shapeTy = llvm::ArrayType::get(llvm::ArrayType::get(i64, 4), 3);
    // Mirrors attn::CudaKernelDescriptor: every field 8 bytes wide.
    auto *descriptorTy =
        llvm::StructType::get(ctx, {ptr, i64, i64, i64, i64, shapeTy, i64, i64,
                                    i64, ptr, ptr, i64, ptr});
    llvm::Constant *tables = llvm::ConstantPointerNull::get(ptr);
    if (!info.staticTables.empty()) {
      auto *init =
          llvm::ConstantDataArray::get(ctx, ArrayRef(info.staticTables));
      tables = new llvm::GlobalVariable(m, init->getType(), true,
                                        llvm::GlobalValue::PrivateLinkage, init,
                                        "attn.tables." + info.name);
    }
    llvm::Constant *buildTables = llvm::ConstantPointerNull::get(ptr);
    if (llvm::Function *function =
            m.getFunction("_mlir_ciface_attn_schedule_" + info.name))
      buildTables = function;
    auto *init = llvm::ConstantStruct::get(
        descriptorTy,
        {bytes("attn_kernel_" + info.name, "attn.kernel." + info.name, true),
         int64(info.headDim), int64(info.tileQ), int64(info.tileK),
         int64(scheduleKindOf(info.schedule)),
         staticShapesConstant(ctx, info.signature),
         int64(elementKindOf(info.element)), int64(info.threads),
         int64(numImages), images, tables, int64(info.staticTables.size()),
         buildTables});
    auto *descriptor = new llvm::GlobalVariable(
        m, descriptorTy, true, llvm::GlobalValue::ExternalLinkage, init,
        "attn_cuda_descriptor_" + info.name);

    // int attn_<f>_cuda(q, k, v, out, B, H, Hkv, Nq, Nk, D, stream)
    auto *entryTy = llvm::FunctionType::get(
        i32, {ptr, ptr, ptr, ptr, i64, i64, i64, i64, i64, i64, ptr}, false);
    llvm::FunctionCallee run = m.getOrInsertFunction(
        "attn_run_cuda_kernel",
        llvm::FunctionType::get(
            i32, {ptr, ptr, ptr, ptr, ptr, i64, i64, i64, i64, i64, i64, ptr},
            false));
    auto *entry =
        llvm::Function::Create(entryTy, llvm::GlobalValue::ExternalLinkage,
                               "attn_" + info.name + "_cuda", m);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
    std::vector<llvm::Value *> args = {descriptor};
    for (llvm::Argument &a : entry->args())
      args.push_back(&a);
    b.CreateRet(b.CreateCall(run, args));
  }

  llvm::Module &m;
  llvm::LLVMContext &ctx;
  const CudaCompileResult &result;
  llvm::Type *i64, *i32;
  llvm::PointerType *ptr;
  int64_t numImages = 0;
};

} // namespace

std::unique_ptr<CudaCompileResult> mlir::attn::compileForCUDA(
    ModuleOp module, const AttnCUDAPipelineOptions &options, StringRef ptxas,
    StringRef hostCpu, std::string &error) {
  error = checkAttnCUDAPipelineOptions(options);
  if (!error.empty())
    return nullptr;
  if (failed(checkHasFunctions(module, error)))
    return nullptr;

  PassManager kernelPasses(module.getContext());
  buildAttnCUDAKernelPasses(kernelPasses, options);
  if (failed(runCollectingError(kernelPasses, module, error)))
    return nullptr;

  auto result = std::make_unique<CudaCompileResult>();
  // What is left: the kernels in gpu.module @attn_kernels and the host
  // schedule functions `@<f>.schedule` of their kernels.
  auto gpuModule = module.lookupSymbol<gpu::GPUModuleOp>("attn_kernels");
  auto notAKernel = [&](StringRef name) {
    error = ("@" + name +
             " is not an attention kernel (one attn.attention on its three "
             "arguments)")
                .str();
    return nullptr;
  };
  for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
    StringRef name = func.getSymName();
    if (!name.consume_back(".schedule") || !gpuModule ||
        !gpuModule.lookupSymbol(("attn_kernel_" + name).str()))
      return notAKernel(func.getSymName());
    SymbolTable::setSymbolName(func, ("attn_schedule_" + name).str());
  }
  if (!gpuModule) {
    error = "the file has no attention function";
    return nullptr;
  }
  for (auto kernel : gpuModule.getOps<gpu::GPUFuncOp>()) {
    std::optional<CudaKernelInfo> info = readCudaKernelInfo(kernel);
    if (!info)
      return notAKernel(kernel.getName());
    result->kernels.push_back(std::move(*info));
  }

  PassManager lowering(module.getContext());
  AttnCUDAPipelineOptions isa;
  isa.chips = options.chips;
  isa.ptxFeatures = options.ptxFeatures;
  isa.format = "isa";
  buildAttnCUDALoweringPasses(lowering, isa);
  if (failed(runCollectingError(lowering, module, error)))
    return nullptr;
  {
    llvm::raw_string_ostream os(result->nvvmMlir);
    module.print(os);
  }
  PassManager serialize(module.getContext());
  buildAttnCUDABinaryPasses(serialize, isa);
  if (failed(runCollectingError(serialize, module, error)))
    return nullptr;
  auto binary = module.lookupSymbol<gpu::BinaryOp>("attn_kernels");
  for (Attribute attr : binary.getObjects()) {
    auto object = cast<gpu::ObjectAttr>(attr);
    CudaImageCode image;
    image.chip = cast<NVVM::NVVMTargetAttr>(object.getTarget()).getChip().str();
    image.ptx = object.getObject().str();
    if (!ptxas.empty() && failed(assemble(ptxas, image, error)))
      return nullptr;
    result->images.push_back(std::move(image));
  }
  binary.erase();
  if (hostCpu.empty())
    return result;

  result->host = std::make_unique<AotResult>();
  if (failed(translateForHost(module, hostCpu, *result->host, error)))
    return nullptr;
  HostLibraryBuilder(*result->host->llvmModule, *result).build();
  if (failed(optimizeHostModule(*result->host, error)))
    return nullptr;
  return result;
}

FailureOr<GpuKernelFacts> mlir::attn::parsePtxasReport(StringRef report,
                                                       StringRef kernel,
                                                       std::string &error) {
  // ptxas info    : Function properties for <kernel>
  //     256 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
  // ptxas info    : Used 168 registers, used 1 barriers, ... 32768 bytes smem
  GpuKernelFacts facts;
  bool inKernel = false, found = false;
  auto numberBefore = [](StringRef line, StringRef unit, int64_t &value) {
    size_t at = line.find(unit);
    if (at == StringRef::npos)
      return;
    StringRef head = line.take_front(at).rtrim();
    StringRef digits = head.drop_front(head.find_last_not_of("0123456789") + 1);
    digits.getAsInteger(10, value);
  };
  for (StringRef line : llvm::split(report, '\n')) {
    if (line.contains("Function properties for ") ||
        line.contains("Compiling entry function "))
      inKernel = line.contains(("'" + kernel + "'").str()) ||
                 line.ends_with((" " + kernel).str());
    if (!inKernel)
      continue;
    numberBefore(line, " bytes stack frame", facts.stackBytes);
    numberBefore(line, " bytes spill stores", facts.spillStoreBytes);
    numberBefore(line, " bytes spill loads", facts.spillLoadBytes);
    if (line.contains("Used ")) {
      numberBefore(line, " registers", facts.registers);
      numberBefore(line, " bytes smem", facts.sharedBytes);
      found = true;
    }
  }
  if (!found) {
    error = ("ptxas reported nothing for '" + kernel + "'").str();
    return failure();
  }
  return facts;
}

FailureOr<GpuKernelFacts>
mlir::attn::kernelFactsOf(ModuleOp module,
                          const AttnCUDAPipelineOptions &options,
                          std::string &error) {
  std::string ptxas = findPtxas();
  if (ptxas.empty()) {
    error = "ptxas not found (set ATTN_PTXAS or CUDA_HOME)";
    return failure();
  }
  std::unique_ptr<CudaCompileResult> result =
      compileForCUDA(module, options, ptxas, "", error);
  if (!result)
    return failure();
  const CudaKernelInfo &kernel = result->kernels.front();
  FailureOr<GpuKernelFacts> facts = parsePtxasReport(
      result->images.front().ptxasReport, "attn_kernel_" + kernel.name, error);
  if (succeeded(facts))
    facts->threadsPerBlock = kernel.threads;
  return facts;
}
