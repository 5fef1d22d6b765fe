//===- TensorView.h - views of user tensors -------------------*- C++ -*-===//
//
// What the C++ API of generated kernels takes: a pointer, a [B, H, N, D]
// shape, strides in elements and an element type. Kernels run on contiguous
// row-major f32 views; others are refused with a clear status.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNTIME_TENSORVIEW_H
#define ATTN_RUNTIME_TENSORVIEW_H

#include "attn/Runtime/Kernel.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <array>
#include <cstdint>
#include <string>

namespace attn {

enum class DType { F32, F16, BF16 };

template <typename T> struct BasicTensorView {
  T *data = nullptr;
  std::array<int64_t, 4> shape{};
  /// Strides in elements; all zero means contiguous row-major.
  std::array<int64_t, 4> strides{};
  DType dtype = DType::F32;

  BasicTensorView() = default;
  BasicTensorView(T *data, std::array<int64_t, 4> shape,
                  DType dtype = DType::F32)
      : data(data), shape(shape), dtype(dtype) {}
  /// Whether the strides are those of a contiguous row-major tensor.
  bool isContiguous() const {
    if (strides == std::array<int64_t, 4>{})
      return true;
    int64_t expected = 1;
    for (int d = 3; d >= 0; --d) {
      if (shape[d] != 1 && strides[d] != expected)
        return false;
      expected *= shape[d];
    }
    return true;
  }
};

using TensorView = BasicTensorView<const float>;
using MutableTensorView = BasicTensorView<float>;

/// What checkViews needs of a view.
struct ViewFacts {
  std::array<int64_t, 4> shape;
  DType dtype;
  bool contiguous;
  template <typename T>
  ViewFacts(const BasicTensorView<T> &view)
      : shape(view.shape), dtype(view.dtype), contiguous(view.isContiguous()) {}
};

/// The sizes of a call on views q, k, v and out, or why they cannot be run
/// by kernels of element type `expected` (`kernels` names them in messages,
/// e.g. "the CPU kernels run f32").
absl::StatusOr<CallShape> checkViews(const ViewFacts &q, const ViewFacts &k,
                                     const ViewFacts &v, const ViewFacts &out,
                                     DType expected,
                                     const std::string &kernels);

/// runKernel on views: q [B, H, Nq, D], k and v [B, Hkv, Nk, D], out
/// [B, H, Nq, D], all contiguous f32.
absl::Status runKernel(const KernelDescriptor &kernel, const TensorView &q,
                       const TensorView &k, const TensorView &v,
                       const MutableTensorView &out,
                       ThreadPool *pool = nullptr);

} // namespace attn

#endif // ATTN_RUNTIME_TENSORVIEW_H
