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
#include "attn/Target/AllTargets.h"
#include "attn/Tools/ToolSupport.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::attn;
namespace cl = llvm::cl;

static cl::OptionCategory category("attn-compile options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<file.mlir>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string> outputBase("o", cl::desc("DIR/name of the outputs"),
                                       cl::Required, cl::cat(category));
static TargetFlags targetFlags(
    category, "mcpu",
    "CPU of the kernels (cpu) or of a GPU library's host code (cuda): host, "
    "x86-64-v2, x86-64-v3, x86-64-v4, sapphirerapids, ... (default: host for "
    "cpu, x86-64-v2 for cuda, so a GPU library runs on any x86-64 machine)",
    /*offersTargets=*/true);
static cl::opt<std::string>
    emit("emit",
         cl::desc("What to write beside the header: obj (the library), or "
                  "for study asm, llvm or mlir (cpu), ptx, cubin or mlir "
                  "(cuda)"),
         cl::init("obj"), cl::cat(category));

[[noreturn]] static void fail(const std::string &message) {
  llvm::errs() << "attn-compile: error: " << message << "\n";
  std::exit(1);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  reportFatalErrorsAs("attn-compile");
  registerAllTargets();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv, "attn-compile: attention kernels ahead of time\n");
  std::string error;
  const Target *target = targetFlags.resolve(error);
  if (!target)
    fail(error);
  ArrayRef<StringRef> kinds = target->getEmitKinds();
  if (!llvm::is_contained(kinds, emit))
    fail("--emit must be " + llvm::join(kinds.drop_back(), ", ") + " or " +
         kinds.back().str() + " for --target " + target->getName().str() +
         ", got '" + emit + "'");
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
  OwningOpRef<ModuleOp> module = parseModuleFile(ctx, inputFile, error);
  if (!module)
    fail(error);
  FailureOr<Library> library = target->compileLibrary(
      *module, name, llvm::sys::path::filename(inputFile), emit,
      targetFlags.options(), error);
  if (failed(library))
    fail(error);
  for (const std::string &warning : library->warnings)
    llvm::errs() << "attn-compile: warning: " << warning << "\n";
  // All outputs together at the end: all or none.
  std::vector<std::pair<std::string, std::string>> outputs;
  for (const LibraryFile &file : library->files)
    outputs.push_back({outputBase + "." + file.suffix, file.bytes});
  if (!::attn::writeFilesAtomically(outputs, error))
    fail(error);
  return 0;
}
