//===- Reference.cpp - float64 reference of every attn variant --------===//
//
// Direct float64 evaluation of the attn ops on full matrices. Every loop is
// the textbook formula; the only subtleties are the numerically stable
// softmax (subtract the row maximum, all -inf rows become zeros) and the
// grouped heads (query head h reads key/value head h / (H / Hkv)).
//
//===----------------------------------------------------------------------===//

#include "attn/Reference/Reference.h"

#include "attn/Support/CheckedMath.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"

#include <cassert>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::reference;

static constexpr double kNegInf = -std::numeric_limits<double>::infinity();

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

Tensor::Tensor(std::array<int64_t, 4> shape) : shape(shape) {
  for (int64_t size : shape) {
    assert(size >= 0 && "negative tensor size");
    (void)size;
  }
  data.assign(numElements(), 0.0);
}

int64_t Tensor::numElements() const {
  return shape[0] * shape[1] * shape[2] * shape[3];
}

/// The row-major offset of element (a, b, c, d).
static int64_t flatIndex(const std::array<int64_t, 4> &shape, int64_t a,
                         int64_t b, int64_t c, int64_t d) {
  assert(a >= 0 && a < shape[0] && b >= 0 && b < shape[1] && c >= 0 &&
         c < shape[2] && d >= 0 && d < shape[3] && "index out of bounds");
  return ((a * shape[1] + b) * shape[2] + c) * shape[3] + d;
}

double &Tensor::at(int64_t a, int64_t b, int64_t c, int64_t d) {
  return data[flatIndex(shape, a, b, c, d)];
}

double Tensor::at(int64_t a, int64_t b, int64_t c, int64_t d) const {
  return data[flatIndex(shape, a, b, c, d)];
}

//===----------------------------------------------------------------------===//
// The ops
//===----------------------------------------------------------------------===//

/// The number of query heads that share one key/value head.
static int64_t headGroup(int64_t heads, int64_t kvHeads) {
  assert(kvHeads >= 1 && heads % kvHeads == 0 &&
         "query heads must be a multiple of key/value heads");
  return heads / kvHeads;
}

Tensor reference::qk(const Tensor &q, const Tensor &k, double scale) {
  auto [b, h, nq, d] = q.shape;
  int64_t nk = k.shape[2];
  assert(k.shape[0] == b && k.shape[3] == d && "q and k disagree");
  int64_t group = headGroup(h, k.shape[1]);
  Tensor s({b, h, nq, nk});
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t hi = 0; hi < h; ++hi)
      for (int64_t i = 0; i < nq; ++i)
        for (int64_t j = 0; j < nk; ++j) {
          double dot = 0;
          for (int64_t di = 0; di < d; ++di)
            dot += q.at(bi, hi, i, di) * k.at(bi, hi / group, j, di);
          s.at(bi, hi, i, j) = scale * dot;
        }
  return s;
}

Tensor reference::mask(const Tensor &scores, MaskPatternAttrInterface pattern) {
  Tensor m = scores;
  if (!pattern)
    return m;
  auto [b, h, nq, nk] = scores.shape;
  if (b == 0 || h == 0) // no scores: nothing to evaluate the pattern for
    return m;
  // Bottom-right alignment: the last query row is the last key position.
  int64_t offset = nk - nq;
  for (int64_t i = 0; i < nq; ++i)
    for (int64_t j = 0; j < nk; ++j) {
      if (pattern.contains(i + offset, j, nq, nk))
        continue;
      for (int64_t bi = 0; bi < b; ++bi)
        for (int64_t hi = 0; hi < h; ++hi)
          m.at(bi, hi, i, j) = kNegInf;
    }
  return m;
}

Tensor reference::softmax(const Tensor &x, int64_t axis) {
  assert(axis >= 0 && axis < 4 && "axis out of range");
  Tensor y(x.shape);
  // Walk every 1-D slice along `axis`: `outer` indexes the dimensions before
  // it, `inner` those after it, and consecutive slice elements are `inner`
  // apart in the row-major data.
  int64_t outer = 1, inner = 1, len = x.shape[axis];
  for (int64_t dim = 0; dim < axis; ++dim)
    outer *= x.shape[dim];
  for (int64_t dim = axis + 1; dim < 4; ++dim)
    inner *= x.shape[dim];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      int64_t base = o * len * inner + in;
      double max = kNegInf;
      for (int64_t t = 0; t < len; ++t)
        max = std::max(max, x.data[base + t * inner]);
      // A fully masked slice stays all zeros instead of exp(-inf - -inf).
      if (max == kNegInf)
        continue;
      double sum = 0;
      for (int64_t t = 0; t < len; ++t) {
        double e = std::exp(x.data[base + t * inner] - max);
        y.data[base + t * inner] = e;
        sum += e;
      }
      for (int64_t t = 0; t < len; ++t)
        y.data[base + t * inner] /= sum;
    }
  return y;
}

Tensor reference::pv(const Tensor &p, const Tensor &v) {
  auto [b, h, nq, nk] = p.shape;
  int64_t d = v.shape[3];
  assert(v.shape[0] == b && v.shape[2] == nk && "p and v disagree");
  int64_t group = headGroup(h, v.shape[1]);
  Tensor o({b, h, nq, d});
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t hi = 0; hi < h; ++hi)
      for (int64_t i = 0; i < nq; ++i)
        for (int64_t j = 0; j < nk; ++j) {
          double w = p.at(bi, hi, i, j);
          for (int64_t di = 0; di < d; ++di)
            o.at(bi, hi, i, di) += w * v.at(bi, hi / group, j, di);
        }
  return o;
}

Tensor reference::attention(const Tensor &q, const Tensor &k, const Tensor &v,
                            MaskPatternAttrInterface pattern, double scale,
                            Tensor *lse) {
  auto [b, h, nq, d] = q.shape;
  int64_t nk = k.shape[2], dv = v.shape[3];
  assert(k.shape[0] == b && v.shape[0] == b && k.shape[1] == v.shape[1] &&
         k.shape[2] == v.shape[2] && k.shape[3] == d && "q, k, v disagree");
  int64_t group = headGroup(h, k.shape[1]);
  int64_t offset = nk - nq;
  Tensor o({b, h, nq, dv});
  if (lse) {
    *lse = Tensor({b, h, nq, 1});
    lse->rank = 3;
  }
  std::vector<int64_t> keys;
  std::vector<double> scores;
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t hi = 0; hi < h; ++hi) {
      int64_t kvh = hi / group;
      for (int64_t i = 0; i < nq; ++i) {
        // Scores of the kept keys only; the masked ones contribute nothing.
        keys.clear();
        scores.clear();
        double max = kNegInf;
        for (int64_t j = 0; j < nk; ++j) {
          if (pattern && !pattern.contains(i + offset, j, nq, nk))
            continue;
          double dot = 0;
          for (int64_t di = 0; di < d; ++di)
            dot += q.at(bi, hi, i, di) * k.at(bi, kvh, j, di);
          keys.push_back(j);
          scores.push_back(scale * dot);
          max = std::max(max, scale * dot);
        }
        if (keys.empty()) {
          if (lse)
            lse->at(bi, hi, i, 0) = kNegInf;
          continue; // a fully masked row stays zero
        }
        double sum = 0;
        for (double &s : scores) {
          s = std::exp(s - max);
          sum += s;
        }
        if (lse)
          lse->at(bi, hi, i, 0) = max + std::log(sum);
        for (size_t t = 0; t < keys.size(); ++t) {
          double w = scores[t] / sum;
          for (int64_t di = 0; di < dv; ++di)
            o.at(bi, hi, i, di) += w * v.at(bi, kvh, keys[t], di);
        }
      }
    }
  return o;
}

Tensor reference::merge(ArrayRef<Tensor> outputs, ArrayRef<Tensor> lses,
                        Tensor &lse) {
  const std::array<int64_t, 4> &shape = outputs.front().shape;
  Tensor out(shape);
  lse = Tensor({shape[0], shape[1], shape[2], 1});
  lse.rank = 3;
  std::vector<double> weights(outputs.size());
  for (int64_t b = 0; b < shape[0]; ++b)
    for (int64_t h = 0; h < shape[1]; ++h)
      for (int64_t i = 0; i < shape[2]; ++i) {
        double max = kNegInf;
        for (const Tensor &l : lses)
          max = std::max(max, l.at(b, h, i, 0));
        if (max == kNegInf) { // every part fully masked
          lse.at(b, h, i, 0) = kNegInf;
          continue;
        }
        double sum = 0;
        for (size_t part = 0; part < lses.size(); ++part)
          sum += weights[part] = std::exp(lses[part].at(b, h, i, 0) - max);
        for (int64_t d = 0; d < shape[3]; ++d) {
          double acc = 0;
          for (size_t part = 0; part < outputs.size(); ++part)
            acc += weights[part] * outputs[part].at(b, h, i, d);
          out.at(b, h, i, d) = acc / sum;
        }
        lse.at(b, h, i, 0) = max + std::log(sum);
      }
  return out;
}

double reference::relativeError(const Tensor &a, const Tensor &b) {
  if (a.shape != b.shape || a.rank != b.rank || a.data.size() != b.data.size())
    return std::numeric_limits<double>::infinity();
  double diff = 0, norm = 0;
  for (size_t t = 0; t < a.data.size(); ++t) {
    // Equal infinities (the lse of fully masked rows) agree; any other
    // infinity or NaN makes the error infinite or NaN.
    if (std::isinf(b.data[t]) && a.data[t] == b.data[t])
      continue;
    double delta = a.data[t] - b.data[t];
    diff += delta * delta;
    norm += b.data[t] * b.data[t];
  }
  return norm == 0 ? std::sqrt(diff) : std::sqrt(diff / norm);
}

//===----------------------------------------------------------------------===//
// evaluate
//===----------------------------------------------------------------------===//

namespace {
/// Prints a shape as [a, b, c, d].
struct ShapePrinter {
  const std::array<int64_t, 4> &shape;
};

llvm::raw_ostream &operator<<(llvm::raw_ostream &os, ShapePrinter p) {
  return os << '[' << p.shape[0] << ", " << p.shape[1] << ", " << p.shape[2]
            << ", " << p.shape[3] << ']';
}

/// Interprets the body of one func.func; the first failure is reported in
/// `error`, prefixed with "reference: ".
class Evaluator {
public:
  explicit Evaluator(std::string &error) : error(error) {}

  FailureOr<std::vector<Tensor>> run(func::FuncOp func,
                                     ArrayRef<Tensor> inputs);

private:
  /// Records the message and returns failure.
  LogicalResult fail(const llvm::Twine &message) {
    error = ("reference: " + message).str();
    return failure();
  }

  /// `tensor` has the rank and static sizes of `type`.
  LogicalResult checkFits(Type type, const Tensor &tensor,
                          const llvm::Twine &what);
  /// The tensor computed for `value`, or null (with a message) when none.
  const Tensor *lookup(Operation *op, Value value);
  /// Runtime shape agreement of q/p [B,H,...] and k/v [B,Hkv,...].
  LogicalResult checkHeads(Operation *op, StringRef qName, const Tensor &q,
                           StringRef kvName, const Tensor &kv);
  LogicalResult checkDim(Operation *op, StringRef what, StringRef aName,
                         int64_t a, StringRef bName, int64_t b);

  /// Refuses an op whose result or work is beyond what the float64
  /// reference computes in reasonable memory and time.
  LogicalResult checkBudget(Operation *op, std::array<int64_t, 4> resultShape,
                            std::array<int64_t, 5> work);

  LogicalResult step(Operation &op);

  std::string &error;
  llvm::DenseMap<Value, Tensor> values;
  std::optional<std::vector<Tensor>> result;
};
} // namespace

LogicalResult Evaluator::checkFits(Type type, const Tensor &tensor,
                                   const llvm::Twine &what) {
  std::string typeStr;
  llvm::raw_string_ostream os(typeStr);
  os << type;
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked || ranked.getRank() != tensor.rank)
    return fail(what + " has type '" + typeStr + "', expected a rank-" +
                llvm::Twine(tensor.rank) + " tensor");
  for (unsigned dim = 0; dim < unsigned(tensor.rank); ++dim) {
    int64_t expected = ranked.getDimSize(dim);
    if (ShapedType::isDynamic(expected) || expected == tensor.shape[dim])
      continue;
    std::string shapeStr;
    llvm::raw_string_ostream(shapeStr) << ShapePrinter{tensor.shape};
    return fail(what + " has shape " + shapeStr + " but type '" + typeStr +
                "' (dimension " + llvm::Twine(dim) + " must be " +
                llvm::Twine(expected) + ")");
  }
  return success();
}

const Tensor *Evaluator::lookup(Operation *op, Value value) {
  auto it = values.find(value);
  if (it != values.end())
    return &it->second;
  (void)fail("an operand of '" + op->getName().getStringRef() +
             "' is not computed by the function body");
  return nullptr;
}

LogicalResult Evaluator::checkDim(Operation *op, StringRef what,
                                  StringRef aName, int64_t a, StringRef bName,
                                  int64_t b) {
  if (a == b)
    return success();
  return fail("'" + op->getName().getStringRef() + "': " + what + " of '" +
              bName + "' (" + llvm::Twine(b) + ") differs from '" + aName +
              "' (" + llvm::Twine(a) + ")");
}

LogicalResult Evaluator::checkHeads(Operation *op, StringRef qName,
                                    const Tensor &q, StringRef kvName,
                                    const Tensor &kv) {
  if (failed(
          checkDim(op, "batch size", qName, q.shape[0], kvName, kv.shape[0])))
    return failure();
  int64_t h = q.shape[1], hkv = kv.shape[1];
  if (hkv >= 1 && h % hkv == 0)
    return success();
  return fail("'" + op->getName().getStringRef() + "': heads of '" + qName +
              "' (" + llvm::Twine(h) +
              ") must be a multiple of the heads of '" + kvName + "' (" +
              llvm::Twine(hkv) + ")");
}

/// The reference's limits: 2^30 values of a result (8 GiB of doubles) and
/// 2^38 multiply-adds per op (minutes of scalar float64 loops).
constexpr int64_t kMaxReferenceElements = int64_t(1) << 30;
constexpr int64_t kMaxReferenceWork = int64_t(1) << 38;

LogicalResult Evaluator::checkBudget(Operation *op,
                                     std::array<int64_t, 4> resultShape,
                                     std::array<int64_t, 5> work) {
  int64_t elements = 1, steps = 1;
  for (int64_t size : resultShape)
    elements = ::attn::satMul(elements, size);
  for (int64_t size : work)
    steps = ::attn::satMul(steps, size);
  if (elements == 0)
    return success(); // an empty result costs nothing whatever the sizes
  StringRef name = op->getName().getStringRef();
  if (elements > kMaxReferenceElements) {
    std::string shapeStr;
    llvm::raw_string_ostream(shapeStr) << ShapePrinter{resultShape};
    return fail("'" + name + "' would hold " + shapeStr +
                " values; the float64 reference stops at 2^30 per result");
  }
  if (steps > kMaxReferenceWork)
    return fail("'" + name + "' needs " + llvm::Twine(steps) +
                " multiply-adds; the float64 reference stops at 2^38 per "
                "op (use smaller sizes)");
  return success();
}

LogicalResult Evaluator::step(Operation &op) {
  StringRef name = op.getName().getStringRef();
  auto operand = [&](unsigned index) {
    return lookup(&op, op.getOperand(index));
  };

  // func.return: the function's results.
  if (auto ret = dyn_cast<func::ReturnOp>(op)) {
    std::vector<Tensor> returned;
    for (unsigned i = 0; i < ret.getNumOperands(); ++i) {
      const Tensor *value = operand(i);
      if (!value)
        return failure();
      returned.push_back(*value);
    }
    result = std::move(returned);
    return success();
  }

  Tensor out, lse;
  if (auto qkOp = dyn_cast<QKOp>(op)) {
    const Tensor *q = operand(0), *k = operand(1);
    if (!q || !k || failed(checkHeads(&op, "q", *q, "k", *k)) ||
        failed(checkDim(&op, "head dimension", "q", q->shape[3], "k",
                        k->shape[3])) ||
        failed(checkBudget(
            &op, {q->shape[0], q->shape[1], q->shape[2], k->shape[2]},
            {q->shape[0], q->shape[1], q->shape[2], k->shape[2], q->shape[3]})))
      return failure();
    out = qk(*q, *k, qkOp.getEffectiveScale());
  } else if (auto maskOp = dyn_cast<MaskOp>(op)) {
    const Tensor *s = operand(0);
    if (!s)
      return failure();
    out = mask(*s, maskOp.getPattern());
  } else if (auto softmaxOp = dyn_cast<SoftmaxOp>(op)) {
    const Tensor *x = operand(0);
    if (!x)
      return failure();
    int64_t axis = softmaxOp.getAxis();
    if (axis < 0 || axis > 3)
      return fail("'attn.softmax': axis " + llvm::Twine(axis) +
                  " is out of range");
    out = softmax(*x, axis);
  } else if (isa<PVOp>(op)) {
    const Tensor *p = operand(0), *v = operand(1);
    if (!p || !v || failed(checkHeads(&op, "probs", *p, "v", *v)) ||
        failed(checkDim(&op, "key length", "probs", p->shape[3], "v",
                        v->shape[2])) ||
        failed(checkBudget(
            &op, {p->shape[0], p->shape[1], p->shape[2], v->shape[3]},
            {p->shape[0], p->shape[1], p->shape[2], p->shape[3], v->shape[3]})))
      return failure();
    out = pv(*p, *v);
  } else if (auto attnOp = dyn_cast<AttentionOp>(op)) {
    const Tensor *q = operand(0), *k = operand(1), *v = operand(2);
    if (!q || !k || !v || failed(checkHeads(&op, "q", *q, "k", *k)) ||
        failed(checkHeads(&op, "q", *q, "v", *v)) ||
        failed(checkDim(&op, "heads", "k", k->shape[1], "v", v->shape[1])) ||
        failed(
            checkDim(&op, "key length", "k", k->shape[2], "v", v->shape[2])) ||
        failed(checkDim(&op, "head dimension", "q", q->shape[3], "k",
                        k->shape[3])) ||
        failed(checkDim(&op, "head dimension", "q", q->shape[3], "v",
                        v->shape[3])) ||
        failed(checkBudget(&op,
                           {q->shape[0], q->shape[1], q->shape[2], v->shape[3]},
                           {q->shape[0], q->shape[1], q->shape[2], k->shape[2],
                            std::max<int64_t>(1, q->shape[3] + v->shape[3])})))
      return failure();
    out =
        attention(*q, *k, *v, attnOp.getEffectivePattern(),
                  attnOp.getEffectiveScale(), attnOp.getLse() ? &lse : nullptr);
    if (Value lseResult = attnOp.getLse()) {
      if (failed(checkFits(lseResult.getType(), lse,
                           "the lse result of '" + name + "'")))
        return failure();
      values[lseResult] = std::move(lse);
    }
  } else if (auto mergeOp = dyn_cast<MergeOp>(op)) {
    std::vector<Tensor> outputs, lses;
    for (unsigned i = 0; i < mergeOp.getNumParts(); ++i) {
      const Tensor *o = operand(2 * i), *l = operand(2 * i + 1);
      if (!o || !l)
        return failure();
      // Every part covers the queries of the first.
      for (unsigned d = 0; d < 4; ++d)
        if (failed(checkDim(&op, "dimension " + std::to_string(d), "part 0",
                            outputs.empty() ? o->shape[d] : outputs[0].shape[d],
                            "part " + std::to_string(i), o->shape[d])))
          return failure();
      for (unsigned d = 0; d < 3; ++d)
        if (failed(checkDim(&op, "lse dimension " + std::to_string(d), "output",
                            o->shape[d], "lse", l->shape[d])))
          return failure();
      outputs.push_back(*o);
      lses.push_back(*l);
    }
    out = merge(outputs, lses, lse);
    if (failed(checkFits(mergeOp.getLse().getType(), lse,
                         "the lse result of '" + name + "'")))
      return failure();
    values[mergeOp.getLse()] = std::move(lse);
  } else {
    return fail("unsupported op '" + name + "'");
  }

  // The verifier only compares static sizes; with dynamic operands the
  // computed shape may still contradict a static result type.
  if (failed(checkFits(op.getResult(0).getType(), out,
                       "the result of '" + name + "'")))
    return failure();
  values[op.getResult(0)] = std::move(out);
  return success();
}

FailureOr<std::vector<Tensor>> Evaluator::run(func::FuncOp func,
                                              ArrayRef<Tensor> inputs) {
  if (func.isExternal()) {
    (void)fail("function @" + func.getSymName() + " has no body");
    return failure();
  }
  Block &entry = func.getBody().front();
  if (entry.getNumArguments() != inputs.size()) {
    (void)fail("function @" + func.getSymName() + " takes " +
               llvm::Twine(entry.getNumArguments()) + " arguments, got " +
               llvm::Twine(inputs.size()) + " inputs");
    return failure();
  }
  for (auto [index, arg] : llvm::enumerate(entry.getArguments())) {
    const Tensor &input = inputs[index];
    // The shape must describe the data exactly: no negative sizes, no
    // overflow of the element count, as many values as elements.
    int64_t count = 1;
    for (int64_t size : input.shape)
      count = size < 0 ? -1 : ::attn::satMul(count, size);
    if (count < 0 || count != int64_t(input.data.size())) {
      std::string shapeStr;
      llvm::raw_string_ostream(shapeStr) << ShapePrinter{input.shape};
      (void)fail("input #" + llvm::Twine(index) + " has shape " + shapeStr +
                 " but holds " + llvm::Twine(input.data.size()) + " values");
      return failure();
    }
    if (failed(checkFits(arg.getType(), input,
                         "input #" + llvm::Twine(index) + " (argument of @" +
                             func.getSymName() + ")")))
      return failure();
    values[arg] = input;
  }
  for (Operation &op : entry) {
    if (failed(step(op)))
      return failure();
    if (result)
      return std::move(*result);
  }
  (void)fail("function @" + func.getSymName() + " does not end in a return");
  return failure();
}

FailureOr<std::vector<Tensor>> reference::evaluateAll(func::FuncOp func,
                                                      ArrayRef<Tensor> inputs,
                                                      std::string &error) {
  error.clear();
  return Evaluator(error).run(func, inputs);
}

FailureOr<Tensor> reference::evaluate(func::FuncOp func,
                                      ArrayRef<Tensor> inputs,
                                      std::string &error) {
  FailureOr<std::vector<Tensor>> results = evaluateAll(func, inputs, error);
  if (failed(results))
    return failure();
  if (results->size() != 1) {
    error = "reference: 'func.return' must return exactly one value, got " +
            std::to_string(results->size());
    return failure();
  }
  return std::move(results->front());
}
