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

AttentionOp KernelParts::tablePart() const {
  for (AttentionOp part : parts)
    if (!part.getScheduleAttr().isBanded())
      return part;
  return parts.back();
}

FailureOr<KernelParts> mlir::attn::matchKernelFunction(func::FuncOp func,
                                                       StringRef passName) {
  auto fail = [&](const Twine &why) {
    return func.emitError()
           << passName << ": @" << func.getSymName() << " " << why;
  };
  const char *shape = "must hold exactly one attn.attention on its three "
                      "arguments and return its results (run attn-fuse "
                      "first), or attn.attention parts on them merged by one "
                      "attn.merge whose results it returns";
  Block &body = func.getBody().front();
  auto ret = dyn_cast<func::ReturnOp>(body.back());
  if (func.getNumArguments() != 3 || !ret)
    return fail(shape);
  KernelParts ops;
  auto onArguments = [&](AttentionOp op) {
    return op.getQ() == func.getArgument(0) &&
           op.getK() == func.getArgument(1) && op.getV() == func.getArgument(2);
  };
  if (body.getOperations().size() == 2) {
    auto op = dyn_cast<AttentionOp>(body.front());
    if (!op || ret.getOperands() != op->getResults() || !onArguments(op))
      return fail(shape);
    ops.parts.push_back(op);
  } else {
    // Parts, then the merge, then the return.
    auto merge = dyn_cast<MergeOp>(ret->getPrevNode());
    if (!merge || body.getOperations().size() != merge.getNumParts() + 2 ||
        ret.getNumOperands() < 1 || ret.getNumOperands() > 2 ||
        ret.getOperands() !=
            merge->getResults().take_front(ret.getNumOperands()))
      return fail(shape);
    for (unsigned i = 0; i < merge.getNumParts(); ++i) {
      auto op = merge.getPartOutput(i).getDefiningOp<AttentionOp>();
      if (!op || op.getLse() != merge.getPartLse(i) || !onArguments(op) ||
          !op.getOutput().hasOneUse() || !op.getLse().hasOneUse() ||
          llvm::is_contained(ops.parts, op))
        return fail(shape);
      ops.parts.push_back(op);
    }
    ops.merge = merge;
  }
  for (AttentionOp op : ops.parts) {
    ScheduleAttr schedule = op.getScheduleAttr();
    if (!schedule)
      return fail("has no block schedule (run attn-sparsify first)");
    if (schedule.isBanded() != op.hasBandedSchedule())
      return op.emitError() << passName << ": a \"" << schedule.getKind()
                            << "\" schedule does not fit this pattern (run "
                               "attn-sparsify)";
  }
  if (ops.merge) {
    ScheduleAttr first = ops.parts.front().getScheduleAttr();
    int withTables = 0;
    for (AttentionOp op : ops.parts) {
      withTables += !op.getScheduleAttr().isBanded();
      if (op.getScheduleAttr().getTileQ() != first.getTileQ())
        return op.emitError()
               << passName << ": the merged parts of @" << func.getSymName()
               << " must share tile_q (" << first.getTileQ() << " and "
               << op.getScheduleAttr().getTileQ() << ")";
    }
    if (withTables > 1)
      return fail("merges " + Twine(withTables) +
                  " parts with schedule tables; at most one may have them");
  }
  return ops;
}

ScheduleKind mlir::attn::kernelScheduleOf(AttentionOp op) {
  ScheduleAttr schedule = op.getScheduleAttr();
  return schedule.isBanded()    ? ScheduleKind::Banded
         : schedule.getTables() ? ScheduleKind::StaticTables
                                : ScheduleKind::Tables;
}

KernelAttr mlir::attn::buildAttentionKernelAttr(func::FuncOp func,
                                                const KernelParts &ops,
                                                int64_t vectorWidth,
                                                int64_t threads) {
  AttentionOp op = ops.tablePart();
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
  // The function's results: the op's, or the merge's.
  ValueRange returned = func.getBody().front().getTerminator()->getOperands();
  SmallVector<Attribute> results = {
      tensor("out", TensorRole::Output, returned[0],
             {S::Batch, S::Heads, S::Queries, S::HeadDim})};
  if (returned.size() > 1)
    results.push_back(tensor("lse", TensorRole::LogSumExp, returned[1],
                             {S::Batch, S::Heads, S::Queries}));
  ArrayAttr parts;
  if (ops.merge) {
    SmallVector<Attribute> list;
    for (AttentionOp part : ops.parts)
      list.push_back(KernelPartAttr::get(ctx, part.getEffectivePattern(),
                                         part.getOrderAttr()));
    parts = ArrayAttr::get(ctx, list);
  }
  ScheduleAttr schedule = op.getScheduleAttr();
  return KernelAttr::get(
      ctx, func.getSymName(), ArrayAttr::get(ctx, arguments),
      ArrayAttr::get(ctx, results), kernelScheduleOf(op), schedule.getTileQ(),
      schedule.getTileK(), op.getEffectivePattern(), vectorWidth, threads,
      threads > 0 ? schedule.getTables() : DenseI32ArrayAttr(),
      op.getOrderAttr(), parts);
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
  if (kernel.getThreads() == 0) {
    types.append(3, IndexType::get(ctx));
    types.push_back(buffer(Float32Type::get(ctx)));
  }
  return types;
}

unsigned KernelParameters::workBegin() const {
  return numTensors + 1 + ::attn::kNumSizes;
}

KernelParameters mlir::attn::kernelParametersOf(KernelAttr kernel) {
  return {unsigned(kernel.getArguments().size() + kernel.getResults().size())};
}
