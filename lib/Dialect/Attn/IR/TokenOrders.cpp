//===- TokenOrders.cpp - permutations that make patterns block-dense ------===//
//
// Both orders map a permuted index to an original one in closed form, so a
// kernel gathers rows without an index array:
//
//   residue_order<m> over n indices: q = n / m, r = n mod m; groups 0..r-1
//     hold q + 1 indices, the others q. Permuted t lies in group g at offset
//     w, and maps to g + w * m.
//   summary_order<l, c> over nk keys: the S summary keys (j mod l >= l - c)
//     first: the u-th is stripe u / c, offset l - c + u mod c; then the v-th
//     other key is stripe v / (l - c), offset v mod (l - c).
//
// The IR versions evaluate both branches and select, with divisors clamped
// to 1 so that the branch not taken never divides by zero.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include "Masks/MaskUtils.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::patterns;

/// `n` broadcast to the shape of `like` (a vector of index) when it is a
/// scalar.
static Value shapedLike(OpBuilder &b, Location loc, Value n, Value like) {
  auto vector = dyn_cast<VectorType>(like.getType());
  if (!vector || isa<VectorType>(n.getType()))
    return n;
  return vector::BroadcastOp::create(b, loc, vector, n);
}

Value mlir::attn::buildOriginalPositions(TokenOrderAttrInterface order,
                                         OpBuilder &builder, Location loc,
                                         Value rows, Value nq, Value nk) {
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  Value lastRow = shapedLike(
      builder, loc, arith::SubIOp::create(builder, loc, nq, one), rows);
  Value clamped = arith::MinUIOp::create(builder, loc, rows, lastRow);
  Value offset = shapedLike(builder, loc,
                            arith::SubIOp::create(builder, loc, nk, nq), rows);
  return arith::AddIOp::create(builder, loc, offset,
                               order.buildQueryRow(builder, loc, clamped, nq));
}

//===----------------------------------------------------------------------===//
// residue_order
//===----------------------------------------------------------------------===//

static int64_t residueIndex(int64_t t, int64_t n, int64_t m) {
  int64_t q = n / m, r = n % m, big = r * (q + 1);
  if (t < big)
    return t / (q + 1) + (t % (q + 1)) * m;
  int64_t rest = t - big;
  return r + rest / q + (rest % q) * m;
}

static Value buildResidueIndex(OpBuilder &b, Location loc, Value t, Value n,
                               int64_t m) {
  n = shapedLike(b, loc, n, t);
  PredicateBuilder pb(b, loc, t.getType());
  Value modulus = pb.index(m), one = pb.index(1);
  Value q = pb.divU(n, modulus), r = pb.remU(n, modulus);
  Value groupSize = pb.add(q, one);
  Value big = pb.mul(r, groupSize);
  Value inBig = pb.cmp(arith::CmpIPredicate::ult, t, big);
  Value fromBig =
      pb.add(pb.divU(t, groupSize), pb.mul(pb.remU(t, groupSize), modulus));
  Value rest = pb.sub(pb.max(t, big), big);
  Value small = pb.max(q, one);
  Value fromSmall = pb.add(pb.add(r, pb.divU(rest, small)),
                           pb.mul(pb.remU(rest, small), modulus));
  return pb.select(inBig, fromBig, fromSmall);
}

LogicalResult
ResidueOrderAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         int64_t modulus) {
  if (modulus < 2 || modulus > (int64_t(1) << 31))
    return emitError() << "parameter 'modulus' must be in [2, 2^31], got "
                       << modulus;
  return success();
}

bool ResidueOrderAttr::permutesQueries() const { return true; }

int64_t ResidueOrderAttr::getQueryRow(int64_t t, int64_t nq) const {
  return residueIndex(t, nq, getModulus());
}

Value ResidueOrderAttr::buildQueryRow(OpBuilder &builder, Location loc, Value t,
                                      Value nq) const {
  return buildResidueIndex(builder, loc, t, nq, getModulus());
}

int64_t ResidueOrderAttr::getKey(int64_t u, int64_t nk) const {
  return residueIndex(u, nk, getModulus());
}

Value ResidueOrderAttr::buildKey(OpBuilder &builder, Location loc, Value u,
                                 Value nk) const {
  return buildResidueIndex(builder, loc, u, nk, getModulus());
}

//===----------------------------------------------------------------------===//
// summary_order
//===----------------------------------------------------------------------===//

LogicalResult
SummaryOrderAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         int64_t stride, int64_t summary) {
  if (stride < 1 || stride > ::attn::kMaxParameter)
    return emitError() << "parameter 'stride' must be in [1, 2^62], got "
                       << stride;
  if (summary < 0 || summary > stride)
    return emitError() << "parameter 'summary' must be in [0, stride], got "
                       << summary;
  return success();
}

bool SummaryOrderAttr::permutesQueries() const { return false; }

int64_t SummaryOrderAttr::getQueryRow(int64_t t, int64_t) const { return t; }

Value SummaryOrderAttr::buildQueryRow(OpBuilder &, Location, Value t,
                                      Value) const {
  return t;
}

int64_t SummaryOrderAttr::getKey(int64_t u, int64_t nk) const {
  int64_t l = getStride(), c = getSummary();
  int64_t numSummary = (nk / l) * c + std::max<int64_t>(0, nk % l - (l - c));
  if (u < numSummary)
    return (u / c) * l + (l - c) + u % c;
  int64_t v = u - numSummary;
  return (v / (l - c)) * l + v % (l - c);
}

Value SummaryOrderAttr::buildKey(OpBuilder &b, Location loc, Value u,
                                 Value nk) const {
  nk = shapedLike(b, loc, nk, u);
  PredicateBuilder pb(b, loc, u.getType());
  int64_t l = getStride(), c = getSummary();
  Value stride = pb.index(l);
  Value left = pb.index(l - c);
  Value tail = pb.remU(nk, stride);
  Value numSummary = pb.add(pb.mul(pb.divU(nk, stride), pb.index(c)),
                            pb.sub(pb.max(tail, left), left));
  Value isSummary = pb.cmp(arith::CmpIPredicate::ult, u, numSummary);
  Value perStripe = pb.index(std::max<int64_t>(c, 1));
  Value summaryKey = pb.add(pb.mul(pb.divU(u, perStripe), stride),
                            pb.add(left, pb.remU(u, perStripe)));
  Value v = pb.sub(pb.max(u, numSummary), numSummary);
  Value others = pb.index(std::max<int64_t>(l - c, 1));
  Value otherKey =
      pb.add(pb.mul(pb.divU(v, others), stride), pb.remU(v, others));
  return pb.select(isSummary, summaryKey, otherKey);
}
