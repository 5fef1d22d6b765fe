//===- ScheduleFunction.cpp - block tables built in generated code --------===//
//
// For each query block qb and key block kb, count the kept pairs of the tile
// (query lanes in vectors of W, keys one by one) and append kb to the full
// or the partial list of qb; the counts go to partial_num / full_num. The
// same rule as buildBlockTables in lib/Analysis/BlockSchedule.cpp, with the
// predicate instead of classifyTile: exact for every pattern.
//
//===----------------------------------------------------------------------===//

#include "attn/Codegen/ScheduleFunction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::attn;

func::FuncOp mlir::attn::buildScheduleFunction(OpBuilder &b, Location loc,
                                               StringRef name,
                                               MaskPatternAttrInterface pattern,
                                               int64_t tileQ, int64_t tileK,
                                               int64_t lanes) {
  Type index = b.getIndexType();
  auto i32Buffer = MemRefType::get({ShapedType::kDynamic}, b.getI32Type());
  auto func = func::FuncOp::create(
      b, loc, name, b.getFunctionType({i32Buffer, index, index}, {}));
  func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  OpBuilder::InsertionGuard guard(b);
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value tables = entry->getArgument(0), nq = entry->getArgument(1),
        nk = entry->getArgument(2);

  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddIOp::create(b, loc, x, y);
  };
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulIOp::create(b, loc, x, y);
  };
  auto store = [&](Value value, Value at) {
    Value v = arith::IndexCastOp::create(b, loc, b.getI32Type(), value);
    memref::StoreOp::create(b, loc, v, tables, ValueRange{at});
  };
  Value zero = cst(0), one = cst(1);
  Value nqb = arith::CeilDivUIOp::create(b, loc, nq, cst(tileQ));
  Value nkb = arith::CeilDivUIOp::create(b, loc, nk, cst(tileK));
  Value partialIndex = nqb;
  Value fullNum = add(nqb, mul(nqb, nkb));
  Value fullIndex = add(fullNum, nqb);
  Value offset = arith::SubIOp::create(b, loc, nk, nq);

  auto indexVec = VectorType::get({lanes}, index);
  SmallVector<APInt> iotaValues;
  for (int64_t lane = 0; lane < lanes; ++lane)
    iotaValues.push_back(APInt(64, lane));
  Value iota = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(indexVec, ArrayRef<APInt>(iotaValues)));
  auto i32Vec = VectorType::get({lanes}, b.getI32Type());

  scf::ForOp::create(
      b, loc, zero, nqb, one, ValueRange{},
      [&](OpBuilder &, Location, Value qb, ValueRange) {
        Value i0 = mul(qb, cst(tileQ));
        Value rows = arith::MinUIOp::create(
            b, loc, cst(tileQ), arith::SubIOp::create(b, loc, nq, i0));
        SmallVector<Value> positions, valid;
        for (int64_t c = 0; c < tileQ / lanes; ++c) {
          Value laneRows = arith::AddIOp::create(
              b, loc,
              vector::BroadcastOp::create(b, loc, indexVec, cst(c * lanes)),
              iota);
          valid.push_back(arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::ult, laneRows,
              vector::BroadcastOp::create(b, loc, indexVec, rows)));
          positions.push_back(arith::AddIOp::create(
              b, loc,
              vector::BroadcastOp::create(b, loc, indexVec, add(offset, i0)),
              laneRows));
        }
        Value listStart = mul(qb, nkb);
        auto counts = scf::ForOp::create(
            b, loc, zero, nkb, one, ValueRange{zero, zero},
            [&](OpBuilder &, Location, Value kb, ValueRange count) {
              Value j0 = mul(kb, cst(tileK));
              Value cols = arith::MinUIOp::create(
                  b, loc, cst(tileK), arith::SubIOp::create(b, loc, nk, j0));
              Value kept =
                  scf::ForOp::create(
                      b, loc, j0, add(j0, cols), one, ValueRange{zero},
                      [&](OpBuilder &, Location, Value j, ValueRange sum) {
                        Value total = sum[0];
                        for (size_t c = 0; c < positions.size(); ++c) {
                          Value keep = buildMaskPredicate(
                              pattern, b, loc, positions[c], j, nq, nk);
                          keep = arith::AndIOp::create(b, loc, keep, valid[c]);
                          Value ones =
                              arith::ExtUIOp::create(b, loc, i32Vec, keep);
                          Value n = vector::ReductionOp::create(
                              b, loc, vector::CombiningKind::ADD, ones);
                          total =
                              add(total,
                                  arith::IndexCastOp::create(b, loc, index, n));
                        }
                        scf::YieldOp::create(b, loc, total);
                      })
                      .getResult(0);
              // Full: every pair kept in a tile not cut short by Nk.
              Value all = arith::CmpIOp::create(
                  b, loc, arith::CmpIPredicate::eq, kept, mul(rows, cols));
              Value whole = arith::CmpIOp::create(
                  b, loc, arith::CmpIPredicate::eq, cols, cst(tileK));
              Value full = arith::AndIOp::create(b, loc, all, whole);
              Value some = arith::CmpIOp::create(
                  b, loc, arith::CmpIPredicate::ne, kept, zero);
              Value partial = arith::AndIOp::create(
                  b, loc, some,
                  arith::XOrIOp::create(
                      b, loc, full,
                      arith::ConstantIntOp::create(b, loc, 1, 1)));
              Value partialCount = count[0], fullCount = count[1];
              scf::IfOp::create(b, loc, full, [&](OpBuilder &, Location) {
                store(kb, add(add(fullIndex, listStart), fullCount));
                scf::YieldOp::create(b, loc);
              });
              scf::IfOp::create(b, loc, partial, [&](OpBuilder &, Location) {
                store(kb, add(add(partialIndex, listStart), partialCount));
                scf::YieldOp::create(b, loc);
              });
              Value nextPartial = arith::SelectOp::create(
                  b, loc, partial, add(partialCount, one), partialCount);
              Value nextFull = arith::SelectOp::create(
                  b, loc, full, add(fullCount, one), fullCount);
              scf::YieldOp::create(b, loc, ValueRange{nextPartial, nextFull});
            });
        store(counts.getResult(0), qb);
        store(counts.getResult(1), add(fullNum, qb));
        scf::YieldOp::create(b, loc);
      });
  func::ReturnOp::create(b, loc);
  return func;
}
