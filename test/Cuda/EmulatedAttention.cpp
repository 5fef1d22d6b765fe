//===- EmulatedAttention.cpp - a converted kernel, emulated ---------------===//

#include "EmulatedAttention.h"

#include "GpuEmulator.h"

#include "attn/Analysis/BlockSchedule.h"
#include "attn/Runtime/KernelSymbols.h"
#include "attn/Target/Common/KernelContract.h"

#include <array>
#include <cmath>

using namespace mlir;

namespace attn::testing {

std::vector<float> emulateAttention(ModuleOp module, StringRef name,
                                    const CallShape &shape, const HostTensor &q,
                                    const HostTensor &k, const HostTensor &v,
                                    std::string &error,
                                    std::vector<float> *lse) {
  auto gpuModule =
      module.lookupSymbol<gpu::GPUModuleOp>(::attn::symbols::kGpuModule);
  auto kernel = gpuModule ? gpuModule.lookupSymbol<gpu::GPUFuncOp>(
                                ::attn::symbols::kernel(name.str()))
                          : nullptr;
  mlir::attn::KernelAttr contract = mlir::attn::getKernelContract(kernel);
  if (!contract) {
    error = ("no kernel for @" + name).str();
    return {};
  }
  bool hasLse = contract.getResults().size() > 1;
  if (hasLse != (lse != nullptr)) {
    error = ("the kernel of @" + name + (hasLse ? " has" : " has no") +
             " lse result")
                .str();
    return {};
  }
  int64_t tileQ = contract.getTileQ(), tileK = contract.getTileK();
  auto buffer = [](const HostTensor &t) {
    EmulatedBuffer b;
    b.values.assign(t.values.begin(), t.values.end());
    return b;
  };
  EmulatedBuffer qb = buffer(q), kb = buffer(k), vb = buffer(v), ob, lb, tb;
  // Every element must be written.
  ob.values.assign(q.values.size(), NAN);
  lb.values.assign(shape.batch * shape.heads * shape.nq, NAN);
  if (contract.getSchedule() == mlir::attn::ScheduleKind::Tables) {
    std::vector<int32_t> tables = mlir::attn::buildBlockTables(
        contract.getPattern(), shape.nq, shape.nk, tileQ, tileK);
    tb.integers.assign(tables.begin(), tables.end());
  } else if (DenseI32ArrayAttr fixed = contract.getStaticTables()) {
    tb.integers.assign(fixed.asArrayRef().begin(), fixed.asArrayRef().end());
  }
  std::vector<EmulatedBuffer *> buffers = {&qb, &kb, &vb, &ob};
  if (hasLse)
    buffers.push_back(&lb);
  buffers.push_back(&tb);
  int64_t blocks = shape.batch * shape.heads * ((shape.nq + tileQ - 1) / tileQ);
  std::array<int64_t, kNumSizes> sizes = sizesOf(shape);
  error = emulateKernel(kernel, buffers,
                        std::vector<int64_t>(sizes.begin(), sizes.end()),
                        blocks, contract.getThreads());
  if (!error.empty())
    return {};
  for (const EmulatedBuffer *written : {&ob, &lb}) {
    if (written == &lb && !hasLse)
      continue;
    for (double x : written->values)
      if (std::isnan(x)) {
        error = "an output element was never written";
        return {};
      }
  }
  if (lse)
    lse->assign(lb.values.begin(), lb.values.end());
  return std::vector<float>(ob.values.begin(), ob.values.end());
}

} // namespace attn::testing
