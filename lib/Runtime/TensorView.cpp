//===- TensorView.cpp - views of user tensors -----------------------------===//

#include "attn/Runtime/TensorView.h"

#include "KernelInternal.h"

#include "absl/strings/str_cat.h"

#include <vector>

namespace attn {

int64_t elementKindOf(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return kElementF32;
  case DType::F16:
    return kElementF16;
  case DType::BF16:
    return kElementBF16;
  case DType::I32:
    return kElementI32;
  }
  return -1;
}

absl::StatusOr<CallShape> checkViews(absl::Span<const KernelTensor> tensors,
                                     absl::Span<const ViewFacts> views) {
  if (views.size() != tensors.size())
    return absl::InvalidArgumentError(
        absl::StrCat("the kernel takes ", tensors.size(), " tensors; ",
                     views.size(), " views were given"));
  // Each size is taken from the first tensor that has it, then checked
  // against every other.
  std::array<int64_t, kNumSizes> sizes;
  std::array<const char *, kNumSizes> from{};
  sizes.fill(0);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const KernelTensor &t = tensors[i];
    const ViewFacts &view = views[i];
    if (elementKindOf(view.dtype) != t.element)
      return absl::UnimplementedError(
          absl::StrCat("'", t.name,
                       "' has another element type: the kernel's "
                       "is ",
                       elementKindName(t.element)));
    if (view.rank != t.rank)
      return absl::InvalidArgumentError(absl::StrCat(
          "'", t.name, "' has rank ", view.rank, "; the kernel's is ", t.rank));
    if (!view.contiguous)
      return absl::UnimplementedError(
          absl::StrCat("'", t.name, "' is not a contiguous row-major view"));
    for (int d = 0; d < t.rank; ++d) {
      int64_t s = t.sizes[d];
      if (!from[s]) {
        sizes[s] = view.shape[d];
        from[s] = t.name;
      } else if (sizes[s] != view.shape[d]) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", t.name, "' has ", sizeName(s), " = ",
                         view.shape[d], " but '", from[s], "' has ", sizes[s]));
      }
    }
  }
  return shapeOf(sizes.data());
}

absl::Status runKernel(const KernelDescriptor &kernel,
                       absl::Span<const TensorView> arguments,
                       absl::Span<const MutableTensorView> results,
                       ThreadPool *pool) {
  if (std::string problem = detail::checkCommonFields(kernel); !problem.empty())
    return absl::InvalidArgumentError(problem);
  detail::GatheredViews views = detail::gatherViews(arguments, results);
  absl::StatusOr<CallShape> shape =
      checkViews(detail::tensorsOf(kernel), views.facts);
  if (!shape.ok())
    return shape.status();
  return runKernel(kernel, views.arguments, views.results, *shape, pool);
}

absl::Status runKernel(const KernelDescriptor &kernel, const TensorView &q,
                       const TensorView &k, const TensorView &v,
                       const MutableTensorView &out, ThreadPool *pool) {
  TensorView arguments[] = {q, k, v};
  MutableTensorView results[] = {out};
  return runKernel(kernel, arguments, results, pool);
}

} // namespace attn
