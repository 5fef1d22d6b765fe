//===- attn-compile.cpp - attention kernels ahead of time -----------------===//
//
// attn-compile FILE.mlir --target cpu -o DIR/name [--mcpu NAME]
//              [--emit obj|asm|llvm|mlir] [--tile-q N] [--tile-k N]
// attn-compile FILE.mlir --target cuda -o DIR/name [--gpu-arch sm_80,sm_90]
//              [--emit obj|ptx|cubin|mlir] [--mcpu NAME] [--tile-q N]
//              [--tile-k N]
//
// Writes DIR/name.h and, with --emit obj (the default), DIR/name.o and the
// static library DIR/name.a: one kernel per function of the file. CPU:
// through attn-cpu-pipeline, for the host CPU or the named one; --emit asm,
// llvm and mlir write DIR/name.s, .ll or .mlir instead of the object, for
// study. CUDA: through attn-cuda-pipeline to PTX per architecture, assembled
// by ptxas into cubins, embedded with the PTX of the first architecture in
// the library (host code for --mcpu); --emit ptx and cubin write
// DIR/name.<arch>.ptx / .cubin instead, --emit mlir the NVVM-level kernels.
// Errors are one "attn-compile: error: ..." line and exit code 1; nothing is
// left half-written.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAll.h"
#include "attn/Support/AtomicFile.h"
#include "attn/Target/CPU/AotCompiler.h"
#include "attn/Target/CUDA/CudaCompiler.h"
#include "attn/Target/Header/KernelHeader.h"
#include "attn/Tools/ToolSupport.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::attn;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<file.mlir>"),
                                      cl::Required);
static cl::opt<std::string> target("target", cl::desc("cpu or cuda"),
                                   cl::init("cpu"));
static cl::list<std::string>
    gpuArch("gpu-arch",
            cl::desc("CUDA: architectures, one image each (default "
                     "sm_80,sm_90)"),
            cl::CommaSeparated);
static cl::opt<std::string> outputBase("o", cl::desc("DIR/name of the outputs"),
                                       cl::Required);
static cl::opt<std::string> mcpu("mcpu",
                                 cl::desc("CPU: host, x86-64-v3, x86-64-v4, "
                                          "sapphirerapids, ..."),
                                 cl::init("host"));
static cl::opt<std::string> emit("emit",
                                 cl::desc("obj, asm, llvm or mlir; CUDA: obj, "
                                          "ptx, cubin or mlir"),
                                 cl::init("obj"));
static cl::opt<int> tileQ("tile-q", cl::desc("Queries per tile (0: default)"),
                          cl::init(0));
static cl::opt<int> tileK("tile-k", cl::desc("Keys per tile"), cl::init(64));

[[noreturn]] static void fail(const std::string &message) {
  llvm::errs() << "attn-compile: error: " << message << "\n";
  std::exit(1);
}

static void writeText(const std::string &path, const std::string &text) {
  std::string error;
  if (!::attn::writeFileAtomically(path, text, error))
    fail(error);
}

/// --target cuda: the library, or the PTX / cubins / NVVM for study.
static int compileCuda(ModuleOp module, const std::string &name) {
  AttnCUDAPipelineOptions options;
  if (tileQ > 0)
    options.tileQ = tileQ;
  options.tileK = tileK;
  if (!gpuArch.empty())
    options.chips = SmallVector<std::string>(gpuArch.begin(), gpuArch.end());
  std::string ptxas;
  if (emit == "obj" || emit == "cubin") {
    ptxas = findPtxas();
    if (ptxas.empty() && emit == "cubin")
      fail("ptxas not found (set ATTN_PTXAS or CUDA_HOME, or put it on "
           "PATH); --emit ptx needs none");
    if (ptxas.empty())
      llvm::errs() << "attn-compile: warning: ptxas not found (set ATTN_PTXAS "
                      "or CUDA_HOME); the library holds PTX only, which the "
                      "driver compiles when it loads\n";
  }
  std::string error;
  std::unique_ptr<CudaCompileResult> result = compileForCUDA(
      module, options, ptxas, emit == "obj" ? StringRef(mcpu) : "", error);
  if (!result)
    fail(error);

  std::string report;
  for (const CudaImageCode &image : result->images)
    report += image.ptxasReport;
  if (emit == "mlir") {
    writeText(outputBase + ".mlir", result->nvvmMlir);
  } else if (emit == "ptx") {
    for (const CudaImageCode &image : result->images)
      writeText(outputBase + "." + image.chip + ".ptx", image.ptx);
  } else if (emit == "cubin") {
    for (const CudaImageCode &image : result->images)
      writeText(outputBase + "." + image.chip + ".cubin", image.cubin);
  } else {
    std::string object = outputBase + ".o";
    if (failed(emitMachineCode(*result->host, object, false, error)) ||
        failed(writeStaticLibrary(outputBase + ".a", object, error)))
      fail(error);
  }
  writeText(outputBase + ".h",
            emitCudaKernelHeader(result->kernels, name,
                                 llvm::sys::path::filename(inputFile), report));
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv, "attn-compile: attention kernels ahead of time\n");
  if (target != "cpu" && target != "cuda")
    fail("unsupported --target '" + target + "' (cpu or cuda)");
  bool cuda = target == "cuda";
  if (!cuda && emit != "obj" && emit != "asm" && emit != "llvm" &&
      emit != "mlir")
    fail("--emit must be obj, asm, llvm or mlir, got '" + emit + "'");
  if (cuda && emit != "obj" && emit != "ptx" && emit != "cubin" &&
      emit != "mlir")
    fail("--emit must be obj, ptx, cubin or mlir for --target cuda, got '" +
         emit + "'");
  if (!cuda && !gpuArch.empty())
    fail("--gpu-arch needs --target cuda");
  std::string name = llvm::sys::path::filename(outputBase).str();
  if (name.empty() ||
      !llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; }))
    fail("the output name '" + name +
         "' must be letters, digits and underscores (it names the library)");
  std::string dir = llvm::sys::path::parent_path(outputBase).str();
  if (!dir.empty() && !llvm::sys::fs::is_directory(dir))
    fail("no directory '" + dir + "'");

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext ctx(registry);
  std::string error;
  OwningOpRef<ModuleOp> module = parseModuleFile(ctx, inputFile, error);
  if (!module)
    fail(error);
  if (cuda)
    return compileCuda(*module, name);
  AttnCPUPipelineOptions options;
  options.tileQ = tileQ;
  options.tileK = tileK;
  std::unique_ptr<AotResult> result =
      compileAheadOfTime(*module, mcpu, options, error);
  if (!result)
    fail(error);

  if (emit == "mlir") {
    writeText(outputBase + ".mlir", result->loweredMlir);
  } else if (emit == "llvm") {
    std::string text;
    llvm::raw_string_ostream os(text);
    result->llvmModule->print(os, nullptr);
    writeText(outputBase + ".ll", text);
  } else if (emit == "asm") {
    if (failed(emitMachineCode(*result, outputBase + ".s", true, error)))
      fail(error);
  } else {
    std::string object = outputBase + ".o";
    if (failed(emitMachineCode(*result, object, false, error)) ||
        failed(writeStaticLibrary(outputBase + ".a", object, error)))
      fail(error);
  }
  writeText(outputBase + ".h",
            emitKernelHeader(result->kernels, name,
                             llvm::sys::path::filename(inputFile)));
  return 0;
}
