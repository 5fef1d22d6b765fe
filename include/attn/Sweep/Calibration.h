//===- Calibration.h - measured machine peaks -----------------*- C++ -*-===//
//
// The two numbers a roofline needs, measured on this machine: FP32 FMA
// throughput on all cores with the widest vectors the CPU has, and memory
// bandwidth (a STREAM-like triad). attn-sweep and the benchmarks use them;
// LLVM-free.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SWEEP_CALIBRATION_H
#define ATTN_SWEEP_CALIBRATION_H

#include <cstdint>

namespace attn {

/// FP32 FMA throughput in GFLOP/s on `threads` threads (0: all hardware
/// threads), with AVX-512 when the CPU has it, else AVX2 + FMA: 16
/// independent accumulator chains per thread for about `seconds`.
double measureFmaPeak(int64_t threads, double seconds);

/// Memory bandwidth in GB/s of a triad a[i] = b[i] + s * c[i] over arrays of
/// `bytesPerArray` on `threads` threads (0: all), counting 3 arrays moved per
/// pass; the best of `passes`.
double measureBandwidth(int64_t threads, int64_t bytesPerArray, int passes);

/// The size in bytes of the last-level cache one core can use (L2 where
/// the system reports it), or 1 MiB when unknown.
int64_t cacheBytesPerCore();

} // namespace attn

#endif // ATTN_SWEEP_CALIBRATION_H
