//===- FmaPeak.h - the machine's measured FMA throughput ------*- C++ -*-===//

#ifndef ATTN_BENCH_FMAPEAK_H
#define ATTN_BENCH_FMAPEAK_H

#include <cstdint>

namespace attn::bench {

/// FP32 FMA throughput in GFLOP/s on `threads` threads (0: all hardware
/// threads), with the widest vectors the CPU has (AVX-512, else AVX2 + FMA):
/// 16 independent accumulator chains per thread for about `seconds`.
double measureFmaPeak(int64_t threads, double seconds);

} // namespace attn::bench

#endif // ATTN_BENCH_FMAPEAK_H
