//===- ScheduleFunction.cpp - block tables built in generated code --------===//
//
// Per query block qb: the pattern's key ranges (buildKeyRanges) give the
// candidate key blocks, each visited once in the order of forEachKeyBlockOf
// (a block of range r is skipped when an earlier range meets it). For each
// candidate, count the kept pairs of the tile (query lanes in vectors of W,
// keys one by one): all kept in a whole tile = full, some = partial. The
// same rule as buildBlockTables in lib/Analysis/BlockSchedule.cpp, with the
// predicate instead of classifyTile: exact for every pattern, in
// O(candidate tiles) time and O(visited blocks) memory.
//
// Two calls fill the tables: fill = 0 writes the header (row_start,
// full_start) from the counts, fill = 1 reads it back and writes the lists.
// Both return the number of entries, in index arithmetic (so a size beyond
// int32 is seen by the caller before anything is stored with it).
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
                                               int64_t lanes,
                                               TokenOrderAttrInterface order) {
  Type index = b.getIndexType();
  auto i32Buffer = MemRefType::get({ShapedType::kDynamic}, b.getI32Type());
  auto func = func::FuncOp::create(
      b, loc, name,
      b.getFunctionType({i32Buffer, index, index, index}, {index}));
  func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  OpBuilder::InsertionGuard guard(b);
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value tables = entry->getArgument(0), nq = entry->getArgument(1),
        nk = entry->getArgument(2);
  Value fill = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                     entry->getArgument(3),
                                     arith::ConstantIndexOp::create(b, loc, 0));
  Value counting = arith::XOrIOp::create(
      b, loc, fill, arith::ConstantIntOp::create(b, loc, 1, 1));

  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddIOp::create(b, loc, x, y);
  };
  auto sub = [&](Value x, Value y) -> Value {
    return arith::SubIOp::create(b, loc, x, y);
  };
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulIOp::create(b, loc, x, y);
  };
  auto cmp = [&](arith::CmpIPredicate predicate, Value x, Value y) -> Value {
    return arith::CmpIOp::create(b, loc, predicate, x, y);
  };
  auto store = [&](Value value, Value at) {
    Value v = arith::IndexCastOp::create(b, loc, b.getI32Type(), value);
    memref::StoreOp::create(b, loc, v, tables, ValueRange{at});
  };
  auto load = [&](Value at) -> Value {
    Value raw = memref::LoadOp::create(b, loc, tables, ValueRange{at});
    return arith::IndexCastOp::create(b, loc, index, raw);
  };
  auto ifThen = [&](Value condition, function_ref<void()> then) {
    scf::IfOp::create(b, loc, condition, [&](OpBuilder &, Location) {
      then();
      scf::YieldOp::create(b, loc);
    });
  };
  Value zero = cst(0), one = cst(1);
  Value nqb = arith::CeilDivUIOp::create(b, loc, nq, cst(tileQ));
  Value fullStarts = add(nqb, one);
  Value header = add(fullStarts, nqb);
  Value offset = sub(nk, nq);

  auto indexVec = VectorType::get({lanes}, index);
  SmallVector<APInt> iotaValues;
  for (int64_t lane = 0; lane < lanes; ++lane)
    iotaValues.push_back(APInt(64, lane));
  Value iota = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(indexVec, ArrayRef<APInt>(iotaValues)));
  auto i32Vec = VectorType::get({lanes}, b.getI32Type());

  auto rowLoop = scf::ForOp::create(b, loc, zero, nqb, one, ValueRange{header});
  {
    OpBuilder::InsertionGuard inLoop(b);
    b.setInsertionPointToStart(rowLoop.getBody());
    Value qb = rowLoop.getInductionVar();
    Value rowStart = rowLoop.getRegionIterArgs()[0];
    Value i0 = mul(qb, cst(tileQ));
    Value rows = arith::MinUIOp::create(b, loc, cst(tileQ), sub(nq, i0));
    Value p0 = add(offset, i0);
    SmallVector<KeyRangeValues> ranges;
    if (order)
      ranges.push_back({zero, nk}); // permuted keys: no ranges known
    else
      pattern.buildKeyRanges(b, loc, p0, add(p0, rows), nq, nk, ranges);
    // The ranges' bounds in key blocks, in two small stack arrays made once
    // before the loop.
    Value firstBlocks, lastBlocks;
    {
      OpBuilder::InsertionGuard beforeLoop(b);
      b.setInsertionPoint(rowLoop);
      auto bounds = MemRefType::get({int64_t(ranges.size())}, index);
      firstBlocks = memref::AllocaOp::create(b, loc, bounds);
      lastBlocks = memref::AllocaOp::create(b, loc, bounds);
    }
    for (auto [r, range] : llvm::enumerate(ranges)) {
      // Signed: a range may end before 0 (positions of Nq > Nk).
      Value nonEmpty = cmp(arith::CmpIPredicate::slt, range.begin, range.end);
      Value first = arith::SelectOp::create(
          b, loc, nonEmpty,
          arith::DivUIOp::create(b, loc, range.begin, cst(tileK)), zero);
      Value last = arith::SelectOp::create(
          b, loc, nonEmpty,
          arith::CeilDivUIOp::create(b, loc, range.end, cst(tileK)), zero);
      memref::StoreOp::create(b, loc, first, firstBlocks, ValueRange{cst(r)});
      memref::StoreOp::create(b, loc, last, lastBlocks, ValueRange{cst(r)});
    }

    SmallVector<Value> positions, valid;
    for (int64_t c = 0; c < tileQ / lanes; ++c) {
      Value laneRows = add(
          vector::BroadcastOp::create(b, loc, indexVec, cst(c * lanes)), iota);
      valid.push_back(cmp(arith::CmpIPredicate::ult, laneRows,
                          vector::BroadcastOp::create(b, loc, indexVec, rows)));
      Value rowIds =
          add(vector::BroadcastOp::create(b, loc, indexVec, i0), laneRows);
      positions.push_back(
          order && order.permutesQueries()
              ? buildOriginalPositions(order, b, loc, rowIds, nq, nk)
              : add(vector::BroadcastOp::create(b, loc, indexVec, offset),
                    rowIds));
    }
    // In the fill call, where this row's lists start.
    Value partialAt = arith::SelectOp::create(b, loc, fill, load(qb), zero);
    Value fullAt =
        arith::SelectOp::create(b, loc, fill, load(add(fullStarts, qb)), zero);

    // Classifies key block kb and, in the fill call, lists it.
    auto classify = [&](Value kb, Value partialCount,
                        Value fullCount) -> SmallVector<Value> {
      Value j0 = mul(kb, cst(tileK));
      Value cols = arith::MinUIOp::create(b, loc, cst(tileK), sub(nk, j0));
      Value kept =
          scf::ForOp::create(
              b, loc, j0, add(j0, cols), one, ValueRange{zero},
              [&](OpBuilder &, Location, Value u, ValueRange sum) {
                Value j = order ? order.buildKey(b, loc, u, nk) : u;
                Value total = sum[0];
                for (size_t c = 0; c < positions.size(); ++c) {
                  Value keep = buildMaskPredicate(pattern, b, loc, positions[c],
                                                  j, nq, nk);
                  keep = arith::AndIOp::create(b, loc, keep, valid[c]);
                  Value ones = arith::ExtUIOp::create(b, loc, i32Vec, keep);
                  Value n = vector::ReductionOp::create(
                      b, loc, vector::CombiningKind::ADD, ones);
                  total =
                      add(total, arith::IndexCastOp::create(b, loc, index, n));
                }
                scf::YieldOp::create(b, loc, total);
              })
              .getResult(0);
      // Full: every pair kept in a tile not cut short by Nk.
      Value full = arith::AndIOp::create(
          b, loc, cmp(arith::CmpIPredicate::eq, kept, mul(rows, cols)),
          cmp(arith::CmpIPredicate::eq, cols, cst(tileK)));
      Value partial = arith::AndIOp::create(
          b, loc, cmp(arith::CmpIPredicate::ne, kept, zero),
          arith::XOrIOp::create(b, loc, full,
                                arith::ConstantIntOp::create(b, loc, 1, 1)));
      ifThen(arith::AndIOp::create(b, loc, fill, full),
             [&] { store(kb, add(fullAt, fullCount)); });
      ifThen(arith::AndIOp::create(b, loc, fill, partial),
             [&] { store(kb, add(partialAt, partialCount)); });
      return {arith::SelectOp::create(b, loc, partial, add(partialCount, one),
                                      partialCount),
              arith::SelectOp::create(b, loc, full, add(fullCount, one),
                                      fullCount)};
    };

    // Every range's blocks not met by an earlier range.
    auto counts = scf::ForOp::create(
        b, loc, zero, cst(int64_t(ranges.size())), one, ValueRange{zero, zero},
        [&](OpBuilder &, Location, Value r, ValueRange rangeCounts) {
          Value first =
              memref::LoadOp::create(b, loc, firstBlocks, ValueRange{r});
          Value last =
              memref::LoadOp::create(b, loc, lastBlocks, ValueRange{r});
          auto blocks = scf::ForOp::create(
              b, loc, first, last, one, rangeCounts,
              [&](OpBuilder &, Location, Value kb, ValueRange count) {
                auto earlier = scf::ForOp::create(
                    b, loc, zero, r, one,
                    ValueRange{arith::ConstantIntOp::create(b, loc, 0, 1)},
                    [&](OpBuilder &, Location, Value e, ValueRange seen) {
                      Value f = memref::LoadOp::create(b, loc, firstBlocks,
                                                       ValueRange{e});
                      Value l = memref::LoadOp::create(b, loc, lastBlocks,
                                                       ValueRange{e});
                      Value inside = arith::AndIOp::create(
                          b, loc, cmp(arith::CmpIPredicate::uge, kb, f),
                          cmp(arith::CmpIPredicate::ult, kb, l));
                      scf::YieldOp::create(
                          b, loc,
                          Value(arith::OrIOp::create(b, loc, seen[0], inside)));
                    });
                auto next = scf::IfOp::create(
                    b, loc, earlier.getResult(0),
                    [&](OpBuilder &, Location) {
                      scf::YieldOp::create(b, loc, count);
                    },
                    [&](OpBuilder &, Location) {
                      scf::YieldOp::create(b, loc,
                                           classify(kb, count[0], count[1]));
                    });
                scf::YieldOp::create(b, loc, next.getResults());
              });
          scf::YieldOp::create(b, loc, blocks.getResults());
        });
    Value partialCount = counts.getResult(0);
    Value fullCount = counts.getResult(1);
    ifThen(counting, [&] {
      store(rowStart, qb);
      store(add(rowStart, partialCount), add(fullStarts, qb));
    });
    scf::YieldOp::create(b, loc, add(add(rowStart, partialCount), fullCount));
  }
  Value size = rowLoop.getResult(0);
  ifThen(counting, [&] { store(size, nqb); });
  func::ReturnOp::create(b, loc, size);
  return func;
}
