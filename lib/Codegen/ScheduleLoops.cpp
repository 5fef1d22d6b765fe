//===- ScheduleLoops.cpp - loops over a query block's key blocks ----------===//

#include "attn/Codegen/ScheduleLoops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::attn;

SmallVector<Value>
mlir::attn::buildScheduledKeyBlockLoops(OpBuilder &b, Location loc,
                                        const ScheduledQueryBlock &block,
                                        ValueRange state, KeyBlockBody body) {
  auto idx = [&](int64_t value) -> Value {
    return arith::ConstantIndexOp::create(b, loc, value);
  };
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddIOp::create(b, loc, x, y);
  };
  SmallVector<Value> current(state);
  auto readIndex = [&](Value at) -> Value {
    Value raw = memref::LoadOp::create(b, loc, block.tables, ValueRange{at});
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
  };
  // Blocks [lo, hi) by index, or (listed) the blocks at table positions
  // [lo, hi).
  auto visit = [&](Value lo, Value hi, bool listed, bool masked) {
    auto loop = scf::ForOp::create(
        b, loc, lo, hi, idx(1), current,
        [&](OpBuilder &, Location, Value iv, ValueRange iterArgs) {
          Value kb = listed ? readIndex(iv) : iv;
          scf::YieldOp::create(b, loc, body(kb, masked, iterArgs));
        });
    current.assign(loop.getResults().begin(), loop.getResults().end());
  };

  Value tk = idx(block.tileK);
  if (block.banded) {
    // The same numbers as BlockSchedule.cpp computes on the host.
    Value lastPosition = add(block.firstPosition, block.rows);
    KeyBoundValues bounds = *block.pattern.buildKeyBounds(
        b, loc, block.firstPosition, lastPosition, block.nq, block.nk);
    Value first = arith::DivUIOp::create(b, loc, bounds.begin, tk);
    Value last = arith::CeilDivUIOp::create(b, loc, bounds.end, tk);
    Value fullFirst = arith::MinUIOp::create(
        b, loc,
        arith::MaxUIOp::create(
            b, loc, arith::CeilDivUIOp::create(b, loc, bounds.fullBegin, tk),
            first),
        last);
    Value fullLast = arith::MaxUIOp::create(
        b, loc, fullFirst,
        arith::MinUIOp::create(
            b, loc, arith::DivUIOp::create(b, loc, bounds.fullEnd, tk), last));
    visit(first, fullFirst, /*listed=*/false, /*masked=*/true);
    visit(fullFirst, fullLast, /*listed=*/false, /*masked=*/false);
    visit(fullLast, last, /*listed=*/false, /*masked=*/true);
    return current;
  }

  // attn/Support/BlockTableLayout.h: row_start[qb] and full_start[qb]
  // bound the positions of the partial and the full key blocks.
  Value numQueryBlocks =
      arith::CeilDivUIOp::create(b, loc, block.nq, idx(block.tileQ));
  Value rowStart = readIndex(block.queryBlock);
  Value fullStart =
      readIndex(add(add(numQueryBlocks, idx(1)), block.queryBlock));
  Value rowEnd = readIndex(add(block.queryBlock, idx(1)));
  visit(rowStart, fullStart, /*listed=*/true, /*masked=*/true);
  visit(fullStart, rowEnd, /*listed=*/true, /*masked=*/false);
  return current;
}
