//===- attn-run.cpp - run an attn function on .npy arrays -----------------===//
//
// attn-run FILE.mlir --entry F --input NAME=FILE.npy ... --output O.npy ...
//         [--dump-mask M.npy] [--reference] [--repeat K] [--num-threads N]
//         [--tile-q N] [--tile-k N] [--cpu CPU] [--target cpu|cuda]
//         [--gpu-arch sm_80,sm_90]
//
// JIT-compiles F through attn-cpu-pipeline (or, with --reference, evaluates
// it in float64) on float32 .npy arrays. `--input NAME=FILE` binds an
// argument by the name it has in the source (`%q` -> q) or by its 0-based
// position; the classic q, k and v name the three arguments of an attention
// function whatever the source calls them. `--output FILE` is given once per
// result, in result order (an attention with lse writes O, then lse). With
// --target cuda it compiles F through attn-cuda-pipeline and runs it on the
// GPU (through the CUDA driver, opened at run time): the arrays are
// converted to the tensors' element types (f32, f16 or bf16) and the
// results back to float32; --repeat times the launches with CUDA events.
// Every failure is one "attn-run: error: ..." line and exit code 1; the
// outputs are written only on success.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAll.h"
#include "attn/Reference/Reference.h"
#include "attn/Runtime/TensorView.h"
#include "attn/Support/CheckedMath.h"
#include "attn/Support/Npy.h"
#include "attn/Target/AllTargets.h"
#include "attn/Tools/ToolSupport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;
namespace cl = llvm::cl;
namespace npy = ::attn::npy;

static cl::OptionCategory category("attn-run options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<file.mlir>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string> entry("entry", cl::desc("Function to run"),
                                  cl::Required, cl::cat(category));
static cl::list<std::string> inputs(
    "input",
    cl::desc("An argument, NAME=file.npy: NAME as in the source (%q -> q) or "
             "the argument's 0-based position"),
    cl::cat(category));
static cl::list<std::string>
    outputs("output",
            cl::desc("A result's .npy file; once per result, in order"),
            cl::OneOrMore, cl::cat(category));
static cl::opt<std::string>
    dumpMask("dump-mask",
             cl::desc("Write the boolean [Nq, Nk] mask used (the union of a "
                      "merge's parts)"),
             cl::cat(category));
static cl::opt<bool>
    useReference("reference",
                 cl::desc("Evaluate the float64 reference instead"),
                 cl::cat(category));
static cl::opt<int> repeat("repeat", cl::desc("Time K runs of the kernel"),
                           cl::init(0), cl::cat(category));
static cl::opt<int> threads("num-threads",
                            cl::desc("Threads (0: one per hardware thread)"),
                            cl::init(0), cl::cat(category));
static TargetFlags targetFlags(category, "cpu",
                               "CPU of the kernels: host, or an LLVM CPU name "
                               "such as x86-64-v3 (default: host)",
                               /*offersTargets=*/true);

[[noreturn]] static void fail(const std::string &message) {
  llvm::errs() << "attn-run: error: " << message << "\n";
  std::exit(1);
}

/// The patterns the function computes with (dense when it has none); the
/// mask it uses keeps a pair any of them keeps (the parts of a merge).
static SmallVector<MaskPatternAttrInterface> patternsOf(func::FuncOp func) {
  SmallVector<MaskPatternAttrInterface> patterns;
  func.walk([&](Operation *op) {
    if (auto mask = dyn_cast<MaskOp>(op))
      patterns.push_back(mask.getPattern());
    else if (auto attention = dyn_cast<AttentionOp>(op))
      patterns.push_back(attention.getEffectivePattern());
  });
  if (patterns.empty())
    patterns.push_back(DenseAttr::get(func.getContext()));
  return patterns;
}

/// Exits with `status`'s message unless it is ok.
static void check(const absl::Status &status) {
  if (!status.ok())
    fail(std::string(status.message()));
}
template <typename T> static T check(absl::StatusOr<T> value) {
  check(value.status());
  return *std::move(value);
}

/// The function's arguments, read from the --input files in argument order.
static std::vector<npy::Array> bindInputs(func::FuncOp func) {
  std::vector<std::string> names = sourceArgumentNames(func, inputFile);
  unsigned count = func.getNumArguments();
  // The classic names of an attention function's three arguments.
  const char *classic[] = {"q", "k", "v"};
  auto describe = [&](unsigned i) {
    return names[i].empty() ? "#" + std::to_string(i) : "'" + names[i] + "'";
  };
  std::vector<npy::Array> arrays(count);
  std::vector<bool> bound(count, false);
  for (const std::string &spec : inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
      fail("--input must be name=file.npy, got '" + spec + "'");
    std::string name = spec.substr(0, eq);
    // A number is a position; else a source name; else a classic name.
    std::optional<unsigned> index;
    auto named = std::find(names.begin(), names.end(), name);
    unsigned position;
    bool isNumber = !llvm::StringRef(name).getAsInteger(10, position);
    if (isNumber && position < count)
      index = position;
    else if (!isNumber && named != names.end())
      index = unsigned(named - names.begin());
    else if (!isNumber && count == 3)
      for (unsigned i = 0; i < 3; ++i)
        if (name == classic[i])
          index = i;
    if (!index) {
      std::string known;
      for (unsigned i = 0; i < count; ++i)
        if (!names[i].empty())
          known += (known.empty() ? "" : ", ") + names[i];
      fail("unknown input '" + name + "' (@" + entry + " takes " +
           (count == 0 ? std::string("no arguments")
                       : (known.empty() ? std::string("positions 0 to ")
                                        : known + ", or positions 0 to ") +
                             std::to_string(count - 1)) +
           ")");
    }
    if (bound[*index])
      fail("input " + describe(*index) + " given twice");
    bound[*index] = true;
    std::string error;
    npy::Array &array = arrays[*index];
    if (!npy::readFloat32(spec.substr(eq + 1), array, error))
      fail(error);
    auto type = cast<RankedTensorType>(func.getArgumentTypes()[*index]);
    if (int64_t(array.shape.size()) != type.getRank()) {
      std::string typeText;
      llvm::raw_string_ostream(typeText) << type;
      fail("input " + describe(*index) + " has rank " +
           std::to_string(array.shape.size()) + "; @" + entry + " takes " +
           typeText);
    }
  }
  for (unsigned i = 0; i < count; ++i)
    if (!bound[i])
      fail("missing --input " +
           (names[i].empty() ? std::to_string(i) : names[i]) + "=file.npy");
  return arrays;
}

/// The call's sizes, from the arguments' shapes and the kernel's tensors.
static ::attn::CallShape shapeOf(const LoadedKernel &kernel,
                                 const std::vector<npy::Array> &arrays) {
  const ::attn::KernelTensor *tensors = kernel.getTensors();
  if (kernel.getContract().getArguments().size() != arrays.size())
    fail("the kernel of @" + entry + " takes " +
         std::to_string(kernel.getContract().getArguments().size()) +
         " arguments; the function " + std::to_string(arrays.size()));
  std::vector<::attn::ViewFacts> views;
  for (const npy::Array &array : arrays) {
    if (array.shape.size() > size_t(::attn::kMaxTensorRank))
      fail("inputs of rank " + std::to_string(array.shape.size()) +
           " are not supported (at most " +
           std::to_string(::attn::kMaxTensorRank) + ")");
    ::attn::TensorView view;
    view.rank = int(array.shape.size());
    std::copy(array.shape.begin(), array.shape.end(), view.shape.begin());
    views.emplace_back(view);
  }
  // Element types are converted by attn-run: check the shapes only.
  std::vector<::attn::KernelTensor> arguments(tensors, tensors + arrays.size());
  for (::attn::KernelTensor &t : arguments)
    t.element = ::attn::kElementF32;
  return check(::attn::checkViews(arguments, views));
}

/// The shape of `tensor` in a call of `shape`.
static std::vector<int64_t> resultShape(const ::attn::KernelTensor &tensor,
                                        const ::attn::CallShape &shape) {
  std::vector<int64_t> dims;
  for (int d = 0; d < tensor.rank; ++d)
    dims.push_back(::attn::extentOf(tensor, d, shape));
  return dims;
}

/// The kernel of `entry` for `target`, run on `args`.
static std::vector<npy::Array> runKernel(const Target &target, ModuleOp module,
                                         const std::vector<npy::Array> &args,
                                         ::attn::CallShape &shape) {
  std::string error;
  std::unique_ptr<LoadedKernel> kernel =
      target.load(module, entry, targetFlags.options(), error);
  if (!kernel)
    fail(error);
  const ::attn::KernelTensor *tensors = kernel->getTensors();
  shape = shapeOf(*kernel, args);
  if (std::string problem = kernel->checkShape(shape); !problem.empty())
    fail(problem);
  int64_t numResults = int64_t(kernel->getContract().getResults().size());
  std::vector<npy::Array> results(numResults);
  std::vector<const float *> argumentData;
  std::vector<float *> resultData;
  for (const npy::Array &array : args)
    argumentData.push_back(array.data.data());
  for (int64_t r = 0; r < numResults; ++r) {
    const ::attn::KernelTensor &t = tensors[args.size() + r];
    results[r].shape = resultShape(t, shape);
    results[r].data.assign(::attn::elementsOf(t, shape), 0.0f);
    resultData.push_back(results[r].data.data());
  }
  std::vector<double> times = check(
      kernel->runOnHost(argumentData, resultData, shape, threads, repeat));
  if (repeat > 0) {
    RunTimes summary = summarizeRuns(times);
    llvm::errs() << llvm::format("attn-run: kernel median %.3f ms, min %.3f "
                                 "ms over %d runs; compile %.1f ms\n",
                                 summary.medianMs, summary.minMs, int(repeat),
                                 kernel->compileMillis());
  }
  return results;
}

/// The float64 reference of `func` on `args`.
static std::vector<npy::Array> runReference(func::FuncOp func,
                                            const std::vector<npy::Array> &args,
                                            ::attn::CallShape &shape) {
  std::vector<reference::Tensor> tensors;
  for (const npy::Array &a : args) {
    if (a.shape.size() != 4)
      fail("the reference takes rank-4 arguments");
    reference::Tensor t({a.shape[0], a.shape[1], a.shape[2], a.shape[3]});
    t.data.assign(a.data.begin(), a.data.end());
    tensors.push_back(std::move(t));
  }
  std::string error;
  FailureOr<std::vector<reference::Tensor>> values =
      reference::evaluateAll(func, tensors, error);
  if (failed(values))
    fail(error);
  // The mask's sizes: the first argument's queries, the second's keys.
  shape = {0,
           0,
           0,
           args[0].shape[2],
           args.size() > 1 ? args[1].shape[2] : args[0].shape[2],
           0};
  std::vector<npy::Array> results;
  for (const reference::Tensor &value : *values) {
    npy::Array &result = results.emplace_back();
    result.shape.assign(value.shape.begin(), value.shape.begin() + value.rank);
    result.data.assign(value.data.begin(), value.data.end());
  }
  return results;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  reportFatalErrorsAs("attn-run");
  registerAllTargets();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "attn-run: run an attn function\n");
  if (repeat < 0 || repeat > 100000)
    fail("--repeat must be in [0, 100000]");
  if (threads < 0 || threads > 1024)
    fail("--num-threads must be in [0, 1024]");
  std::string error;
  const Target *target = targetFlags.resolve(error);
  if (!target)
    fail(error);
  if (target->getName() != "cpu" && useReference)
    fail("--reference runs on the CPU; leave out --target " +
         target->getName().str());

  // The IR.
  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext ctx(registry);
  std::string parseError;
  OwningOpRef<ModuleOp> module = parseModuleFile(ctx, inputFile, parseError);
  if (!module)
    fail(parseError);
  auto func = module->lookupSymbol<func::FuncOp>(entry);
  if (!func || func.isExternal())
    fail("no function @" + entry + " in '" + inputFile + "'");
  for (Type type : func.getFunctionType().getInputs())
    if (!isa<RankedTensorType>(type) ||
        !isa<FloatType>(cast<RankedTensorType>(type).getElementType()))
      fail("@" + entry +
           " takes an argument that is not a float tensor; "
           "attn-run reads float32 .npy files");
  if (outputs.size() != func.getNumResults())
    fail("@" + entry + " returns " + std::to_string(func.getNumResults()) +
         " results; give --output once per result (got " +
         std::to_string(outputs.size()) + ")");
  SmallVector<MaskPatternAttrInterface> patterns = patternsOf(func);
  std::vector<npy::Array> args = bindInputs(func);

  ::attn::CallShape shape{};
  std::vector<npy::Array> results =
      useReference ? runReference(func, args, shape)
                   : runKernel(*target, *module, args, shape);

  // The mask first, then the outputs: a failure removes those written.
  if (!dumpMask.empty()) {
    if (::attn::satMul(shape.nq, shape.nk) > (int64_t(1) << 31))
      fail("--dump-mask needs Nq * Nk <= 2^31");
    std::vector<uint8_t> bits(shape.nq * shape.nk);
    int64_t offset = shape.nk - shape.nq;
    for (int64_t i = 0; i < shape.nq; ++i)
      for (int64_t j = 0; j < shape.nk; ++j)
        bits[i * shape.nk + j] =
            llvm::any_of(patterns, [&](MaskPatternAttrInterface pattern) {
              return pattern.contains(i + offset, j, shape.nq, shape.nk);
            });
    if (!npy::writeBool(dumpMask, {shape.nq, shape.nk}, bits, error))
      fail(error);
  }
  for (size_t r = 0; r < results.size(); ++r)
    if (!npy::writeFloat32(outputs[r], results[r], error)) {
      for (size_t w = 0; w < r; ++w)
        llvm::sys::fs::remove(outputs[w]);
      if (!dumpMask.empty())
        llvm::sys::fs::remove(dumpMask);
      fail(error);
    }
  return 0;
}
