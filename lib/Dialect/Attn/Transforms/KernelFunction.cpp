//===- KernelFunction.cpp - the functions attn's back ends compile --------===//

#include "attn/Dialect/Attn/Transforms/KernelFunction.h"

#include "attn/Analysis/BlockSchedule.h"

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
      !ret || ret.getNumOperands() != 1 ||
      ret.getOperand(0) != op.getResult() || op.getQ() != func.getArgument(0) ||
      op.getK() != func.getArgument(1) || op.getV() != func.getArgument(2))
    return fail("must hold exactly one attn.attention on its three "
                "arguments and return it (run attn-fuse first)");
  ScheduleAttr schedule = op.getScheduleAttr();
  if (!schedule)
    return fail("has no block schedule (run attn-sparsify first)");
  if (schedule.isBanded() != hasBandedSchedule(op.getEffectivePattern()))
    return op.emitError() << passName << ": a \"" << schedule.getKind()
                          << "\" schedule does not fit this pattern (run "
                             "attn-sparsify)";
  return op;
}
