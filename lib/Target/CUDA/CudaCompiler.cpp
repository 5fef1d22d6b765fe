//===- CudaCompiler.cpp - GPU kernels compiled ahead of time --------------===//

#include "attn/Target/CUDA/CudaCompiler.h"

#include "attn/Target/Header/KernelHeader.h"

#include "attn/Runtime/CudaKernel.h"
#include "attn/Runtime/KernelSymbols.h"

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
    ptr = llvm::PointerType::getUnqual(ctx);
  }

  void build() {
    llvm::GlobalVariable *images = emitImages();
    for (KernelAttr kernel : result.kernels)
      emitKernel(kernel, images);
  }

private:
  llvm::Constant *image(StringRef chip, const Twine &archName, bool isPtx,
                        StringRef data, const Twine &dataName) {
    RecordConstant record(ctx, RecordConstant::Record::CudaImage);
    record.set("arch", emitBytes(m, chip, archName, true))
        .set("isPtx", int64_t(isPtx))
        .set("data", emitBytes(m, data, dataName, /*terminate=*/isPtx))
        .set("size", int64_t(data.size()));
    return record.get();
  }

  /// Cubins of every chip (when assembled) and the PTX of the first chip:
  /// the driver compiles it for newer GPUs.
  llvm::GlobalVariable *emitImages() {
    std::vector<llvm::Constant *> entries;
    for (const CudaImageCode &code : result.images)
      if (!code.cubin.empty())
        entries.push_back(image(code.chip, "attn.arch." + code.chip, false,
                                code.cubin, "attn.cubin." + code.chip));
    const CudaImageCode &portable = result.images.front();
    entries.push_back(
        image(portable.chip, "attn.ptxarch", true, portable.ptx, "attn.ptx"));
    numImages = entries.size();
    auto *arrayTy = llvm::ArrayType::get(
        RecordConstant::typeOf(ctx, RecordConstant::Record::CudaImage),
        entries.size());
    return new llvm::GlobalVariable(
        m, arrayTy, true, llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantArray::get(arrayTy, entries), "attn.images");
  }

  void emitKernel(KernelAttr kernel, llvm::GlobalVariable *images) {
    std::string name = kernel.getName().str();
    llvm::Constant *tables = llvm::ConstantPointerNull::get(ptr);
    int64_t tableSize = 0;
    if (DenseI32ArrayAttr staticTables = kernel.getStaticTables()) {
      auto *init = llvm::ConstantDataArray::get(ctx, staticTables.asArrayRef());
      tables = new llvm::GlobalVariable(m, init->getType(), true,
                                        llvm::GlobalValue::PrivateLinkage, init,
                                        "attn.tables." + name);
      tableSize = staticTables.size();
    }
    llvm::Constant *buildTables = llvm::ConstantPointerNull::get(ptr);
    if (llvm::Function *function = m.getFunction(::attn::symbols::cInterface(
            ::attn::symbols::scheduleFunction(name))))
      buildTables = function;
    RecordConstant record(ctx, RecordConstant::Record::CudaKernel);
    // The descriptor's name is the kernel function's inside the images.
    setCommonFields(record, m, kernel, ::attn::symbols::kernel(name));
    record.set("threadsPerBlock", kernel.getThreads())
        .set("numImages", numImages)
        .set("images", images)
        .set("staticTables", tables)
        .set("staticTableSize", tableSize)
        .set("buildTables", buildTables);
    auto *descriptor = new llvm::GlobalVariable(
        m, RecordConstant::typeOf(ctx, RecordConstant::Record::CudaKernel),
        true, llvm::GlobalValue::ExternalLinkage, record.get(),
        ::attn::symbols::cudaDescriptor(name));
    emitCEntry(m, kernel, ::attn::symbols::cudaCEntry(name), descriptor,
               ::attn::symbols::kRunCudaKernel, {ptr});
  }

  llvm::Module &m;
  llvm::LLVMContext &ctx;
  const CudaCompileResult &result;
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
  auto gpuModule =
      module.lookupSymbol<gpu::GPUModuleOp>(::attn::symbols::kGpuModule);
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
        !gpuModule.lookupSymbol(::attn::symbols::kernel(name.str())))
      return notAKernel(func.getSymName());
    SymbolTable::setSymbolName(func,
                               ::attn::symbols::scheduleFunction(name.str()));
  }
  if (!gpuModule) {
    error = "the file has no attention function";
    return nullptr;
  }
  for (auto kernel : gpuModule.getOps<gpu::GPUFuncOp>()) {
    KernelAttr contract = getKernelContract(kernel);
    if (!contract)
      return notAKernel(kernel.getName());
    result->kernels.push_back(contract);
  }
  // PTX takes only identifier symbols, and the header's names must compile.
  if (failed(checkKernelNames(result->kernels, error)))
    return nullptr;

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
  auto binary = module.lookupSymbol<gpu::BinaryOp>(::attn::symbols::kGpuModule);
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
  KernelAttr kernel = result->kernels.front();
  FailureOr<GpuKernelFacts> facts =
      parsePtxasReport(result->images.front().ptxasReport,
                       ::attn::symbols::kernel(kernel.getName().str()), error);
  if (succeeded(facts))
    facts->threadsPerBlock = kernel.getThreads();
  return facts;
}
