//===- TensorView.cpp - views of user tensors -----------------------------===//

#include "attn/Runtime/TensorView.h"

#include "absl/strings/str_cat.h"

namespace attn {

absl::Status runKernel(const KernelDescriptor &kernel, const TensorView &q,
                       const TensorView &k, const TensorView &v,
                       const MutableTensorView &out, ThreadPool *pool) {
  const char *names[] = {"q", "k", "v", "out"};
  DType types[] = {q.dtype, k.dtype, v.dtype, out.dtype};
  bool contiguous[] = {q.isContiguous(), k.isContiguous(), v.isContiguous(),
                       out.isContiguous()};
  for (int i = 0; i < 4; ++i) {
    if (types[i] != DType::F32)
      return absl::UnimplementedError(
          absl::StrCat("'", names[i], "' is not f32: the CPU kernels run f32"));
    if (!contiguous[i])
      return absl::UnimplementedError(
          absl::StrCat("'", names[i], "' is not a contiguous row-major view"));
  }
  if (k.shape != v.shape)
    return absl::InvalidArgumentError("k and v shapes differ");
  if (q.shape[0] != k.shape[0] || q.shape[3] != k.shape[3])
    return absl::InvalidArgumentError(
        "q and k differ in batch size or head dimension");
  if (out.shape != q.shape)
    return absl::InvalidArgumentError("out must have the shape of q");
  CallShape shape{q.shape[0], q.shape[1], k.shape[1],
                  q.shape[2], k.shape[2], q.shape[3]};
  return runKernel(kernel, q.data, k.data, v.data, out.data, shape, pool);
}

} // namespace attn
