//===- ToolSupport.cpp - what attn's command-line tools share -------------===//

#include "attn/Tools/ToolSupport.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <vector>

using namespace mlir;

OwningOpRef<ModuleOp> mlir::attn::parseModuleFile(MLIRContext &ctx,
                                                  StringRef path,
                                                  std::string &error) {
  std::string first;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    if (first.empty()) {
      llvm::raw_string_ostream os(first);
      os << diag.getLocation() << ": " << diag;
    }
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(path, &ctx);
  if (!module)
    error = first.empty() ? "cannot parse '" + path.str() + "'" : first;
  return module;
}

std::vector<std::string> mlir::attn::sourceArgumentNames(func::FuncOp func,
                                                         StringRef sourcePath) {
  std::vector<std::string> names;
  std::map<std::string, std::vector<std::string>> files;
  for (BlockArgument arg : func.getArguments()) {
    names.emplace_back();
    auto loc = dyn_cast<FileLineColLoc>(arg.getLoc());
    if (!loc)
      continue;
    std::string path = loc.getFilename().str();
    if (path != sourcePath)
      continue;
    auto [it, isNew] = files.try_emplace(path);
    if (isNew)
      if (auto buffer = llvm::MemoryBuffer::getFile(path))
        for (StringRef line : llvm::split((*buffer)->getBuffer(), '\n'))
          it->second.push_back(line.str());
    const std::vector<std::string> &lines = it->second;
    if (loc.getLine() < 1 || loc.getLine() > lines.size())
      continue;
    StringRef line = lines[loc.getLine() - 1];
    if (loc.getColumn() < 1 || loc.getColumn() > line.size())
      continue;
    StringRef token = line.drop_front(loc.getColumn() - 1);
    if (!token.consume_front("%"))
      continue;
    names.back() = token
                       .take_while([](char c) {
                         return llvm::isAlnum(c) || c == '_' || c == '$' ||
                                c == '.' || c == '-';
                       })
                       .str();
  }
  return names;
}

using namespace mlir::attn;
namespace cl = llvm::cl;

TargetFlags::TargetFlags(cl::OptionCategory &category, const char *cpuFlag,
                         const char *cpuHelp, bool offersTargets)
    : offersTargets(offersTargets),
      target("target",
             cl::desc("Where the kernels run: cpu, or cuda (NVIDIA GPUs)"),
             cl::init("cpu"), cl::cat(category),
             offersTargets ? cl::NotHidden : cl::ReallyHidden),
      gpuArch("gpu-arch",
              cl::desc("CUDA: GPU architectures, one code image each "
                       "(default sm_80,sm_90)"),
              cl::CommaSeparated, cl::cat(category),
              offersTargets ? cl::NotHidden : cl::ReallyHidden),
      tileQ("tile-q", cl::desc("Queries per tile (0: the target's default)"),
            cl::init(0), cl::cat(category)),
      tileK("tile-k", cl::desc("Keys per tile"), cl::init(64),
            cl::cat(category)),
      cpu(llvm::StringRef(cpuFlag), cl::desc(cpuHelp), cl::init(""),
          cl::cat(category)),
      reorder("reorder",
              cl::desc("Token orders that make scattered patterns "
                       "block-dense: auto (the cost model decides), force "
                       "or off"),
              cl::init("auto"), cl::cat(category)) {}

TargetOptions TargetFlags::options() const {
  TargetOptions options;
  options.tileQ = tileQ;
  options.tileK = tileK;
  options.cpu = cpu;
  options.gpuArchs.assign(gpuArch.begin(), gpuArch.end());
  options.reorder = reorder;
  return options;
}

const Target *TargetFlags::resolve(std::string &error) const {
  if (!offersTargets && (target.getNumOccurrences() || !gpuArch.empty())) {
    error = "this tool compiles for the cpu target only";
    return nullptr;
  }
  if (tileQ < 0 || tileQ > 4096 || tileK < 1 || tileK > 4096) {
    error = "--tile-q must be in [0, 4096] and --tile-k in [1, 4096]";
    return nullptr;
  }
  if (reorder != "auto" && reorder != "force" && reorder != "off") {
    error = "--reorder must be auto, force or off, got '" + reorder + "'";
    return nullptr;
  }
  const Target *chosen = findTarget(target, error);
  if (!chosen)
    return nullptr;
  error = chosen->checkOptions(options());
  return error.empty() ? chosen : nullptr;
}

void mlir::attn::hideRegisteredFlags() {
  for (auto &entry : cl::getRegisteredOptions()) {
    StringRef name = entry.first;
    if (name.starts_with("help") || name == "version")
      continue;
    entry.second->setHiddenFlag(cl::Hidden);
  }
}

mlir::attn::RunTimes mlir::attn::timeRuns(int repeat,
                                          llvm::function_ref<void()> run) {
  std::vector<double> times;
  for (int i = 0; i < repeat; ++i) {
    auto start = std::chrono::steady_clock::now();
    run();
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  return summarizeRuns(std::move(times));
}

mlir::attn::RunTimes mlir::attn::summarizeRuns(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  size_t mid = times.size() / 2;
  double median =
      times.size() % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return {median, times.front()};
}

void mlir::attn::reportFatalErrorsAs(const char *tool) {
  static const char *name = tool;
  llvm::install_fatal_error_handler(
      [](void *, const char *reason, bool) {
        // Exit here: returning would let LLVM abort with a crash dump.
        llvm::errs() << name << ": error: internal error: " << reason
                     << " (please report it with the input)\n";
        llvm::sys::RunInterruptHandlers(); // removes files marked for removal
        std::_Exit(1);
      },
      nullptr);
}
