//===- attn-compile.cpp - attention kernels ahead of time -----------------===//
//
// attn-compile FILE.mlir --target cpu -o DIR/name [--mcpu NAME]
//              [--emit obj|asm|llvm|mlir] [--tile-q N] [--tile-k N]
//
// Writes DIR/name.h and, with --emit obj (the default), DIR/name.o and the
// static library DIR/name.a: one kernel per function of the file, through
// attn-cpu-pipeline, for the host CPU or the named one. --emit asm, llvm and
// mlir write DIR/name.s, .ll or .mlir instead of the object, for study.
// Errors are one "attn-compile: error: ..." line and exit code 1; nothing is
// left half-written.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAll.h"
#include "attn/Support/AtomicFile.h"
#include "attn/Target/CPU/AotCompiler.h"
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
static cl::opt<std::string> target("target", cl::desc("cpu (cuda: later)"),
                                   cl::init("cpu"));
static cl::opt<std::string> outputBase("o", cl::desc("DIR/name of the outputs"),
                                       cl::Required);
static cl::opt<std::string> mcpu("mcpu",
                                 cl::desc("CPU: host, x86-64-v3, x86-64-v4, "
                                          "sapphirerapids, ..."),
                                 cl::init("host"));
static cl::opt<std::string> emit("emit", cl::desc("obj, asm, llvm or mlir"),
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

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv, "attn-compile: attention kernels ahead of time\n");
  if (target != "cpu")
    fail("unsupported --target '" + target + "' (only cpu for now)");
  if (emit != "obj" && emit != "asm" && emit != "llvm" && emit != "mlir")
    fail("--emit must be obj, asm, llvm or mlir, got '" + emit + "'");
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
