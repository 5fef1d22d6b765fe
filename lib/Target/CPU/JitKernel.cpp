//===- JitKernel.cpp - a kernel compiled and loaded in-process ------------===//

#include "attn/Target/CPU/JitKernel.h"

#include "PackedEntry.h"

#include "attn/Analysis/BlockSchedule.h"
#include "attn/Runtime/KernelSymbols.h"
#include "attn/Runtime/ThreadPool.h"
#include "attn/Target/CPU/AotCompiler.h"
#include "attn/Target/CPU/JitEngine.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
using namespace mlir::attn;

JitKernel::~JitKernel() { ::attn::releaseKernel(descriptor); }

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
  if (failed(runCollectingError(kernelPasses, module, error)))
    return nullptr;

  std::unique_ptr<JitKernel> kernel(new JitKernel());
  func = module.lookupSymbol<func::FuncOp>(name);
  KernelAttr contract = getKernelContract(func);
  if (!contract) {
    error = ("@" + name + " did not become a kernel").str();
    return nullptr;
  }
  kernel->contract = contract;

  PassManager lowering(module.getContext());
  buildAttnCPULoweringPasses(lowering);
  if (failed(runCollectingError(lowering, module, error)))
    return nullptr;
  std::string entryName = ::attn::symbols::packedEntry(name.str());
  if (failed(addPackedEntry(module, name, entryName, error)))
    return nullptr;

  kernel->engine = createJitEngine(module, error);
  if (!kernel->engine)
    return nullptr;
  auto entry = kernel->engine->lookup(entryName);
  if (!entry) {
    error = "JIT lookup failed: " + llvm::toString(entry.takeError());
    return nullptr;
  }
  // The runtime's view of the kernel: the same one attn-compile emits.
  kernel->name = name.str();
  kernel->tensors = std::make_unique<KernelTensorRecords>(contract);
  ::attn::KernelDescriptor &d = kernel->descriptor;
  fillCommonFields(d, contract, kernel->name.c_str(), *kernel->tensors);
  d.kernel = reinterpret_cast<::attn::KernelEntry>(*entry);
  d.buildTables = nullptr;
  d.stages = contract.getNumStages();
  d.rowScratch = contract.getRowScratch();
  if (contract.getSchedule() == ScheduleKind::Tables) {
    auto schedule = kernel->engine->lookup(
        ::attn::symbols::cInterface(name.str() + ".schedule"));
    if (!schedule) {
      error = "JIT lookup failed: " + llvm::toString(schedule.takeError());
      return nullptr;
    }
    d.buildTables = reinterpret_cast<::attn::ScheduleEntry>(*schedule);
  }
  kernel->compileTime = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - start)
                            .count();
  return kernel;
}

LogicalResult JitKernel::checkShape(const AttentionShape &shape,
                                    std::string &error) const {
  error = ::attn::checkCallShape(descriptor, shape);
  return success(error.empty());
}

int64_t JitKernel::numWorkItems(const AttentionShape &shape) const {
  return ::attn::numWorkItems(descriptor, shape);
}

const std::vector<int32_t> &JitKernel::tablesFor(int64_t nq, int64_t nk) {
  std::lock_guard<std::mutex> lock(tableMutex);
  auto key = std::make_pair(nq, nk);
  auto it = tableCache.find(key);
  if (it == tableCache.end())
    it = tableCache
             .emplace(key,
                      buildBlockTables(contract.getPattern(), nq, nk,
                                       contract.getTileQ(), contract.getTileK(),
                                       contract.getOrder()))
             .first;
  return it->second;
}

void JitKernel::runWithGeneratedSchedule(const float *q, const float *k,
                                         const float *v, float *out,
                                         const AttentionShape &shape,
                                         ::attn::ThreadPool &pool) {
  absl::Status status =
      ::attn::runKernel(descriptor, q, k, v, out, shape, &pool);
  (void)status; // the shape passed checkShape
}

absl::Status JitKernel::run(ArrayRef<const void *> arguments,
                            ArrayRef<void *> results,
                            const AttentionShape &shape,
                            ::attn::ThreadPool &pool) {
  const std::vector<int32_t> *tables = nullptr;
  // Kernels of a token order build their tables with their own (vectorized)
  // schedule function.
  if (descriptor.schedule == ::attn::kScheduleTables && !contract.getOrder() &&
      ::attn::numWorkItems(descriptor, shape) > 0 &&
      ::attn::checkCallShape(descriptor, shape).empty())
    tables = &tablesFor(shape.nq, shape.nk);
  if (tables && tables->empty())
    return absl::ResourceExhaustedError(
        "the schedule tables of this N exceed int32 positions");
  return ::attn::runKernel(descriptor, {arguments.data(), arguments.size()},
                           {results.data(), results.size()}, shape, &pool,
                           tables ? tables->data() : nullptr,
                           tables ? int64_t(tables->size()) : 0);
}

absl::Status JitKernel::run(const float *q, const float *k, const float *v,
                            float *out, const AttentionShape &shape,
                            ::attn::ThreadPool &pool) {
  return run({q, k, v}, {out}, shape, pool);
}
