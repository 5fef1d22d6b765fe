//===- PackedEntry.cpp - the packed entry of a CPU kernel -----------------===//

#include "PackedEntry.h"

#include "attn/Runtime/KernelSymbols.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;

LogicalResult mlir::attn::addPackedEntry(ModuleOp module,
                                         StringRef kernelFunction,
                                         StringRef entry, std::string &error) {
  std::string cInterface = ::attn::symbols::cInterface(kernelFunction.str());
  auto callee = module.lookupSymbol<LLVM::LLVMFuncOp>(cInterface);
  if (!callee) {
    error = "the kernel has no C interface @" + cInterface;
    return failure();
  }
  MLIRContext *ctx = module.getContext();
  Location loc = callee.getLoc();
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  Type i64 = IntegerType::get(ctx, 64);
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto function = LLVM::LLVMFuncOp::create(
      b, loc, entry,
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr, ptr}));
  Block *body = function.addEntryBlock(b);
  b.setInsertionPointToStart(body);
  Value buffers = body->getArgument(0), scalars = body->getArgument(1);
  SmallVector<Value> args;
  int32_t buffer = 0, scalar = 0;
  for (Type type : callee.getFunctionType().getParams()) {
    bool isPointer = isa<LLVM::LLVMPointerType>(type);
    if (!isPointer && !type.isInteger(64)) {
      error = "the kernel's C interface takes a parameter of an unexpected "
              "type";
      return failure();
    }
    Value at = LLVM::GEPOp::create(
        b, loc, ptr, isPointer ? ptr : i64, isPointer ? buffers : scalars,
        ArrayRef<LLVM::GEPArg>{isPointer ? buffer++ : scalar++});
    args.push_back(LLVM::LoadOp::create(b, loc, type, at));
  }
  LLVM::CallOp::create(b, loc, callee, args);
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return success();
}
