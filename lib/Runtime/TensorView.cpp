//===- TensorView.cpp - views of user tensors -----------------------------===//

#include "attn/Runtime/TensorView.h"

#include "absl/strings/str_cat.h"

namespace attn {

absl::StatusOr<CallShape> checkViews(const ViewFacts &q, const ViewFacts &k,
                                     const ViewFacts &v, const ViewFacts &out,
                                     DType expected,
                                     const std::string &kernels) {
  const char *names[] = {"q", "k", "v", "out"};
  const ViewFacts *views[] = {&q, &k, &v, &out};
  for (int i = 0; i < 4; ++i) {
    if (views[i]->dtype != expected)
      return absl::UnimplementedError(
          absl::StrCat("'", names[i], "' has another element type: ", kernels));
    if (!views[i]->contiguous)
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
  return CallShape{q.shape[0], q.shape[1], k.shape[1],
                   q.shape[2], k.shape[2], q.shape[3]};
}

absl::Status runKernel(const KernelDescriptor &kernel, const TensorView &q,
                       const TensorView &k, const TensorView &v,
                       const MutableTensorView &out, ThreadPool *pool) {
  absl::StatusOr<CallShape> shape =
      checkViews(q, k, v, out, DType::F32, "the CPU kernels run f32");
  if (!shape.ok())
    return shape.status();
  return runKernel(kernel, q.data, k.data, v.data, out.data, *shape, pool);
}

} // namespace attn
