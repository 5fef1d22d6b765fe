//===- KernelFunction.cpp - the functions attn's back ends compile --------===//

#include "attn/Codegen/KernelFunction.h"

#include "attn/Analysis/BlockSchedule.h"
#include "attn/Runtime/KernelAbi.h"

#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mlir::attn;

SmallVector<func::FuncOp>
mlir::attn::collectAttentionFunctions(ModuleOp module) {
  SmallVector<func::FuncOp> functions;
  module.walk([&](func::FuncOp func) {
    if (!func.getBody().empty() && !func.getOps<AttentionOp>().empty())
      functions.push_back(func);
  });
  return functions;
}

FailureOr<AttentionOp> mlir::attn::matchKernelFunction(func::FuncOp func,
                                                       StringRef passName) {
  auto fail = [&](const Twine &why) {
    return func.emitError()
           << passName << ": @" << func.getSymName() << " " << why;
  };
  Block &body = func.getBody().front();
  auto op = dyn_cast<AttentionOp>(body.front());
  auto ret = dyn_cast<func::ReturnOp>(body.back());
  if (func.getNumArguments() != 3 || body.getOperations().size() != 2 || !op ||
      !ret || ret.getOperands() != op->getResults() ||
      op.getQ() != func.getArgument(0) || op.getK() != func.getArgument(1) ||
      op.getV() != func.getArgument(2))
    return fail("must hold exactly one attn.attention on its three "
                "arguments and return its results (run attn-fuse first)");
  ScheduleAttr schedule = op.getScheduleAttr();
  if (!schedule)
    return fail("has no block schedule (run attn-sparsify first)");
  if (schedule.isBanded() != op.hasBandedSchedule())
    return op.emitError() << passName << ": a \"" << schedule.getKind()
                          << "\" schedule does not fit this pattern (run "
                             "attn-sparsify)";
  return op;
}

ScheduleKind mlir::attn::kernelScheduleOf(AttentionOp op) {
  ScheduleAttr schedule = op.getScheduleAttr();
  return schedule.isBanded()    ? ScheduleKind::Banded
         : schedule.getTables() ? ScheduleKind::StaticTables
                                : ScheduleKind::Tables;
}

KernelAttr mlir::attn::buildAttentionKernelAttr(func::FuncOp func,
                                                AttentionOp op,
                                                int64_t vectorWidth,
                                                int64_t threads) {
  MLIRContext *ctx = op.getContext();
  using S = KernelSize;
  auto tensor = [&](StringRef name, TensorRole role, Value value,
                    ArrayRef<KernelSize> sizes) -> Attribute {
    return KernelTensorAttr::get(
        ctx, name, role, cast<RankedTensorType>(value.getType()), sizes);
  };
  SmallVector<Attribute> arguments = {
      tensor("q", TensorRole::Query, op.getQ(),
             {S::Batch, S::Heads, S::Queries, S::HeadDim}),
      tensor("k", TensorRole::Key, op.getK(),
             {S::Batch, S::KvHeads, S::Keys, S::HeadDim}),
      tensor("v", TensorRole::Value, op.getV(),
             {S::Batch, S::KvHeads, S::Keys, S::HeadDim})};
  SmallVector<Attribute> results = {
      tensor("out", TensorRole::Output, op.getOutput(),
             {S::Batch, S::Heads, S::Queries, S::HeadDim})};
  if (Value lse = op.getLse())
    results.push_back(tensor("lse", TensorRole::LogSumExp, lse,
                             {S::Batch, S::Heads, S::Queries}));
  ScheduleAttr schedule = op.getScheduleAttr();
  return KernelAttr::get(
      ctx, func.getSymName(), ArrayAttr::get(ctx, arguments),
      ArrayAttr::get(ctx, results), kernelScheduleOf(op), schedule.getTileQ(),
      schedule.getTileK(), op.getEffectivePattern(), vectorWidth, threads,
      threads > 0 ? schedule.getTables() : DenseI32ArrayAttr(),
      op.getOrderAttr());
}

SmallVector<Type> mlir::attn::kernelParameterTypes(KernelAttr kernel) {
  MLIRContext *ctx = kernel.getContext();
  auto buffer = [](Type element) {
    return MemRefType::get({ShapedType::kDynamic}, element);
  };
  SmallVector<Type> types;
  for (KernelTensorAttr tensor : kernel.getTensors())
    types.push_back(buffer(tensor.getType().getElementType()));
  types.push_back(buffer(IntegerType::get(ctx, 32)));
  types.append(::attn::kNumSizes, IndexType::get(ctx));
  if (kernel.getThreads() == 0)
    types.append(2, IndexType::get(ctx));
  return types;
}

unsigned KernelParameters::workBegin() const {
  return numTensors + 1 + ::attn::kNumSizes;
}

KernelParameters mlir::attn::kernelParametersOf(KernelAttr kernel) {
  return {unsigned(kernel.getArguments().size() + kernel.getResults().size())};
}
