//===- CudaTestSupport.h - GPU kernels against the reference --*- C++ -*-===//
//
// What the GPU tests share: host inputs rounded to the kernel's element type,
// device buffers, and the relative error of a kernel's output against the
// float64 reference on the same (rounded) inputs. Tests that need a GPU call
// REQUIRE_CUDA_DEVICE() and are skipped, with the driver's reason, where
// there is none.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TEST_CUDA_CUDATESTSUPPORT_H
#define ATTN_TEST_CUDA_CUDATESTSUPPORT_H

#include "attn/Reference/Reference.h"
#include "attn/Runtime/CudaDriver.h"
#include "attn/Runtime/CudaKernel.h"
#include "attn/Support/HalfFloat.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>

namespace attn::testing {

/// Skips the test, with the reason, when no CUDA device can be used.
#define REQUIRE_CUDA_DEVICE()                                                  \
  do {                                                                         \
    auto context = ::attn::cuda::ensureContext();                              \
    if (!context.ok())                                                         \
      GTEST_SKIP() << "no GPU here: " << context.status().message();           \
  } while (0)

/// `func.func @f` holding one attn.attention with `pattern` on
/// tensor<?x?x?x<headDim>x<element>> operands, returning its output (and,
/// `withLse`, its f32 log-sum-exp).
inline std::string attentionFunction(const std::string &pattern,
                                     int64_t headDim,
                                     const std::string &element,
                                     bool withLse = false) {
  std::string type =
      "tensor<?x?x?x" + std::to_string(headDim) + "x" + element + ">";
  std::string lse = "tensor<?x?x?xf32>";
  std::string results = withLse ? "(" + type + ", " + lse + ")" : type;
  return "func.func @f(%q: " + type + ", %k: " + type + ", %v: " + type +
         ") -> " + results + " {\n  %o" + (withLse ? ", %l" : "") +
         " = attn.attention %q, %k, %v pattern(" + pattern + ") : " + type +
         ", " + type + ", " + type + " -> " + type +
         (withLse ? ", " + lse : "") + "\n  return %o" +
         (withLse ? ", %l : " + type + ", " + lse : " : " + type) + "\n}\n";
}

/// The relative error each element type must reach against the reference.
inline double toleranceFor(ElementKind kind) {
  return kind == kElementF32 ? 1e-5 : 1e-2;
}

/// Host data of one tensor: float values already rounded to the element
/// type, and the bytes to upload.
struct HostTensor {
  std::array<int64_t, 4> shape;
  std::vector<float> values;

  mlir::attn::reference::Tensor asReference() const {
    mlir::attn::reference::Tensor t(shape);
    t.data.assign(values.begin(), values.end());
    return t;
  }
};

inline HostTensor randomTensor(std::mt19937_64 &rng,
                               std::array<int64_t, 4> shape, ElementKind kind,
                               double range = 1.0) {
  HostTensor t{shape, {}};
  t.values.resize(shape[0] * shape[1] * shape[2] * shape[3]);
  std::uniform_real_distribution<float> dist(-range, range);
  for (float &x : t.values) {
    x = dist(rng);
    if (kind == kElementBF16)
      x = bf16ToFloat(floatToBF16(x));
    else if (kind == kElementF16)
      x = halfToFloat(floatToHalf(x));
  }
  return t;
}

/// Fresh random q, k and v of a call's shape.
inline void randomInputs(std::mt19937_64 &rng, const CallShape &shape,
                         ElementKind kind, HostTensor &q, HostTensor &k,
                         HostTensor &v, double range = 1.0) {
  q = randomTensor(rng, {shape.batch, shape.heads, shape.nq, shape.headDim},
                   kind, range);
  k = randomTensor(rng, {shape.batch, shape.kvHeads, shape.nk, shape.headDim},
                   kind, range);
  v = randomTensor(rng, {shape.batch, shape.kvHeads, shape.nk, shape.headDim},
                   kind, range);
}

/// The ElementKind of "f32", "f16" or "bf16".
inline ElementKind elementKindNamed(const std::string &element) {
  return element == "bf16"  ? kElementBF16
         : element == "f16" ? kElementF16
                            : kElementF32;
}

/// A device copy of `t` in the element type (16-byte aligned, never empty).
inline cuda::DeviceBuffer upload(const HostTensor &t, ElementKind kind) {
  size_t bytes = t.values.size() * (kind == kElementF32 ? 4 : 2);
  auto buffer = cuda::DeviceBuffer::allocate(std::max<size_t>(bytes, 16));
  EXPECT_TRUE(buffer.ok()) << buffer.status().message();
  if (kind == kElementF32) {
    EXPECT_TRUE(cuda::copyToDevice(buffer->get(), t.values.data(), bytes).ok());
  } else {
    std::vector<uint16_t> bits =
        toHalf(t.values, kind == kElementBF16 ? HalfKind::BF16 : HalfKind::F16);
    EXPECT_TRUE(cuda::copyToDevice(buffer->get(), bits.data(), bytes).ok());
  }
  return *std::move(buffer);
}

inline std::vector<float> download(const cuda::DeviceBuffer &buffer,
                                   size_t count, ElementKind kind) {
  std::vector<float> values(count);
  if (kind == kElementF32) {
    EXPECT_TRUE(cuda::copyToHost(values.data(), buffer.get(), count * 4).ok());
    return values;
  }
  std::vector<uint16_t> bits(count);
  EXPECT_TRUE(cuda::copyToHost(bits.data(), buffer.get(), count * 2).ok());
  return fromHalf(bits, kind == kElementBF16 ? HalfKind::BF16 : HalfKind::F16);
}

/// Launches a kernel on device pointers (q, k, v, out, shape).
using Launch = std::function<absl::Status(
    const void *, const void *, const void *, void *, const CallShape &)>;

/// Runs `launch` on fresh random inputs of `shape`; returns the output and
/// fills `q`, `k` and `v` with the (rounded) inputs it used.
inline std::vector<float> runOnDevice(const Launch &launch,
                                      const CallShape &shape, ElementKind kind,
                                      std::mt19937_64 &rng, HostTensor &q,
                                      HostTensor &k, HostTensor &v,
                                      double range = 1.0) {
  randomInputs(rng, shape, kind, q, k, v, range);
  cuda::DeviceBuffer qd = upload(q, kind), kd = upload(k, kind),
                     vd = upload(v, kind);
  HostTensor zeros{q.shape, std::vector<float>(q.values.size(), 0.0f)};
  cuda::DeviceBuffer od = upload(zeros, kind);
  absl::Status status =
      launch(qd.data(), kd.data(), vd.data(), od.data(), shape);
  EXPECT_TRUE(status.ok()) << status.message();
  absl::Status done = cuda::synchronize();
  EXPECT_TRUE(done.ok()) << done.message();
  return download(od, q.values.size(), kind);
}

/// ‖out − ref‖ / ‖ref‖ against the reference of `pattern` with `scale`.
inline double
errorAgainstReference(const std::vector<float> &out, const HostTensor &q,
                      const HostTensor &k, const HostTensor &v,
                      mlir::attn::MaskPatternAttrInterface pattern,
                      double scale) {
  namespace ref = mlir::attn::reference;
  ref::Tensor expected = ref::attention(q.asReference(), k.asReference(),
                                        v.asReference(), pattern, scale);
  ref::Tensor actual(q.shape);
  actual.data.assign(out.begin(), out.end());
  return ref::relativeError(actual, expected);
}

} // namespace attn::testing

#endif // ATTN_TEST_CUDA_CUDATESTSUPPORT_H
