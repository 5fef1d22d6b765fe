//===- EmulatedAttention.cpp - a converted kernel, emulated ---------------===//

#include "EmulatedAttention.h"

#include "GpuEmulator.h"

#include "attn/Analysis/BlockSchedule.h"

#include <cmath>

using namespace mlir;

namespace attn::testing {

std::vector<float> emulateAttention(ModuleOp module, StringRef name,
                                    const CallShape &shape, const HostTensor &q,
                                    const HostTensor &k, const HostTensor &v,
                                    std::string &error) {
  auto gpuModule = module.lookupSymbol<gpu::GPUModuleOp>("attn_kernels");
  auto kernel = gpuModule ? gpuModule.lookupSymbol<gpu::GPUFuncOp>(
                                ("attn_kernel_" + name).str())
                          : nullptr;
  if (!kernel) {
    error = ("no kernel for @" + name).str();
    return {};
  }
  auto facts = kernel->getAttrOfType<DictionaryAttr>("attn.kernel");
  int64_t tileQ = facts.getAs<IntegerAttr>("tile_q").getInt();
  int64_t tileK = facts.getAs<IntegerAttr>("tile_k").getInt();
  int64_t threads = facts.getAs<IntegerAttr>("threads").getInt();
  auto pattern =
      cast<mlir::attn::MaskPatternAttrInterface>(facts.get("pattern"));
  auto buffer = [](const HostTensor &t) {
    EmulatedBuffer b;
    b.values.assign(t.values.begin(), t.values.end());
    return b;
  };
  EmulatedBuffer qb = buffer(q), kb = buffer(k), vb = buffer(v), ob, tb;
  ob.values.assign(q.values.size(), NAN); // every element must be written
  if (facts.getAs<StringAttr>("schedule").getValue() == "tables") {
    std::vector<int32_t> tables =
        mlir::attn::buildBlockTables(pattern, shape.nq, shape.nk, tileQ, tileK);
    tb.integers.assign(tables.begin(), tables.end());
  } else if (auto fixed = facts.getAs<DenseI32ArrayAttr>("static_tables")) {
    tb.integers.assign(fixed.asArrayRef().begin(), fixed.asArrayRef().end());
  }
  int64_t blocks = shape.batch * shape.heads * ((shape.nq + tileQ - 1) / tileQ);
  error = emulateKernel(
      kernel, {&qb, &kb, &vb, &ob, &tb},
      {shape.batch, shape.heads, shape.kvHeads, shape.nq, shape.nk}, blocks,
      threads);
  if (!error.empty())
    return {};
  for (double x : ob.values)
    if (std::isnan(x)) {
      error = "an output element was never written";
      return {};
    }
  return std::vector<float>(ob.values.begin(), ob.values.end());
}

} // namespace attn::testing
