//===- GlobalMask.cpp - Longformer's global tokens ------------------------===//
//
// A pair is kept iff the query position or the key is a global token. The
// tokens are strictly increasing, so membership and counts in a range are
// binary searches.
//
//===----------------------------------------------------------------------===//

#include "MaskUtils.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::patterns;

/// Number of tokens in [begin, end).
static int64_t countTokensIn(ArrayRef<int64_t> tokens, int64_t begin,
                             int64_t end) {
  if (end <= begin)
    return 0;
  auto first = std::lower_bound(tokens.begin(), tokens.end(), begin);
  auto last = std::lower_bound(tokens.begin(), tokens.end(), end);
  return last - first;
}

static bool isToken(ArrayRef<int64_t> tokens, int64_t x) {
  return std::binary_search(tokens.begin(), tokens.end(), x);
}

LogicalResult GlobalAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayRef<int64_t> tokens) {
  if (tokens.empty())
    return emitError() << "parameter 'tokens' must list at least one token";
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= ::attn::kMaxParameter)
      return emitError() << "parameter 'tokens' must hold positions in "
                            "[0, 2^62), got "
                         << tokens[i];
    if (i > 0 && tokens[i] <= tokens[i - 1])
      return emitError() << "parameter 'tokens' must be strictly increasing, "
                            "got "
                         << tokens[i - 1] << " before " << tokens[i];
  }
  return success();
}

LogicalResult
GlobalAttr::verifyExtent(function_ref<InFlightDiagnostic()> emitError, int64_t,
                         int64_t nk) const {
  if (ShapedType::isDynamic(nk) || getTokens().back() < nk)
    return success();
  return emitError() << "parameter 'tokens' of #attn.global holds position "
                     << getTokens().back() << ", out of range for " << nk
                     << " keys";
}

bool GlobalAttr::contains(int64_t p, int64_t j, int64_t, int64_t) const {
  return isToken(getTokens(), p) || isToken(getTokens(), j);
}

Value GlobalAttr::buildPredicate(OpBuilder &builder, Location loc, Value p,
                                 Value j, Value, Value) const {
  PredicateBuilder pb(builder, loc, p.getType());
  Value kept = pb.boolean(false);
  for (int64_t token : getTokens()) {
    Value t = pb.index(token);
    kept = pb.orOf(kept, pb.orOf(pb.eq(p, t), pb.eq(j, t)));
  }
  return kept;
}

BlockKind GlobalAttr::classifyTile(const Tile &tile, int64_t, int64_t) const {
  int64_t globalRows = countTokensIn(getTokens(), tile.p0, tile.p1);
  int64_t globalKeys = countTokensIn(getTokens(), tile.j0, tile.j1);
  // A pair is dropped iff neither its row nor its key is global.
  if (globalRows == tile.p1 - tile.p0 || globalKeys == tile.j1 - tile.j0)
    return BlockKind::Full;
  if (globalRows == 0 && globalKeys == 0)
    return BlockKind::Empty;
  return BlockKind::Partial;
}

int64_t GlobalAttr::countPairs(int64_t nq, int64_t nk) const {
  // Global rows keep all nk keys; the other rows keep the global keys.
  int64_t globalRows = countTokensIn(getTokens(), nk - nq, nk);
  int64_t globalKeys = countTokensIn(getTokens(), 0, nk);
  return ::attn::satAdd(::attn::satMul(globalRows, nk),
                        ::attn::satMul(nq - globalRows, globalKeys));
}

void GlobalAttr::getKeyRanges(int64_t p0, int64_t p1, int64_t, int64_t nk,
                              SmallVectorImpl<KeyRange> &ranges) const {
  // A global row keeps every key; otherwise only the global keys are kept.
  if (countTokensIn(getTokens(), p0, p1) > 0) {
    ranges.push_back({0, nk});
    return;
  }
  for (int64_t token : getTokens())
    if (token < nk)
      ranges.push_back({token, token + 1});
}

void GlobalAttr::buildKeyRanges(OpBuilder &builder, Location loc, Value p0,
                                Value p1, Value, Value nk,
                                SmallVectorImpl<KeyRangeValues> &ranges) const {
  // The same ranges with run-time positions: [0, nk) or the empty [0, 0),
  // then every token (its range clipped at nk, so tokens beyond it meet no
  // key block).
  PredicateBuilder pb(builder, loc);
  Value globalRow = pb.boolean(false);
  for (int64_t token : getTokens()) {
    Value t = pb.index(token);
    globalRow = pb.orOf(globalRow, pb.andOf(pb.le(p0, t), pb.lt(t, p1)));
  }
  Value zero = pb.index(0);
  ranges.push_back({zero, pb.select(globalRow, nk, zero)});
  for (int64_t token : getTokens())
    ranges.push_back(
        {pb.min(pb.index(token), nk), pb.min(pb.index(token + 1), nk)});
}
