//===- Reference.h - float64 reference of every attn variant --*- C++ -*-===//
//
// The oracle every generated kernel is checked against: a direct float64
// evaluation of the attn ops on full matrices, with the patterns' `contains`
// deciding each pair. Slow (O(Nq·Nk) memory) and simple on purpose.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_REFERENCE_REFERENCE_H
#define ATTN_REFERENCE_REFERENCE_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace mlir::attn::reference {

/// A dense row-major float64 tensor of rank 4, or of rank 3 (the lse result
/// [B, H, Nq]) with shape[3] = 1.
struct Tensor {
  std::array<int64_t, 4> shape = {0, 0, 0, 0};
  std::vector<double> data;
  int rank = 4;

  Tensor() = default;
  /// A zero-filled tensor of the given shape.
  explicit Tensor(std::array<int64_t, 4> shape);

  int64_t numElements() const;
  double &at(int64_t a, int64_t b, int64_t c, int64_t d);
  double at(int64_t a, int64_t b, int64_t c, int64_t d) const;
};

/// S = scale · Q · Kᵀ: q [B,H,Nq,D], k [B,Hkv,Nk,D] -> [B,H,Nq,Nk]. Query
/// head h reads key head h / (H / Hkv).
Tensor qk(const Tensor &q, const Tensor &k, double scale);

/// Entries outside the pattern become -inf. Query row i is position
/// i + (Nk - Nq).
Tensor mask(const Tensor &scores, MaskPatternAttrInterface pattern);

/// Stable softmax along `axis` (0..3); a slice of only -inf becomes zeros.
Tensor softmax(const Tensor &x, int64_t axis);

/// O = P · V: p [B,H,Nq,Nk], v [B,Hkv,Nk,D] -> [B,H,Nq,D].
Tensor pv(const Tensor &p, const Tensor &v);

/// The fused op: softmax(mask(scale · Q · Kᵀ)) · V, computed row by row.
/// A null pattern is dense. Fully masked rows give zeros. With `lse`, also
/// the row log-sum-exp [B, H, Nq] (rank 3; -inf for a fully masked row).
Tensor attention(const Tensor &q, const Tensor &k, const Tensor &v,
                 MaskPatternAttrInterface pattern, double scale,
                 Tensor *lse = nullptr);

/// attn.merge: the partial results (outputs [B,H,Nq,D], lses [B,H,Nq] of
/// rank 3, all of one shape) combined by their log-sum-exp; `lse` gets the
/// merged lse. Rows where every part is -inf give 0 and -inf.
Tensor merge(ArrayRef<Tensor> outputs, ArrayRef<Tensor> lses, Tensor &lse);

/// Evaluates `func` (attn ops ending in one return) on `inputs` in argument
/// order. Fails with a message in `error` (prefixed "reference: ") when an
/// input does not fit the argument's type (rank, static sizes, data size),
/// when the run-time shapes of an op's operands disagree (batch, heads,
/// keys, head dimension) or contradict a static result type, or when the body
/// holds an op the reference does not know. Never aborts on bad input.
FailureOr<Tensor> evaluate(func::FuncOp func, ArrayRef<Tensor> inputs,
                           std::string &error);

/// evaluate() for a function of any number of results, in result order.
FailureOr<std::vector<Tensor>>
evaluateAll(func::FuncOp func, ArrayRef<Tensor> inputs, std::string &error);

/// Relative error ‖a − b‖₂ / ‖b‖₂ (‖a − b‖₂ when b is zero); +inf when the
/// shapes differ, so a mismatch never passes a tolerance check.
double relativeError(const Tensor &a, const Tensor &b);

} // namespace mlir::attn::reference

#endif // ATTN_REFERENCE_REFERENCE_H
