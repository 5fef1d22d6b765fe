//===- attn-sweep.cpp - predicted cost beside measured time ---------------===//
//
// attn-sweep FILES... --seq 512,1024,... [--batch B] [--heads H]
//   [--repeat K] [--csv F] [--json F] [--report DIR] [--machine FILE]
//   [--tile-q N] [--tile-k N] [--cpu NAME] [--check-max N] [--num-threads N]
//
// For every function of every file (each an attention variant) and every N:
// compile once per variant through attn-cpu-pipeline, check the output
// against the float64 reference while N <= --check-max, time a warm-up plus
// the median of --repeat runs, and put the cost model's prediction beside it.
// Machine peaks come from a built-in calibration (about a second), cached in
// ~/.cache/attn/, or from --machine FILE (JSON {"gflops": .., "bandwidth_gbs":
// ..}).
//
//===----------------------------------------------------------------------===//

#include "attn/Sweep/SweepReport.h"

#include "attn/Analysis/BlockSchedule.h"
#include "attn/Analysis/CostModel.h"
#include "attn/InitAll.h"
#include "attn/Reference/Reference.h"
#include "attn/Runtime/ThreadPool.h"
#include "attn/Support/AtomicFile.h"
#include "attn/Sweep/Calibration.h"
#include "attn/Target/CPU/CpuTarget.h"
#include "attn/Target/CPU/JitKernel.h"
#include "attn/Tools/ToolSupport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <thread>
#include <unistd.h>

using namespace mlir;
using namespace mlir::attn;
namespace cl = llvm::cl;
namespace sweep = ::attn::sweep;

static cl::OptionCategory category("attn-sweep options");
static cl::list<std::string> files(cl::Positional, cl::desc("<file.mlir>..."),
                                   cl::OneOrMore, cl::cat(category));
static cl::list<int64_t> seqLens("seq", cl::desc("Sequence lengths"),
                                 cl::CommaSeparated, cl::OneOrMore,
                                 cl::cat(category));
static cl::opt<int64_t> batch("batch", cl::desc("Batch size"), cl::init(1),
                              cl::cat(category));
static cl::opt<int64_t> heads("heads",
                              cl::desc("Heads where the IR leaves them open"),
                              cl::init(4), cl::cat(category));
static cl::opt<int> repeat("repeat", cl::desc("Timed runs per point"),
                           cl::init(5), cl::cat(category));
static cl::opt<std::string> csvFile("csv", cl::desc("Write the rows as CSV"),
                                    cl::cat(category));
static cl::opt<std::string> jsonFile("json", cl::desc("Write the rows as JSON"),
                                     cl::cat(category));
static cl::opt<std::string>
    reportDir("report", cl::desc("Write DIR/index.html"), cl::cat(category));
static cl::opt<std::string>
    machineFile("machine",
                cl::desc("Machine peaks (JSON) instead of the "
                         "calibration"),
                cl::cat(category));
static TargetFlags targetFlags(category, "cpu",
                               "CPU of the kernels: host, or an LLVM CPU name "
                               "such as x86-64-v3 (default: host)",
                               /*offersTargets=*/false);
static cl::opt<int64_t>
    checkMax("check-max", cl::desc("Check against the reference up to this N"),
             cl::init(512), cl::cat(category));
static cl::opt<int> threads("num-threads",
                            cl::desc("Threads (0: one per hardware thread)"),
                            cl::init(0), cl::cat(category));

[[noreturn]] static void fail(const std::string &message) {
  llvm::errs() << "attn-sweep: error: " << message << "\n";
  std::exit(1);
}

//===----------------------------------------------------------------------===//
// Machine peaks
//===----------------------------------------------------------------------===//

static std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0)
      return line.substr(line.find(':') + 2);
  return "unknown cpu";
}

static bool readPeaks(const std::string &path, sweep::Peaks &peaks,
                      std::string &identity) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return false;
  llvm::Expected<llvm::json::Value> value =
      llvm::json::parse((*buffer)->getBuffer());
  if (!value) {
    llvm::consumeError(value.takeError());
    return false;
  }
  const llvm::json::Object *object = value->getAsObject();
  if (!object)
    return false;
  std::optional<double> gflops = object->getNumber("gflops");
  std::optional<double> bandwidth = object->getNumber("bandwidth_gbs");
  if (!gflops || !bandwidth || !(*gflops > 0) || !(*bandwidth > 0))
    return false;
  peaks.gflops = *gflops;
  peaks.bandwidthGBs = *bandwidth;
  if (std::optional<llvm::StringRef> id = object->getString("machine"))
    identity = id->str();
  return true;
}

static sweep::Peaks machinePeaks() {
  sweep::Peaks peaks;
  std::string identity;
  if (!machineFile.empty()) {
    if (!readPeaks(machineFile, peaks, identity))
      fail("cannot read machine peaks from '" + machineFile +
           "' (expected JSON {\"gflops\": X, \"bandwidth_gbs\": Y})");
    peaks.source = "from " + machineFile;
    return peaks;
  }
  std::string machine = cpuModel() + ", " +
                        std::to_string(std::thread::hardware_concurrency()) +
                        " threads";
  const char *home = std::getenv("HOME");
  std::string dir = std::string(home ? home : "/tmp") + "/.cache/attn";
  std::string cache = dir + "/machine.json";
  if (readPeaks(cache, peaks, identity) && identity == machine) {
    peaks.source = "calibrated, cached in " + cache;
    return peaks;
  }
  // The best of three short runs: the machines are shared.
  peaks.gflops = 0;
  for (int i = 0; i < 3; ++i)
    peaks.gflops = std::max(peaks.gflops, ::attn::measureFmaPeak(0, 0.2));
  peaks.bandwidthGBs = ::attn::measureBandwidth(0, int64_t(64) << 20, 4);
  peaks.source = "calibrated now";
  if (!llvm::sys::fs::create_directories(dir)) {
    llvm::json::Object object{{"machine", machine},
                              {"gflops", peaks.gflops},
                              {"bandwidth_gbs", peaks.bandwidthGBs}};
    std::string text;
    llvm::raw_string_ostream os(text);
    os << llvm::json::Value(std::move(object));
    std::string error; // an unwritable cache only costs a recalibration
    if (::attn::writeFileAtomically(cache, text + "\n", error))
      peaks.source += ", cached in " + cache;
  }
  return peaks;
}

//===----------------------------------------------------------------------===//
// Measuring one variant
//===----------------------------------------------------------------------===//

namespace {
/// A variant: one function of one file.
struct Variant {
  std::string file, name;
};

/// The static size of dim `d` of argument `arg`, or `fallback`.
int64_t staticOr(func::FuncOp func, unsigned arg, unsigned d,
                 int64_t fallback) {
  auto type = llvm::dyn_cast<RankedTensorType>(func.getArgument(arg).getType());
  if (!type || type.getRank() != 4 || type.isDynamicDim(d))
    return fallback;
  return type.getDimSize(d);
}

class Progress {
public:
  explicit Progress(int64_t total)
      : total(total), start(std::chrono::steady_clock::now()),
        enabled(isatty(2)) {}
  void step(const std::string &variant, int64_t n) {
    ++done;
    if (!enabled)
      return;
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    double left = done ? elapsed / done * (total - done) : 0;
    llvm::errs() << llvm::format(
        "\r\033[K[attn-sweep] %s N = %lld (%lld/%lld), %.1f s, about %.0f s "
        "left",
        variant.c_str(), (long long)n, (long long)done, (long long)total,
        elapsed, left);
  }
  ~Progress() {
    if (enabled && done)
      llvm::errs() << "\r\033[K";
  }

private:
  int64_t total, done = 0;
  std::chrono::steady_clock::time_point start;
  bool enabled;
};
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  reportFatalErrorsAs("attn-sweep");
  registerCPUTarget();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "attn-sweep: predicted vs measured cost\n");
  {
    std::string error;
    if (!targetFlags.resolve(error))
      fail(error);
  }
  for (int64_t n : seqLens)
    if (n < 1 || n > (int64_t(1) << 20))
      fail("--seq values must be in [1, 2^20], got " + std::to_string(n));
  if (batch < 1 || batch > 4096 || heads < 1 || heads > 4096)
    fail("--batch and --heads must be in [1, 4096]");
  if (repeat < 1 || repeat > 10000)
    fail("--repeat must be in [1, 10000]");
  if (threads < 0 || threads > 1024)
    fail("--num-threads must be in [0, 1024]");

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  auto parse = [&](const std::string &file) {
    std::string error;
    OwningOpRef<ModuleOp> module = parseModuleFile(ctx, file, error);
    if (!module)
      fail(error);
    return module;
  };

  // Variants: every function of every file.
  std::vector<Variant> variants;
  for (const std::string &file : files) {
    OwningOpRef<ModuleOp> module = parse(file);
    int64_t before = variants.size();
    for (auto func : module->getOps<func::FuncOp>())
      if (!func.isExternal())
        variants.push_back({file, func.getSymName().str()});
    if (int64_t(variants.size()) == before)
      fail("no function in '" + file + "'");
  }

  sweep::Peaks peaks = machinePeaks();
  ::attn::ThreadPool pool(threads);
  MachinePeaks modelPeaks{peaks.gflops, peaks.bandwidthGBs};
  std::vector<sweep::Row> rows;
  std::vector<sweep::Layout> layouts;
  Progress progress(int64_t(variants.size()) * int64_t(seqLens.size()));
  std::mt19937 rng(2026);

  for (const Variant &variant : variants) {
    OwningOpRef<ModuleOp> source = parse(variant.file);
    auto func = source->lookupSymbol<func::FuncOp>(variant.name);
    OwningOpRef<ModuleOp> module = parse(variant.file);
    TargetOptions flags = targetFlags.options();
    AttnCPUPipelineOptions options;
    options.tileQ = flags.tileQ;
    options.tileK = flags.tileK;
    options.cpu = flags.cpu.empty() ? "host" : flags.cpu;
    options.reorder = flags.reorder;
    std::string error;
    std::unique_ptr<JitKernel> kernel =
        JitKernel::compile(*module, variant.name, options, error);
    if (!kernel)
      fail("@" + variant.name + " in '" + variant.file + "': " + error);
    KernelAttr info = kernel->info();
    int64_t kernelTileQ = info.getTileQ(), kernelTileK = info.getTileK();
    int64_t headDim = headDimOf(info);
    // The kernel's parts: one, or the stages of a merge (attn-reorder's
    // split of a pattern).
    SmallVector<KernelPartAttr> parts;
    if (ArrayAttr list = info.getParts())
      for (Attribute part : list)
        parts.push_back(cast<KernelPartAttr>(part));
    else
      parts.push_back(
          KernelPartAttr::get(&ctx, info.getPattern(), info.getOrder()));

    int64_t b = staticOr(func, 0, 0, batch);
    int64_t h = staticOr(func, 0, 1, heads);
    int64_t hkv = staticOr(func, 1, 1, h);
    int64_t fixedN = staticOr(func, 1, 2, -1);
    // The layout thumbnail at a small N (the static one if there is one).
    {
      int64_t n = fixedN > 0 ? fixedN : 512;
      sweep::Layout layout{variant.name, n, kernelTileQ, kernelTileK, {}};
      // Under a token order, the blocks of the permuted sequences; the
      // stages of parts drawn over each other (full over partial).
      for (int64_t qb = 0; qb * kernelTileQ < n; ++qb) {
        std::string line((n + kernelTileK - 1) / kernelTileK, '.');
        for (KernelPartAttr part : parts) {
          TokenOrderAttrInterface order = part.getOrder();
          bool banded = !order && hasBandedSchedule(part.getPattern());
          VisitedBlocks v =
              scheduleQueryBlock(part.getPattern(), banded, n, n, kernelTileQ,
                                 kernelTileK, qb, order);
          for (int64_t kb : v.partial)
            if (line[kb] == '.')
              line[kb] = 'P';
          for (int64_t kb : v.full)
            line[kb] = 'F';
        }
        layout.rows.push_back(line);
      }
      layouts.push_back(layout);
    }

    for (int64_t n : seqLens) {
      progress.step(variant.name, n);
      if (fixedN > 0 && n != fixedN)
        continue;
      AttentionShape shape{b, h, hkv, n, n, headDim};
      if (failed(kernel->checkShape(shape, error)))
        fail("@" + variant.name + ": " + error);
      // A pattern that cannot take this N (a global token past it) is one
      // error naming the variant and N, before anything runs at it
      // (regression: an unprefixed message, the row dropped, exit 0).
      std::string extentError;
      {
        ScopedDiagnosticHandler capture(&ctx, [&](Diagnostic &diag) {
          extentError = diag.str();
          return success();
        });
        for (KernelPartAttr part : parts)
          if (failed(part.getPattern().verifyExtent(
                  [&] { return emitError(UnknownLoc::get(&ctx)); }, n, n)))
            break;
      }
      if (!extentError.empty())
        fail("@" + variant.name + " cannot run at N = " + std::to_string(n) +
             ": " + extentError + " (leave that N out of --seq)");
      int64_t qSize = b * h * n * headDim;
      int64_t kvSize = b * hkv * n * headDim;
      std::vector<float> q(qSize), k(kvSize), v(kvSize), out(qSize);
      std::uniform_real_distribution<float> dist(-1, 1);
      for (auto *buffer : {&q, &k, &v})
        for (float &x : *buffer)
          x = dist(rng);
      // Every result gets a buffer (an lse beside the output); the output is
      // the one checked.
      const ::attn::KernelDescriptor &d = kernel->getDescriptor();
      std::vector<std::vector<float>> extra;
      std::vector<void *> results = {out.data()};
      for (int64_t r = 1; r < d.numResults; ++r) {
        extra.emplace_back(
            ::attn::elementsOf(d.tensors[d.numArguments + r], shape));
        results.push_back(extra.back().data());
      }
      auto runOnce = [&] {
        absl::Status status =
            kernel->run({q.data(), k.data(), v.data()}, results, shape, pool);
        if (!status.ok())
          fail("@" + variant.name + ": " + std::string(status.message()));
      };
      runOnce();

      sweep::Row row;
      row.relError = std::nullopt;
      if (n <= checkMax) {
        auto tensor = [&](const std::vector<float> &data, int64_t heads) {
          reference::Tensor t({b, heads, n, headDim});
          t.data.assign(data.begin(), data.end());
          return t;
        };
        FailureOr<std::vector<reference::Tensor>> expected =
            reference::evaluateAll(
                func, {tensor(q, h), tensor(k, hkv), tensor(v, hkv)}, error);
        if (failed(expected))
          fail("@" + variant.name + ": " + error);
        row.relError =
            reference::relativeError(tensor(out, h), expected->front());
      }
      RunTimes times = timeRuns(repeat, runOnce);

      AttentionSizes sizes{b, h, hkv, n, n, headDim, 4};
      // Each part's order comes with the part.
      KernelConfig config{kernelTileQ, kernelTileK, pool.numThreads(),
                          ::attn::cacheBytesPerCore()};
      // One part costs what costOfFused says; more add their stages.
      Cost cost = costOfParts(parts, sizes, config);
      row.variant = variant.name;
      row.batch = b;
      row.heads = h;
      row.seqQ = row.seqK = n;
      row.headDim = headDim;
      row.pairsUseful = cost.pairsUseful;
      row.pairsExecuted = cost.pairsExecuted;
      row.gflopUseful = cost.flopsUseful / 1e9;
      row.gflopExecuted = cost.flopsExecuted / 1e9;
      row.bytes = cost.bytes;
      row.peakExtraBytes = cost.peakExtraBytes;
      row.predictedMs = cost.rooflineSeconds(modelPeaks) * 1e3;
      row.measuredMs = times.medianMs;
      row.minMs = times.minMs;
      row.gflopsAchieved = row.gflopUseful / (row.measuredMs / 1e3);
      row.rooflinePct = 100.0 * row.predictedMs / row.measuredMs;
      row.materializedPeakBytes =
          costOfMaterialized(parts[0].getPattern(), sizes, true).peakExtraBytes;
      rows.push_back(row);
    }
  }

  llvm::outs() << sweep::formatTable(rows, peaks);
  auto write = [&](const std::string &path, const std::string &text) {
    std::string error;
    if (!::attn::writeFileAtomically(path, text, error))
      fail(error);
  };
  if (!csvFile.empty())
    write(csvFile, sweep::formatCsv(rows));
  if (!jsonFile.empty())
    write(jsonFile, sweep::formatJson(rows, peaks));
  if (!reportDir.empty()) {
    if (llvm::sys::fs::create_directories(reportDir))
      fail("cannot create '" + reportDir + "'");
    write(reportDir + "/index.html", sweep::formatHtml(rows, peaks, layouts));
    write(reportDir + "/time.svg", sweep::formatTimePlotSvg(rows));
    llvm::outs() << "# report: " << reportDir << "/index.html\n";
  }
  return 0;
}
