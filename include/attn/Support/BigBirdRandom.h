//===- BigBirdRandom.h - BigBird's random key blocks ----------*- C++ -*-===//
//
// The deterministic generator of BigBird's random blocks R(qb), shared by the
// compiler (pattern attribute, IR predicate), the float64 reference and the
// runtime, so every consumer agrees on the mask. LLVM-free.
//
// For query block qb among nkb key blocks (blocks of `block` keys):
//   hw            = floor(window / 2), g = min(global, nkb)
//   [wlo, whi)    = [clamp(qb - hw, g, nkb), clamp(qb + hw + 1, g, nkb))
//   candidates    = [g, nkb) minus [wlo, whi), in increasing order; m of them
//   candidate(x)  = g + x            if x < wlo - g
//                 = g + x + whi - wlo otherwise
//   if m <= r: R(qb) = every candidate
//   else (Floyd's sampling of r distinct indices out of m):
//     for t = 0 .. r-1:  J = m - r + t;  x = draw(seed, qb, t) mod (J + 1)
//                        chosen += (x already chosen ? J : x)
//     R(qb) = { candidate(x) : x chosen }
//   draw(seed, qb, t) = mix(mix(seed + qb * 0x9E3779B97F4A7C15) + t)
//   mix = the SplitMix64 finalizer; all arithmetic modulo 2^64.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_BIGBIRDRANDOM_H
#define ATTN_SUPPORT_BIGBIRDRANDOM_H

#include <cstdint>
#include <vector>

namespace attn {

/// The parameters of `#attn.bigbird` (all non-negative, block >= 1).
struct BigBirdParams {
  int64_t block;
  int64_t window;
  int64_t global;
  int64_t random;
  int64_t seed;
};

/// Most random blocks per query block; the IR predicate unrolls the sampler.
constexpr int64_t kMaxBigBirdRandom = 16;

/// Golden-ratio increment of SplitMix64, used to spread query blocks.
constexpr uint64_t kBigBirdGolden = 0x9E3779B97F4A7C15ull;
/// The two multipliers of the SplitMix64 finalizer.
constexpr uint64_t kBigBirdMix1 = 0xBF58476D1CE4E5B9ull;
constexpr uint64_t kBigBirdMix2 = 0x94D049BB133111EBull;

/// The SplitMix64 finalizer: a bijective 64-bit mix.
uint64_t bigbirdMix(uint64_t z);

/// The t-th pseudo-random draw of query block qb.
uint64_t bigbirdDraw(int64_t seed, int64_t qb, int64_t t);

/// The key blocks that are neither global nor in qb's window: [g, nkb) minus
/// [windowBegin, windowEnd).
struct BigBirdCandidates {
  int64_t globalEnd;   ///< g = min(global, nkb)
  int64_t windowBegin; ///< wlo
  int64_t windowEnd;   ///< whi
  int64_t count;       ///< m

  /// The x-th candidate key block, 0 <= x < count.
  int64_t block(int64_t x) const;
  /// The index of key block kb among the candidates, or -1 if kb is global,
  /// in the window or out of range.
  int64_t indexOf(int64_t kb, int64_t nkb) const;
};

/// The candidates of query block qb among nkb key blocks.
BigBirdCandidates bigbirdCandidates(const BigBirdParams &params, int64_t qb,
                                    int64_t nkb);

/// R(qb): the random key blocks of query block qb, in increasing order.
std::vector<int64_t> bigbirdRandomBlocks(const BigBirdParams &params,
                                         int64_t qb, int64_t nkb);

/// Number of key blocks for nk keys.
int64_t bigbirdNumBlocks(const BigBirdParams &params, int64_t nk);

/// Whether query block qb attends to key block kb (window, global or random),
/// with R(qb) given by `randomBlocks` (sorted). Query blocks before the first
/// key (qb < 0, only when Nq > Nk) are never global rows.
bool bigbirdBlockKept(const BigBirdParams &params, int64_t qb, int64_t kb,
                      const std::vector<int64_t> &randomBlocks);

} // namespace attn

#endif // ATTN_SUPPORT_BIGBIRDRANDOM_H
