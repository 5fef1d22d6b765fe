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
// the library (host code for --mcpu, default x86-64-v2); --emit ptx and
// cubin write DIR/name.<arch>.ptx / .cubin instead, --emit mlir the
// NVVM-level kernels.
// Errors are one "attn-compile: error: ..." line and exit code 1; the outputs
// are written together at the end, all or none.
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
static cl::opt<std::string>
    mcpu("mcpu",
         cl::desc("CPU of the kernels (cpu) or of a GPU library's host code "
                  "(cuda): host, x86-64-v2, x86-64-v3, x86-64-v4, "
                  "sapphirerapids, ... (default: host for cpu, x86-64-v2 "
                  "for cuda, so a GPU library runs on any x86-64 machine)"),
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

/// The files to write, (path, bytes): all at the end, all or none.
using Outputs = std::vector<std::pair<std::string, std::string>>;

static void writeOutputs(const Outputs &outputs) {
  std::string error;
  if (!::attn::writeFilesAtomically(outputs, error))
    fail(error);
}

/// The object file and static library of `result` as outputs.
static void addLibrary(Outputs &outputs, AotResult &result,
                       const std::string &name) {
  std::string error;
  FailureOr<std::string> object = emitMachineCode(result, false, error);
  if (failed(object))
    fail(error);
  FailureOr<std::string> library =
      makeStaticLibrary(name + ".o", *object, error);
  if (failed(library))
    fail(error);
  outputs.push_back({outputBase + ".o", *object});
  outputs.push_back({outputBase + ".a", *library});
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
  // The host code (schedule functions) is portable unless --mcpu says.
  std::string hostCpu =
      mcpu.getNumOccurrences() ? std::string(mcpu) : "x86-64-v2";
  if (failed(vectorWidthForCPU(hostCpu)))
    fail("unknown cpu '" + hostCpu + "'");
  std::unique_ptr<CudaCompileResult> result = compileForCUDA(
      module, options, ptxas, emit == "obj" ? StringRef(hostCpu) : "", error);
  if (!result)
    fail(error);

  std::string report;
  for (const CudaImageCode &image : result->images)
    report += image.ptxasReport;
  Outputs outputs;
  if (emit == "mlir") {
    outputs.push_back({outputBase + ".mlir", result->nvvmMlir});
  } else if (emit == "ptx") {
    for (const CudaImageCode &image : result->images)
      outputs.push_back({outputBase + "." + image.chip + ".ptx", image.ptx});
  } else if (emit == "cubin") {
    for (const CudaImageCode &image : result->images)
      outputs.push_back(
          {outputBase + "." + image.chip + ".cubin", image.cubin});
  } else {
    addLibrary(outputs, *result->host, name);
  }
  outputs.push_back(
      {outputBase + ".h",
       emitCudaKernelHeader(result->kernels, name,
                            llvm::sys::path::filename(inputFile), report)});
  writeOutputs(outputs);
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

  Outputs outputs;
  if (emit == "mlir") {
    outputs.push_back({outputBase + ".mlir", result->loweredMlir});
  } else if (emit == "llvm") {
    std::string text;
    llvm::raw_string_ostream os(text);
    result->llvmModule->print(os, nullptr);
    outputs.push_back({outputBase + ".ll", text});
  } else if (emit == "asm") {
    FailureOr<std::string> assembly = emitMachineCode(*result, true, error);
    if (failed(assembly))
      fail(error);
    outputs.push_back({outputBase + ".s", *assembly});
  } else {
    addLibrary(outputs, *result, name);
  }
  outputs.push_back({outputBase + ".h",
                     emitKernelHeader(result->kernels, name,
                                      llvm::sys::path::filename(inputFile))});
  writeOutputs(outputs);
  return 0;
}
