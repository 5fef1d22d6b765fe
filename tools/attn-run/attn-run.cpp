//===- attn-run.cpp - run an attn function on .npy arrays -----------------===//
//
// attn-run FILE.mlir --entry F --input q=Q.npy --input k=K.npy
//         --input v=V.npy --output O.npy [--dump-mask M.npy] [--reference]
//         [--repeat K] [--num-threads N] [--tile-q N] [--tile-k N]
//         [--target cpu|cuda] [--gpu-arch sm_80,sm_90]
//
// JIT-compiles F through attn-cpu-pipeline (or, with --reference, evaluates
// it in float64) on float32 [B, H, N, D] arrays. With --target cuda it
// compiles F through attn-cuda-pipeline and runs it on the GPU (through the
// CUDA driver, opened at run time): the arrays are converted to F's element
// type (f32, f16 or bf16) and the output back to float32; --repeat times the
// launches with CUDA events. Every failure is one
// "attn-run: error: ..." line and exit code 1; the output is written only on
// success.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAll.h"
#include "attn/Reference/Reference.h"
#include "attn/Runtime/CudaDriver.h"
#include "attn/Runtime/ThreadPool.h"
#include "attn/Support/HalfFloat.h"
#include "attn/Support/Npy.h"
#include "attn/Target/CPU/JitKernel.h"
#include "attn/Target/CUDA/CudaJitKernel.h"
#include "attn/Tools/ToolSupport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <map>

using namespace mlir;
using namespace mlir::attn;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<file.mlir>"),
                                      cl::Required);
static cl::opt<std::string> entry("entry", cl::desc("Function to run"),
                                  cl::Required);
static cl::list<std::string>
    inputs("input", cl::desc("An input, name=file.npy (q, k and v)"));
static cl::opt<std::string> output("output", cl::desc("Output .npy file"),
                                   cl::Required);
static cl::opt<std::string>
    dumpMask("dump-mask", cl::desc("Write the boolean [Nq, Nk] mask used"));
static cl::opt<bool>
    useReference("reference",
                 cl::desc("Evaluate the float64 reference instead"));
static cl::opt<int> repeat("repeat", cl::desc("Time K runs of the kernel"),
                           cl::init(0));
static cl::opt<int> threads("num-threads",
                            cl::desc("Threads (0: one per hardware thread)"),
                            cl::init(0));
static cl::opt<int> tileQ("tile-q", cl::desc("Queries per tile (0: default)"),
                          cl::init(0));
static cl::opt<int> tileK("tile-k", cl::desc("Keys per tile"), cl::init(64));
static cl::opt<std::string> cpu("cpu", cl::desc("Target CPU"),
                                cl::init("host"));
static cl::opt<std::string>
    target("target", cl::desc("cpu, or cuda (an NVIDIA GPU)"), cl::init("cpu"));
static cl::list<std::string>
    gpuArch("gpu-arch",
            cl::desc("CUDA: architectures to compile for (default "
                     "sm_80,sm_90; the GPU's own is used, else PTX)"),
            cl::CommaSeparated);

[[noreturn]] static void fail(const std::string &message) {
  llvm::errs() << "attn-run: error: " << message << "\n";
  std::exit(1);
}

/// The pattern the function computes with (dense when it has none).
static MaskPatternAttrInterface patternOf(func::FuncOp func) {
  MaskPatternAttrInterface pattern;
  func.walk([&](Operation *op) {
    if (pattern)
      return;
    if (auto mask = dyn_cast<MaskOp>(op))
      pattern = mask.getPattern();
    else if (auto attention = dyn_cast<AttentionOp>(op))
      pattern = attention.getEffectivePattern();
  });
  return pattern ? pattern : DenseAttr::get(func.getContext());
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

/// --target cuda: compiles `entry`, runs it on the GPU, returns the output.
static std::vector<float> runOnCuda(ModuleOp module,
                                    const AttentionShape &shape,
                                    const ::attn::npy::Array &q,
                                    const ::attn::npy::Array &k,
                                    const ::attn::npy::Array &v) {
  namespace cuda = ::attn::cuda;
  AttnCUDAPipelineOptions options;
  if (tileQ > 0)
    options.tileQ = tileQ;
  options.tileK = tileK;
  if (!gpuArch.empty())
    options.chips = SmallVector<std::string>(gpuArch.begin(), gpuArch.end());
  std::string error;
  std::unique_ptr<CudaJitKernel> kernel =
      CudaJitKernel::compile(module, entry, options, error);
  if (!kernel)
    fail(error);
  std::string problem = ::attn::checkCallShape(kernel->getDescriptor(), shape);
  if (!problem.empty())
    fail(problem);
  check(cuda::ensureContext());

  // Element type conversions on the host.
  const std::string &element = kernel->info().element;
  bool half = element != "f32";
  auto kind =
      element == "bf16" ? ::attn::HalfKind::BF16 : ::attn::HalfKind::F16;
  size_t elementBytes = half ? 2 : 4;
  auto upload = [&](const std::vector<float> &data) {
    cuda::DeviceBuffer buffer = check(cuda::DeviceBuffer::allocate(
        std::max<size_t>(data.size() * elementBytes, 16)));
    if (half) {
      std::vector<uint16_t> bits = ::attn::toHalf(data, kind);
      check(cuda::copyToDevice(buffer.get(), bits.data(), bits.size() * 2));
    } else {
      check(cuda::copyToDevice(buffer.get(), data.data(), data.size() * 4));
    }
    return buffer;
  };
  cuda::DeviceBuffer qd = upload(q.data), kd = upload(k.data),
                     vd = upload(v.data);
  cuda::DeviceBuffer od = check(cuda::DeviceBuffer::allocate(
      std::max<size_t>(q.data.size() * elementBytes, 16)));
  auto once = [&] {
    check(kernel->launch(qd.data(), kd.data(), vd.data(), od.data(), shape));
  };
  once(); // also the warm-up of --repeat
  check(cuda::synchronize());
  if (repeat > 0) {
    std::vector<double> times;
    for (int r = 0; r < repeat; ++r) {
      cuda::EventTimer timer = check(cuda::EventTimer::create());
      check(timer.start());
      once();
      check(timer.stop());
      times.push_back(check(timer.elapsedMs()));
    }
    std::sort(times.begin(), times.end());
    llvm::errs() << llvm::format("attn-run: kernel median %.3f ms, min %.3f "
                                 "ms over %d runs; compile %.1f ms\n",
                                 times[times.size() / 2], times.front(),
                                 int(repeat), kernel->compileMillis());
  }
  std::vector<float> result(q.data.size());
  if (half) {
    std::vector<uint16_t> bits(q.data.size());
    check(cuda::copyToHost(bits.data(), od.get(), bits.size() * 2));
    result = ::attn::fromHalf(bits, kind);
  } else {
    check(cuda::copyToHost(result.data(), od.get(), result.size() * 4));
  }
  return result;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "attn-run: run an attn function\n");
  if (repeat < 0 || repeat > 100000)
    fail("--repeat must be in [0, 100000]");
  if (threads < 0 || threads > 1024)
    fail("--num-threads must be in [0, 1024]");
  if (target != "cpu" && target != "cuda")
    fail("--target must be cpu or cuda, got '" + target + "'");
  if (target != "cuda" && !gpuArch.empty())
    fail("--gpu-arch needs --target cuda");
  if (target == "cuda" && useReference)
    fail("--reference runs on the CPU; leave out --target cuda");

  // Inputs.
  std::map<std::string, ::attn::npy::Array> arrays;
  for (const std::string &spec : inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos)
      fail("--input must be name=file.npy, got '" + spec + "'");
    std::string name = spec.substr(0, eq);
    if (name != "q" && name != "k" && name != "v")
      fail("unknown input '" + name + "' (expected q, k and v)");
    if (arrays.count(name))
      fail("input '" + name + "' given twice");
    std::string error;
    if (!::attn::npy::readFloat32(spec.substr(eq + 1), arrays[name], error))
      fail(error);
    if (arrays[name].shape.size() != 4)
      fail("input '" + name + "' has rank " +
           std::to_string(arrays[name].shape.size()) +
           "; attn-run needs [B, H, N, D]");
  }
  for (const char *name : {"q", "k", "v"})
    if (!arrays.count(name))
      fail(std::string("missing --input ") + name + "=file.npy");
  const auto &q = arrays["q"], &k = arrays["k"], &v = arrays["v"];
  if (k.shape != v.shape)
    fail("k and v shapes differ");
  if (q.shape[0] != k.shape[0])
    fail("q and k batch sizes differ (" + std::to_string(q.shape[0]) + " vs " +
         std::to_string(k.shape[0]) + ")");
  if (q.shape[3] != k.shape[3])
    fail("q and k head dimensions differ (" + std::to_string(q.shape[3]) +
         " vs " + std::to_string(k.shape[3]) + ")");
  AttentionShape shape{q.shape[0], q.shape[1], k.shape[1],
                       q.shape[2], k.shape[2], q.shape[3]};

  // The IR.
  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext ctx(registry);
  std::string parseError;
  OwningOpRef<ModuleOp> module = parseModuleFile(ctx, inputFile, parseError);
  if (!module)
    fail(parseError);
  auto func = module->lookupSymbol<func::FuncOp>(entry);
  if (!func)
    fail("no function @" + entry + " in '" + inputFile + "'");
  MaskPatternAttrInterface pattern = patternOf(func);

  ::attn::npy::Array result;
  result.shape = q.shape;
  if (useReference) {
    auto toTensor = [](const ::attn::npy::Array &a) {
      reference::Tensor t({a.shape[0], a.shape[1], a.shape[2], a.shape[3]});
      t.data.assign(a.data.begin(), a.data.end());
      return t;
    };
    std::string error;
    FailureOr<reference::Tensor> out = reference::evaluate(
        func, {toTensor(q), toTensor(k), toTensor(v)}, error);
    if (failed(out))
      fail(error);
    result.shape.assign(out->shape.begin(), out->shape.end());
    result.data.assign(out->data.begin(), out->data.end());
  } else if (target == "cuda") {
    result.data = runOnCuda(*module, shape, q, k, v);
  } else {
    AttnCPUPipelineOptions options;
    options.tileQ = tileQ;
    options.tileK = tileK;
    options.cpu = cpu;
    std::string error;
    std::unique_ptr<JitKernel> kernel =
        JitKernel::compile(*module, entry, options, error);
    if (!kernel)
      fail(error);
    if (failed(kernel->checkShape(shape, error)))
      fail(error);
    ::attn::ThreadPool pool(threads);
    result.data.assign(q.data.size(), 0.0f);
    auto once = [&] {
      kernel->run(q.data.data(), k.data.data(), v.data.data(),
                  result.data.data(), shape, pool);
    };
    once(); // also the warm-up of --repeat
    if (repeat > 0) {
      RunTimes times = timeRuns(repeat, once);
      llvm::errs() << llvm::format("attn-run: kernel median %.3f ms, min "
                                   "%.3f ms over %d runs; compile %.1f ms\n",
                                   times.medianMs, times.minMs, int(repeat),
                                   kernel->compileMillis());
    }
  }

  // The mask first: the output is the last file written, so a failure
  // leaves no output behind.
  std::string error;
  if (!dumpMask.empty()) {
    if (shape.nq * shape.nk > (int64_t(1) << 31))
      fail("--dump-mask needs Nq * Nk <= 2^31");
    std::vector<uint8_t> bits(shape.nq * shape.nk);
    int64_t offset = shape.nk - shape.nq;
    for (int64_t i = 0; i < shape.nq; ++i)
      for (int64_t j = 0; j < shape.nk; ++j)
        bits[i * shape.nk + j] =
            pattern.contains(i + offset, j, shape.nq, shape.nk);
    if (!::attn::npy::writeBool(dumpMask, {shape.nq, shape.nk}, bits, error))
      fail(error);
  }
  if (!::attn::npy::writeFloat32(output, result, error))
    fail(error);
  return 0;
}
