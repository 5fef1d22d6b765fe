//===- BigBirdMask.cpp - BigBird's window, global and random blocks -------===//
//
// Everything is decided per (query block, key block) cell; the random blocks
// come from attn/Support/BigBirdRandom.h, which the IR predicate below
// reproduces op for op.
//
//===----------------------------------------------------------------------===//

#include "MaskUtils.h"

#include "attn/Support/BigBirdRandom.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::patterns;
using ::attn::BigBirdParams;
using ::attn::floorDiv;
using ::attn::kMaxParameter;

static BigBirdParams paramsOf(BigBirdAttr attr) {
  return {attr.getBlock(), attr.getWindow(), attr.getGlobal(), attr.getRandom(),
          attr.getSeed()};
}

LogicalResult BigBirdAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t block, int64_t window, int64_t global,
                                  int64_t random, int64_t seed) {
  auto check = [&](StringRef name, int64_t value, int64_t min,
                   int64_t max) -> LogicalResult {
    if (value >= min && value <= max)
      return success();
    InFlightDiagnostic diag = emitError();
    diag << "parameter '" << name << "' must be in [" << min << ", ";
    if (max == kMaxParameter)
      diag << "2^62";
    else
      diag << max;
    return diag << "], got " << value;
  };
  if (failed(check("block", block, 1, kMaxParameter)) ||
      failed(check("window", window, 0, kMaxParameter)) ||
      failed(check("global", global, 0, kMaxParameter)) ||
      failed(check("random", random, 0, ::attn::kMaxBigBirdRandom)) ||
      failed(check("seed", seed, 0, ::attn::kInt64Max)))
    return failure();
  return success();
}

bool BigBirdAttr::contains(int64_t p, int64_t j, int64_t, int64_t nk) const {
  BigBirdParams params = paramsOf(*this);
  int64_t qb = floorDiv(p, getBlock()), kb = j / getBlock();
  int64_t nkb = ::attn::bigbirdNumBlocks(params, nk);
  return ::attn::bigbirdBlockKept(params, qb, kb,
                                  ::attn::bigbirdRandomBlocks(params, qb, nkb));
}

/// The SplitMix64 finalizer in IR.
static Value buildMix(PredicateBuilder &pb, Value z) {
  z = pb.xorShiftRight(z, 30);
  z = pb.mulU64(z, pb.i64(::attn::kBigBirdMix1));
  z = pb.xorShiftRight(z, 27);
  z = pb.mulU64(z, pb.i64(::attn::kBigBirdMix2));
  return pb.xorShiftRight(z, 31);
}

Value BigBirdAttr::buildPredicate(OpBuilder &builder, Location loc, Value p,
                                  Value j, Value, Value nk) const {
  PredicateBuilder pb(builder, loc, p.getType());
  int64_t block = getBlock(), r = getRandom();
  Value qb = pb.floorDiv(p, block);
  Value kb = arith::DivSIOp::create(builder, loc, j, pb.index(block));
  Value nkb = pb.ceilDiv(nk, block);
  Value g = pb.min(pb.index(getGlobal()), nkb);

  Value globalRow = pb.andOf(pb.ge(qb, pb.index(0)), pb.lt(qb, g));
  Value kept =
      pb.orOf(pb.inRange(pb.sub(qb, kb), -(getWindow() / 2), getWindow() / 2),
              pb.orOf(globalRow, pb.lt(kb, g)));
  if (r == 0)
    return kept;

  // The candidates: [g, nkb) minus the clamped window [wlo, whi).
  int64_t halfWindow = getWindow() / 2;
  auto clamp = [&](Value x) { return pb.max(pb.min(x, nkb), g); };
  Value wlo = clamp(pb.sub(qb, pb.index(halfWindow)));
  Value whi = clamp(pb.add(qb, pb.index(halfWindow + 1)));
  Value width = pb.sub(whi, wlo);
  Value count = pb.sub(pb.sub(nkb, g), width);
  Value index =
      pb.select(pb.lt(kb, wlo), pb.sub(kb, g), pb.sub(pb.sub(kb, g), width));
  Value candidate =
      pb.andOf(pb.ge(kb, g), pb.orOf(pb.lt(kb, wlo), pb.ge(kb, whi)));

  // Floyd's sampling, unrolled (random <= 16); the divisor is kept >= 1 when
  // every candidate is taken anyway.
  Value takeAll = pb.le(count, pb.index(r));
  Value base = pb.add(pb.i64(uint64_t(getSeed())),
                      pb.mulU64(pb.toI64(qb), pb.i64(::attn::kBigBirdGolden)));
  Value mixedBase = buildMix(pb, base);
  SmallVector<Value> chosen;
  Value drawn = pb.boolean(false);
  for (int64_t t = 0; t < r; ++t) {
    Value top = pb.add(pb.sub(count, pb.index(r)), pb.index(t));
    Value divisor =
        pb.select(takeAll, pb.i64(1), pb.toI64(pb.add(top, pb.index(1))));
    Value draw = buildMix(pb, pb.add(mixedBase, pb.i64(uint64_t(t))));
    Value x = pb.toIndex(pb.remU64(draw, divisor));
    Value seen = pb.boolean(false);
    for (Value earlier : chosen)
      seen = pb.orOf(seen, pb.eq(x, earlier));
    x = pb.select(seen, top, x);
    chosen.push_back(x);
    drawn = pb.orOf(drawn, pb.eq(index, x));
  }
  Value random = pb.andOf(candidate, pb.orOf(takeAll, drawn));
  return pb.orOf(kept, random);
}

BlockKind BigBirdAttr::classifyTile(const Tile &tile, int64_t,
                                    int64_t nk) const {
  BigBirdParams params = paramsOf(*this);
  int64_t nkb = ::attn::bigbirdNumBlocks(params, nk);
  // R(qb) is drawn once per query block.
  int64_t drawnFor = 0;
  std::optional<std::vector<int64_t>> random;
  return classifyCells(tile, getBlock(), [&](int64_t qb, int64_t kb) {
    if (!random || drawnFor != qb) {
      random = ::attn::bigbirdRandomBlocks(params, qb, nkb);
      drawnFor = qb;
    }
    return ::attn::bigbirdBlockKept(params, qb, kb, *random);
  });
}

int64_t BigBirdAttr::countPairs(int64_t nq, int64_t nk) const {
  BigBirdParams params = paramsOf(*this);
  int64_t block = getBlock();
  int64_t nkb = ::attn::bigbirdNumBlocks(params, nk);
  // Keys covered by the key blocks [first, last).
  auto keysIn = [&](int64_t first, int64_t last) {
    first = std::max<int64_t>(first, 0);
    last = std::min(last, nkb);
    if (last <= first)
      return int64_t(0);
    return std::min(::attn::satMul(last, block), nk) - first * block;
  };
  int64_t total = 0, pBegin = nk - nq;
  for (int64_t qb = floorDiv(pBegin, block), qbLast = floorDiv(nk - 1, block);
       qb <= qbLast; ++qb) {
    int64_t rows = std::min(::attn::satMul(qb + 1, block), nk) -
                   std::max(::attn::satMul(qb, block), pBegin);
    int64_t keys;
    if (qb >= 0 && qb < getGlobal()) {
      keys = nk;
    } else {
      // Global blocks, then the window beyond them, then the random blocks
      // (disjoint from both by construction).
      ::attn::BigBirdCandidates c = ::attn::bigbirdCandidates(params, qb, nkb);
      keys = keysIn(0, c.globalEnd) + keysIn(c.windowBegin, c.windowEnd);
      for (int64_t kb : ::attn::bigbirdRandomBlocks(params, qb, nkb))
        keys += keysIn(kb, kb + 1);
    }
    total = ::attn::satAdd(total, ::attn::satMul(rows, keys));
  }
  return total;
}
