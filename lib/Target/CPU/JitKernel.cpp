//===- JitKernel.cpp - a kernel compiled and loaded in-process ------------===//

#include "attn/Target/CPU/JitKernel.h"

#include "attn/Analysis/BlockSchedule.h"
#include "attn/Runtime/ThreadPool.h"
#include "attn/Support/CheckedMath.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
using namespace mlir::attn;

namespace {
/// A rank-1 memref descriptor as the C interface passes it.
template <typename T> struct MemRef1D {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t size;
  int64_t stride;
};

template <typename T> MemRef1D<T> view(T *data, int64_t size) {
  return {data, data, 0, size, 1};
}

using KernelEntry = void (*)(MemRef1D<float> *, MemRef1D<float> *,
                             MemRef1D<float> *, MemRef1D<float> *,
                             MemRef1D<int32_t> *, int64_t, int64_t, int64_t,
                             int64_t, int64_t, int64_t, int64_t);

/// Runs `pm` on `module`, collecting diagnostics into `error`.
LogicalResult runPasses(PassManager &pm, ModuleOp module, std::string &error) {
  llvm::raw_string_ostream os(error);
  ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &diag) {
    os << diag.getLocation() << ": " << diag << "\n";
    return success();
  });
  return pm.run(module);
}
} // namespace

JitKernel::~JitKernel() = default;

std::unique_ptr<JitKernel>
JitKernel::compile(ModuleOp module, StringRef name,
                   const AttnCPUPipelineOptions &options, std::string &error) {
  auto start = std::chrono::steady_clock::now();
  auto func = module.lookupSymbol<func::FuncOp>(name);
  if (!func) {
    error = ("no function @" + name + " in the module").str();
    return nullptr;
  }
  // Compile only the entry function.
  for (Operation &op : llvm::make_early_inc_range(module.getOps()))
    if (&op != func.getOperation())
      op.erase();

  int64_t width = options.vectorWidth;
  if (width <= 0) {
    FailureOr<int64_t> detected = vectorWidthForCPU(options.cpu);
    if (failed(detected)) {
      error = "unknown cpu '" + options.cpu + "'";
      return nullptr;
    }
    width = *detected;
  }
  PassManager kernelPasses(module.getContext());
  buildAttnCPUKernelPasses(kernelPasses, options, width);
  if (failed(runPasses(kernelPasses, module, error)))
    return nullptr;

  std::unique_ptr<JitKernel> kernel(new JitKernel());
  func = module.lookupSymbol<func::FuncOp>(name);
  auto facts = func->getAttrOfType<DictionaryAttr>("attn.kernel");
  auto signature = func->getAttrOfType<TypeAttr>("attn.signature");
  if (!facts || !signature) {
    error = ("@" + name + " did not become a kernel").str();
    return nullptr;
  }
  KernelInfo &info = kernel->kernelInfo;
  info.name = name.str();
  info.signature = llvm::cast<FunctionType>(signature.getValue());
  auto integer = [&](StringRef key) {
    return llvm::cast<IntegerAttr>(facts.get(key)).getInt();
  };
  info.headDim = integer("head_dim");
  info.tileQ = integer("tile_q");
  info.tileK = integer("tile_k");
  info.vectorWidth = integer("vector_width");
  info.schedule = llvm::cast<StringAttr>(facts.get("schedule")).str();
  info.pattern = llvm::cast<MaskPatternAttrInterface>(facts.get("pattern"));

  PassManager lowering(module.getContext());
  buildAttnCPULoweringPasses(lowering);
  if (failed(runPasses(lowering, module, error)))
    return nullptr;

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto transformer = makeOptimizingTransformer(/*optLevel=*/3,
                                               /*sizeLevel=*/0,
                                               /*targetMachine=*/nullptr);
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  auto engine = ExecutionEngine::create(module, engineOptions);
  if (!engine) {
    error = "JIT compilation failed: " + llvm::toString(engine.takeError());
    return nullptr;
  }
  kernel->engine = std::move(*engine);
  auto entry = kernel->engine->lookup(("_mlir_ciface_" + name).str());
  if (!entry) {
    error = "JIT lookup failed: " + llvm::toString(entry.takeError());
    return nullptr;
  }
  kernel->entry = *entry;
  kernel->compileTime = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - start)
                            .count();
  return kernel;
}

LogicalResult JitKernel::checkShape(const AttentionShape &shape,
                                    std::string &error) const {
  llvm::raw_string_ostream os(error);
  if (shape.batch < 0 || shape.heads < 0 || shape.kvHeads < 0 || shape.nq < 0 ||
      shape.nk < 0 || shape.headDim < 0) {
    os << "sizes must be non-negative";
    return failure();
  }
  if (shape.headDim != kernelInfo.headDim) {
    os << "head dimension " << shape.headDim << " differs from the IR's "
       << kernelInfo.headDim;
    return failure();
  }
  if (shape.kvHeads < 1 || shape.heads % shape.kvHeads != 0) {
    os << "query heads (" << shape.heads
       << ") must be a multiple of key/value heads (" << shape.kvHeads << ")";
    return failure();
  }
  if (shape.nq >= (int64_t(1) << 31) || shape.nk >= (int64_t(1) << 31)) {
    os << "sequence lengths must be below 2^31";
    return failure();
  }
  // Static sizes of q [B,H,Nq,D] and k, v [B,Hkv,Nk,D].
  const char *names[] = {"q", "k", "v"};
  for (int operand = 0; operand < 3; ++operand) {
    auto type =
        llvm::cast<RankedTensorType>(kernelInfo.signature.getInput(operand));
    int64_t actual[4] = {shape.batch,
                         operand == 0 ? shape.heads : shape.kvHeads,
                         operand == 0 ? shape.nq : shape.nk, shape.headDim};
    for (int d = 0; d < 4; ++d)
      if (!type.isDynamicDim(d) && type.getDimSize(d) != actual[d]) {
        os << "'" << names[operand] << "' has shape [" << actual[0] << ", "
           << actual[1] << ", " << actual[2] << ", " << actual[3]
           << "] but the IR requires " << type;
        return failure();
      }
  }
  return success();
}

int64_t JitKernel::numWorkItems(const AttentionShape &shape) const {
  return shape.batch * shape.heads *
         ::attn::ceilDiv(shape.nq, kernelInfo.tileQ);
}

const std::vector<int32_t> &JitKernel::tablesFor(int64_t nq, int64_t nk) {
  auto key = std::make_pair(nq, nk);
  auto it = tableCache.find(key);
  if (it == tableCache.end())
    it = tableCache
             .emplace(key, buildBlockTables(kernelInfo.pattern, nq, nk,
                                            kernelInfo.tileQ, kernelInfo.tileK))
             .first;
  return it->second;
}

void JitKernel::run(const float *q, const float *k, const float *v, float *out,
                    const AttentionShape &shape, ::attn::ThreadPool &pool) {
  int64_t qSize = shape.batch * shape.heads * shape.nq * shape.headDim;
  int64_t kvSize = shape.batch * shape.kvHeads * shape.nk * shape.headDim;
  // The kernel only reads q, k, v.
  MemRef1D<float> qd = view(const_cast<float *>(q), qSize);
  MemRef1D<float> kd = view(const_cast<float *>(k), kvSize);
  MemRef1D<float> vd = view(const_cast<float *>(v), kvSize);
  MemRef1D<float> od = view(out, qSize);
  static int32_t noTables = 0;
  MemRef1D<int32_t> td = view(&noTables, 0);
  if (kernelInfo.schedule == "tables") {
    const std::vector<int32_t> &tables = tablesFor(shape.nq, shape.nk);
    td = view(const_cast<int32_t *>(tables.data()), int64_t(tables.size()));
  }
  auto fn = reinterpret_cast<KernelEntry>(entry);
  pool.parallelFor(numWorkItems(shape), [&](int64_t begin, int64_t end) {
    MemRef1D<float> qc = qd, kc = kd, vc = vd, oc = od;
    MemRef1D<int32_t> tc = td;
    fn(&qc, &kc, &vc, &oc, &tc, shape.batch, shape.heads, shape.kvHeads,
       shape.nq, shape.nk, begin, end);
  });
}
