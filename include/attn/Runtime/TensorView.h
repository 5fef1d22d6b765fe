//===- TensorView.h - views of user tensors -------------------*- C++ -*-===//
//
// What the C++ API of generated kernels takes: a pointer, a shape of up to
// four dimensions, strides in elements and an element type. Kernels run on
// contiguous row-major views of their tensors' element types; others are
// refused with a clear status.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNTIME_TENSORVIEW_H
#define ATTN_RUNTIME_TENSORVIEW_H

#include "attn/Runtime/Kernel.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

#include <array>
#include <cstdint>
#include <string>

namespace attn {

enum class DType { F32, F16, BF16, I32 };

/// The ElementKind of `dtype`.
int64_t elementKindOf(DType dtype);

template <typename T> struct BasicTensorView {
  T *data = nullptr;
  /// The first `rank` entries are the extents.
  std::array<int64_t, 4> shape{};
  /// Strides in elements; all zero means contiguous row-major.
  std::array<int64_t, 4> strides{};
  DType dtype = DType::F32;
  int rank = 4;

  BasicTensorView() = default;
  BasicTensorView(T *data, std::array<int64_t, 4> shape,
                  DType dtype = DType::F32)
      : data(data), shape(shape), dtype(dtype) {}
  /// A view of rank 3, e.g. the [B, H, Nq] log-sum-exp of an attention.
  BasicTensorView(T *data, std::array<int64_t, 3> shape3,
                  DType dtype = DType::F32)
      : data(data), shape{shape3[0], shape3[1], shape3[2], 1}, dtype(dtype),
        rank(3) {}
  /// Whether the strides are those of a contiguous row-major tensor.
  bool isContiguous() const {
    if (rank < 0 || rank > 4)
      return false;
    if (strides == std::array<int64_t, 4>{})
      return true;
    int64_t expected = 1;
    for (int d = rank - 1; d >= 0; --d) {
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
  int rank;
  bool contiguous;
  template <typename T>
  ViewFacts(const BasicTensorView<T> &view)
      : shape(view.shape), dtype(view.dtype), rank(view.rank),
        contiguous(view.isContiguous()) {}
};

/// The sizes of a call on `views`, one per tensor of `tensors` in order, or
/// why they cannot be its tensors: another element type or rank, a
/// non-contiguous view, or extents that disagree (k and v of different
/// lengths, ...).
absl::StatusOr<CallShape> checkViews(absl::Span<const KernelTensor> tensors,
                                     absl::Span<const ViewFacts> views);

/// runKernel on views, one per argument and per result in the descriptor's
/// order, contiguous and of the tensors' element types.
absl::Status runKernel(const KernelDescriptor &kernel,
                       absl::Span<const TensorView> arguments,
                       absl::Span<const MutableTensorView> results,
                       ThreadPool *pool = nullptr);

/// runKernel on the views of the classic kernel: q [B, H, Nq, D], k and v
/// [B, Hkv, Nk, D], out [B, H, Nq, D].
absl::Status runKernel(const KernelDescriptor &kernel, const TensorView &q,
                       const TensorView &k, const TensorView &v,
                       const MutableTensorView &out,
                       ThreadPool *pool = nullptr);

} // namespace attn

#endif // ATTN_RUNTIME_TENSORVIEW_H
