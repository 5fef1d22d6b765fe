//===- GpuEmulator.cpp - run a GPU kernel's IR on the host ----------------===//

#include "GpuEmulator.h"

#include "attn/Support/HalfFloat.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <memory>
#include <unordered_map>

using namespace mlir;

namespace attn::testing {
namespace {

/// One element: integers (index, iN, memory ids) in `i`, floats in `f`.
struct Scalar {
  int64_t i = 0;
  double f = 0;
};
/// A value of one thread: a scalar or a vector's elements.
using Lanes = llvm::SmallVector<Scalar, 4>;

/// A buffer the kernel addresses.
struct Memory {
  std::vector<Scalar> data;
  llvm::SmallVector<int64_t> shape; ///< static shape, or {size}
  /// Shared (workgroup) memory: who last wrote and read each element, and
  /// in which barrier epoch, to find the races a missing barrier leaves.
  struct Access {
    int64_t writer = -1, writeEpoch = -1;
    int64_t reader = -1, readEpoch = -1; ///< reader -2: several threads
  };
  std::vector<Access> accesses; ///< empty unless shared
};

Type elementOf(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    return shaped.getElementType();
  return type;
}

/// `value` rounded to the float type `type`.
double roundTo(Type type, double value) {
  if (type.isF32())
    return float(value);
  if (type.isBF16())
    return bf16ToFloat(floatToBF16(float(value)));
  if (type.isF16())
    return halfToFloat(floatToHalf(float(value)));
  return value;
}

/// `value` wrapped to the integer type `type` (sign-extended).
int64_t wrapTo(Type type, int64_t value) {
  unsigned width = type.isIndex() ? 64 : type.getIntOrFloatBitWidth();
  if (width >= 64)
    return value;
  uint64_t mask = (uint64_t(1) << width) - 1;
  uint64_t bits = uint64_t(value) & mask;
  if (width > 1 && (bits >> (width - 1)) & 1)
    bits |= ~mask;
  return int64_t(bits);
}

uint64_t unsignedOf(Type type, int64_t value) {
  unsigned width = type.isIndex() ? 64 : type.getIntOrFloatBitWidth();
  return width >= 64 ? uint64_t(value)
                     : uint64_t(value) & ((uint64_t(1) << width) - 1);
}

/// The 16 bits of a bf16 or f16 value.
uint16_t halfBits(Type type, double value) {
  return type.isBF16() ? floatToBF16(float(value)) : floatToHalf(float(value));
}
double fromHalfBits(Type type, uint16_t bits) {
  return type.isBF16() ? bf16ToFloat(bits) : halfToFloat(bits);
}

class Emulator {
public:
  Emulator(gpu::GPUFuncOp kernel, int64_t threads)
      : kernel(kernel), threads(threads), active(threads, true) {}

  std::string error;

  void run(std::vector<EmulatedBuffer *> buffers, std::vector<int64_t> sizes,
           int64_t block) {
    blockId = block;
    values.clear();
    memories.clear();
    std::fill(active.begin(), active.end(), true);
    Block &entry = kernel.getBody().front();
    outputs.assign(buffers.size(), nullptr);
    for (unsigned a = 0; a < buffers.size(); ++a) {
      auto memory = std::make_unique<Memory>();
      EmulatedBuffer &buffer = *buffers[a];
      bool integers =
          !buffer.integers.empty() ||
          isa<IntegerType>(elementOf(entry.getArgument(a).getType()));
      size_t size = integers ? buffer.integers.size() : buffer.values.size();
      memory->shape = {int64_t(size)};
      memory->data.resize(size);
      for (size_t i = 0; i < size; ++i) {
        if (integers)
          memory->data[i].i = buffer.integers[i];
        else
          memory->data[i].f = buffer.values[i];
      }
      uniform(entry.getArgument(a), newMemory(std::move(memory)));
      outputs[a] = &buffer;
    }
    for (unsigned a = 0; a < sizes.size(); ++a) {
      Scalar s;
      s.i = sizes[a];
      uniform(entry.getArgument(buffers.size() + a), s);
    }
    for (BlockArgument arg : kernel.getWorkgroupAttributions()) {
      Scalar memory = allocate(cast<MemRefType>(arg.getType()));
      memories[memory.i]->accesses.resize(memories[memory.i]->data.size());
      uniform(arg, memory);
    }
    epoch = 0;
    for (BlockArgument arg : kernel.getPrivateAttributions()) {
      auto &perThread = values[arg.getAsOpaquePointer()];
      perThread.assign(threads, Lanes(1));
      for (int64_t t = 0; t < threads; ++t)
        perThread[t][0] = allocate(cast<MemRefType>(arg.getType()));
    }
    runBlock(entry);
    if (!error.empty())
      return;
    // Write back the float buffers (the results; arguments are unchanged).
    for (unsigned a = 0; a < outputs.size(); ++a) {
      if (!outputs[a]->integers.empty() ||
          isa<IntegerType>(elementOf(entry.getArgument(a).getType())))
        continue;
      Memory &out =
          *memories[values[entry.getArgument(a).getAsOpaquePointer()][0][0].i];
      for (size_t i = 0; i < out.data.size(); ++i)
        outputs[a]->values[i] = out.data[i].f;
    }
  }

private:
  Scalar newMemory(std::unique_ptr<Memory> memory) {
    memories.push_back(std::move(memory));
    Scalar s;
    s.i = int64_t(memories.size() - 1);
    return s;
  }
  Scalar allocate(MemRefType type) {
    auto memory = std::make_unique<Memory>();
    memory->shape.assign(type.getShape().begin(), type.getShape().end());
    memory->data.resize(type.getNumElements());
    return newMemory(std::move(memory));
  }
  void uniform(Value value, Scalar s) {
    values[value.getAsOpaquePointer()].assign(threads, Lanes{s});
  }
  std::vector<Lanes> &of(Value value) {
    auto it = values.find(value.getAsOpaquePointer());
    if (it == values.end()) {
      fail("use of a value with no definition");
      static std::vector<Lanes> none;
      none.assign(threads, Lanes(8));
      return none;
    }
    return it->second;
  }
  std::vector<Lanes> &result(Value value) {
    auto &perThread = values[value.getAsOpaquePointer()];
    if (perThread.size() != size_t(threads))
      perThread.assign(threads, Lanes());
    return perThread;
  }
  void fail(const std::string &why) {
    if (error.empty())
      error = why;
  }
  template <typename F> void forActive(F f) {
    for (int64_t t = 0; t < threads; ++t)
      if (active[t])
        f(t);
  }

  void runBlock(Block &block) {
    for (Operation &op : block) {
      if (!error.empty())
        return;
      exec(&op);
    }
  }

  /// The flat index of `indices` into `memory`.
  int64_t flatIndex(Memory &memory, OperandRange indices, int64_t t) {
    int64_t flat = 0;
    for (auto [d, index] : llvm::enumerate(indices))
      flat = flat * memory.shape[d] + of(index)[t][0].i;
    if (flat < 0 || flat >= int64_t(memory.data.size()))
      fail("out-of-bounds access at " + std::to_string(flat) + " of " +
           std::to_string(memory.data.size()));
    return flat;
  }
  /// Records thread t's access to elements [at, at + n) of shared memory;
  /// fails on a race: an element another thread wrote since the last
  /// barrier (read after write, write after write), or read since then
  /// (write after read), or a read of an element never written.
  void touch(Memory &m, int64_t at, int64_t n, int64_t t, bool write) {
    if (m.accesses.empty())
      return;
    for (int64_t e = at; e < at + n; ++e) {
      Memory::Access &a = m.accesses[e];
      auto race = [&](const char *kind, int64_t other) {
        fail(std::string(kind) + " race in shared memory at element " +
             std::to_string(e) + ": thread " + std::to_string(t) +
             " and thread " + std::to_string(other) +
             " with no barrier between");
      };
      if (a.writeEpoch == epoch && a.writer != t)
        return race(write ? "write-after-write" : "read-after-write", a.writer);
      if (write) {
        if (a.readEpoch == epoch && a.reader != t)
          return race("write-after-read", a.reader);
        a.writer = t;
        a.writeEpoch = epoch;
        continue;
      }
      if (a.writeEpoch < 0)
        return fail("read of shared memory never written, element " +
                    std::to_string(e));
      if (a.readEpoch != epoch) {
        a.reader = t;
        a.readEpoch = epoch;
      } else if (a.reader != t) {
        a.reader = -2;
      }
    }
  }

  Memory &memoryOf(Value memref, int64_t t) {
    return *memories[of(memref)[t][0].i];
  }

  void exec(Operation *op) {
    llvm::TypeSwitch<Operation *>(op)
        .Case([&](arith::ConstantOp c) { constant(c); })
        .Case([&](gpu::ThreadIdOp o) {
          auto &r = result(o);
          for (int64_t t = 0; t < threads; ++t) {
            r[t] = Lanes(1);
            r[t][0].i = t;
          }
        })
        .Case([&](gpu::BlockIdOp o) {
          Scalar s;
          s.i = blockId;
          uniform(o, s);
        })
        .Case([&](gpu::BarrierOp) { ++epoch; })
        .Case([&](gpu::ReturnOp) {})
        .Case([&](scf::ForOp o) { forLoop(o); })
        .Case([&](scf::IfOp o) { ifOp(o); })
        .Case([&](memref::LoadOp o) {
          auto &r = result(o);
          forActive([&](int64_t t) {
            Memory &m = memoryOf(o.getMemRef(), t);
            int64_t at = flatIndex(m, o.getIndices(), t);
            touch(m, at, 1, t, /*write=*/false);
            r[t] = Lanes{m.data[at]};
          });
        })
        .Case([&](memref::StoreOp o) {
          forActive([&](int64_t t) {
            Memory &m = memoryOf(o.getMemRef(), t);
            int64_t at = flatIndex(m, o.getIndices(), t);
            touch(m, at, 1, t, /*write=*/true);
            m.data[at] = of(o.getValue())[t][0];
          });
        })
        .Case([&](vector::LoadOp o) {
          auto &r = result(o);
          int64_t n = o.getVectorType().getNumElements();
          forActive([&](int64_t t) {
            Memory &m = memoryOf(o.getBase(), t);
            int64_t at = flatIndex(m, o.getIndices(), t);
            if (at + n > int64_t(m.data.size()))
              return fail("out-of-bounds vector load");
            touch(m, at, n, t, /*write=*/false);
            r[t].assign(m.data.begin() + at, m.data.begin() + at + n);
          });
        })
        .Case([&](vector::StoreOp o) {
          forActive([&](int64_t t) {
            Memory &m = memoryOf(o.getBase(), t);
            const Lanes &v = of(o.getValueToStore())[t];
            int64_t at = flatIndex(m, o.getIndices(), t);
            if (at + int64_t(v.size()) > int64_t(m.data.size()))
              return fail("out-of-bounds vector store");
            touch(m, at, int64_t(v.size()), t, /*write=*/true);
            std::copy(v.begin(), v.end(), m.data.begin() + at);
          });
        })
        .Case([&](memref::GetGlobalOp o) { getGlobal(o); })
        .Case([&](vector::BitCastOp o) { bitcast(o); })
        .Case([&](vector::ExtractOp o) {
          auto &r = result(o);
          int64_t position = o.getStaticPosition()[0];
          forActive(
              [&](int64_t t) { r[t] = Lanes{of(o.getSource())[t][position]}; });
        })
        .Case([&](vector::FromElementsOp o) {
          auto &r = result(o);
          forActive([&](int64_t t) {
            r[t].clear();
            for (Value e : o.getElements())
              r[t].push_back(of(e)[t][0]);
          });
        })
        .Case([&](LLVM::ExtractValueOp o) {
          auto &r = result(o);
          int64_t position = o.getPosition()[0];
          forActive([&](int64_t t) {
            r[t] = Lanes{of(o.getContainer())[t][position]};
          });
        })
        .Case([&](NVVM::MmaOp o) { mma(o); })
        .Case([&](gpu::ShuffleOp o) { shuffle(o); })
        .Default([&](Operation *other) { elementwise(other); });
  }

  void constant(arith::ConstantOp c) {
    Type type = c.getType();
    Lanes lanes;
    auto add = [&](Attribute a) {
      Scalar s;
      if (auto f = dyn_cast<FloatAttr>(a))
        s.f = f.getValueAsDouble();
      else if (auto i = dyn_cast<IntegerAttr>(a))
        s.i = i.getType().isInteger(1) ? int64_t(i.getValue().getBoolValue())
                                       : i.getValue().getSExtValue();
      else
        fail("unknown constant");
      lanes.push_back(s);
    };
    if (auto dense = dyn_cast<DenseElementsAttr>(c.getValue())) {
      for (Attribute a : dense.getValues<Attribute>())
        add(a);
    } else {
      add(c.getValue());
    }
    (void)type;
    values[c.getResult().getAsOpaquePointer()].assign(threads, lanes);
  }

  void getGlobal(memref::GetGlobalOp o) {
    auto module = kernel->getParentOfType<gpu::GPUModuleOp>();
    auto global = module.lookupSymbol<memref::GlobalOp>(o.getName());
    if (!global || !global.getInitialValue())
      return fail("unknown global");
    auto memory = std::make_unique<Memory>();
    memory->shape.assign(global.getType().getShape().begin(),
                         global.getType().getShape().end());
    for (APInt v : cast<DenseElementsAttr>(*global.getInitialValue())
                       .getValues<APInt>()) {
      Scalar s;
      s.i = v.getSExtValue();
      memory->data.push_back(s);
    }
    uniform(o, newMemory(std::move(memory)));
  }

  /// Element bits <-> integers, for vector<2xbf16|f16> <-> vector<1xi32>.
  void bitcast(vector::BitCastOp o) {
    Type from = o.getSourceVectorType().getElementType();
    Type to = o.getResultVectorType().getElementType();
    auto &r = result(o);
    forActive([&](int64_t t) {
      const Lanes &in = of(o.getSource())[t];
      if ((from.isBF16() || from.isF16()) && to.isInteger(32) &&
          in.size() == 2) {
        Scalar s;
        s.i = wrapTo(to, int64_t(halfBits(from, in[0].f)) |
                             (int64_t(halfBits(from, in[1].f)) << 16));
        r[t] = Lanes{s};
      } else {
        fail("unsupported vector.bitcast");
      }
    });
  }

  /// The two 16-bit values of an mma operand register, low half first.
  std::pair<double, double> pairOf(Type element, const Lanes &lanes) {
    if (lanes.size() == 2) // vector<2xf16>
      return {lanes[0].f, lanes[1].f};
    uint32_t bits = uint32_t(lanes[0].i);
    return {fromHalfBits(element, uint16_t(bits & 0xffff)),
            fromHalfBits(element, uint16_t(bits >> 16))};
  }

  void mma(NVVM::MmaOp o) {
    // bf16 operands are i32 registers with the type in the attribute; f16
    // ones are vector<2xf16>.
    Type element = (o.getMultiplicandAPtxType() &&
                    *o.getMultiplicandAPtxType() == NVVM::MMATypes::bf16)
                       ? Type(BFloat16Type::get(o.getContext()))
                       : Type(Float16Type::get(o.getContext()));
    auto shape = o.getShape();
    if (shape.getM() != 16 || shape.getN() != 8 || shape.getK() != 16 ||
        o.getOperandA().size() != 4 || o.getOperandB().size() != 2 ||
        o.getOperandC().size() != 4)
      return fail("unsupported mma shape");
    auto &r = result(o.getResult());
    for (int64_t warp = 0; warp * 32 < threads; ++warp) {
      double a[16][16], b[16][8], c[16][8];
      for (int lane = 0; lane < 32; ++lane) {
        int64_t t = warp * 32 + lane;
        if (!active[t])
          return fail("mma.sync with inactive lanes");
        int g = lane / 4, q = lane % 4;
        for (int reg = 0; reg < 4; ++reg) {
          auto [lo, hi] = pairOf(element, of(o.getOperandA()[reg])[t]);
          int row = g + 8 * (reg % 2), col = 2 * q + 8 * (reg / 2);
          a[row][col] = lo;
          a[row][col + 1] = hi;
        }
        for (int reg = 0; reg < 2; ++reg) {
          auto [lo, hi] = pairOf(element, of(o.getOperandB()[reg])[t]);
          int k = 2 * q + 8 * reg;
          b[k][g] = lo;
          b[k + 1][g] = hi;
        }
        for (int i = 0; i < 4; ++i)
          c[g + 8 * (i / 2)][2 * q + i % 2] = of(o.getOperandC()[i])[t][0].f;
      }
      for (int lane = 0; lane < 32; ++lane) {
        int64_t t = warp * 32 + lane;
        int g = lane / 4, q = lane % 4;
        r[t] = Lanes(4);
        for (int i = 0; i < 4; ++i) {
          int row = g + 8 * (i / 2), col = 2 * q + i % 2;
          double sum = c[row][col];
          for (int k = 0; k < 16; ++k)
            sum += a[row][k] * b[k][col];
          r[t][i].f = float(sum);
        }
      }
    }
  }

  void shuffle(gpu::ShuffleOp o) {
    if (o.getMode() != gpu::ShuffleMode::XOR)
      return fail("unsupported shuffle");
    auto &r = result(o.getShuffleResult());
    auto &valid = result(o.getValid());
    for (int64_t t = 0; t < threads; ++t) {
      if (!active[t])
        return fail("shuffle with inactive lanes");
      int64_t offset = of(o.getOffset())[t][0].i;
      int64_t other = (t & ~int64_t(31)) | ((t % 32) ^ offset);
      r[t] = of(o.getValue())[other];
      valid[t] = Lanes{Scalar{1, 0}};
    }
  }

  void forLoop(scf::ForOp o) {
    Block &body = *o.getBody();
    std::vector<bool> outer = active;
    std::vector<Lanes> iv(threads), lb = of(o.getLowerBound()),
                                    ub = of(o.getUpperBound()),
                                    step = of(o.getStep());
    unsigned n = o.getNumRegionIterArgs();
    std::vector<std::vector<Lanes>> carried(n);
    for (unsigned a = 0; a < n; ++a)
      carried[a] = of(o.getInitArgs()[a]);
    for (int64_t t = 0; t < threads; ++t)
      iv[t] = lb[t];
    auto yield = cast<scf::YieldOp>(body.getTerminator());
    while (error.empty()) {
      bool any = false;
      for (int64_t t = 0; t < threads; ++t) {
        active[t] = outer[t] && iv[t][0].i < ub[t][0].i;
        any |= active[t];
      }
      if (!any)
        break;
      values[body.getArgument(0).getAsOpaquePointer()] = iv;
      for (unsigned a = 0; a < n; ++a)
        values[body.getArgument(1 + a).getAsOpaquePointer()] = carried[a];
      for (Operation &inner : body.without_terminator()) {
        if (!error.empty())
          break;
        exec(&inner);
      }
      for (unsigned a = 0; a < n; ++a) {
        std::vector<Lanes> &next = of(yield.getOperand(a));
        for (int64_t t = 0; t < threads; ++t)
          if (active[t])
            carried[a][t] = next[t];
      }
      for (int64_t t = 0; t < threads; ++t)
        if (active[t])
          iv[t][0].i += step[t][0].i;
    }
    active = outer;
    for (unsigned a = 0; a < n; ++a)
      values[o.getResult(a).getAsOpaquePointer()] = carried[a];
  }

  void ifOp(scf::IfOp o) {
    if (o.getNumResults() != 0 || !o.getElseRegion().empty())
      return fail("unsupported scf.if");
    std::vector<bool> outer = active;
    std::vector<Lanes> &condition = of(o.getCondition());
    for (int64_t t = 0; t < threads; ++t)
      active[t] = outer[t] && condition[t][0].i != 0;
    for (Operation &inner : o.getThenRegion().front().without_terminator()) {
      if (!error.empty())
        break;
      exec(&inner);
    }
    active = outer;
  }

  /// arith and math ops, element by element.
  void elementwise(Operation *op) {
    StringRef dialect = op->getDialect()->getNamespace();
    bool log2 =
        isa<LLVM::CallIntrinsicOp>(op) &&
        cast<LLVM::CallIntrinsicOp>(op).getIntrin() == "llvm.nvvm.lg2.approx.f";
    if (op->getNumResults() != 1 ||
        (dialect != "arith" && dialect != "math" && !log2))
      return fail("unsupported op " + op->getName().getStringRef().str());
    Type type = elementOf(op->getResult(0).getType());
    Type operandType = elementOf(op->getOperand(0).getType());
    StringRef name = op->getName().getStringRef();
    auto &r = result(op->getResult(0));
    forActive([&](int64_t t) {
      size_t n = of(op->getOperand(0))[t].size();
      r[t] = Lanes(n);
      for (size_t e = 0; e < n; ++e) {
        auto in = [&](unsigned i) { return of(op->getOperand(i))[t][e]; };
        Scalar &out = r[t][e];
        if (auto cmp = dyn_cast<arith::CmpIOp>(op)) {
          int64_t x = in(0).i, y = in(1).i;
          uint64_t ux = unsignedOf(operandType, x),
                   uy = unsignedOf(operandType, y);
          using P = arith::CmpIPredicate;
          switch (cmp.getPredicate()) {
          case P::eq:
            out.i = x == y;
            break;
          case P::ne:
            out.i = x != y;
            break;
          case P::slt:
            out.i = x < y;
            break;
          case P::sle:
            out.i = x <= y;
            break;
          case P::sgt:
            out.i = x > y;
            break;
          case P::sge:
            out.i = x >= y;
            break;
          case P::ult:
            out.i = ux < uy;
            break;
          case P::ule:
            out.i = ux <= uy;
            break;
          case P::ugt:
            out.i = ux > uy;
            break;
          case P::uge:
            out.i = ux >= uy;
            break;
          }
          continue;
        }
        if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
          double x = in(0).f, y = in(1).f;
          bool ordered = !std::isnan(x) && !std::isnan(y);
          using P = arith::CmpFPredicate;
          switch (cmp.getPredicate()) {
          case P::OEQ:
            out.i = ordered && x == y;
            break;
          case P::ONE:
            out.i = ordered && x != y;
            break;
          case P::OLT:
            out.i = ordered && x < y;
            break;
          case P::OLE:
            out.i = ordered && x <= y;
            break;
          case P::OGT:
            out.i = ordered && x > y;
            break;
          case P::OGE:
            out.i = ordered && x >= y;
            break;
          case P::UNE:
            out.i = !ordered || x != y;
            break;
          default:
            fail("unsupported cmpf predicate");
          }
          continue;
        }
        if (isa<arith::SelectOp>(op)) {
          out = in(0).i ? in(1) : in(2);
          continue;
        }
        if (isa<arith::IndexCastOp, arith::TruncIOp>(op)) {
          out.i = wrapTo(type, in(0).i);
          continue;
        }
        if (isa<arith::TruncFOp>(op)) {
          out.f = roundTo(type, in(0).f);
          continue;
        }
        if (isa<FloatType>(type)) {
          double x = in(0).f, y = op->getNumOperands() > 1 ? in(1).f : 0;
          double v;
          if (name == "arith.addf")
            v = x + y;
          else if (name == "arith.subf")
            v = x - y;
          else if (name == "arith.mulf")
            v = x * y;
          else if (name == "arith.divf")
            v = x / y;
          else if (name == "arith.maxnumf")
            v = std::fmax(x, y);
          else if (name == "math.exp2")
            v = std::exp2(x);
          else if (log2)
            v = std::log2(x);
          else if (name == "math.fma")
            v = std::fma(x, y, in(2).f);
          else
            return fail("unsupported op " + name.str());
          out.f = roundTo(type, v);
          continue;
        }
        int64_t x = in(0).i, y = in(1).i;
        uint64_t ux = unsignedOf(type, x), uy = unsignedOf(type, y);
        if ((name.contains("div") || name.contains("rem")) && y == 0)
          return fail("division by zero in " + name.str());
        int64_t v;
        if (name == "arith.addi")
          v = x + y;
        else if (name == "arith.subi")
          v = x - y;
        else if (name == "arith.muli")
          v = int64_t(uint64_t(x) * uint64_t(y));
        else if (name == "arith.andi")
          v = x & y;
        else if (name == "arith.ori")
          v = x | y;
        else if (name == "arith.xori")
          v = x ^ y;
        else if (name == "arith.shrui")
          v = y >= 64 ? 0 : int64_t(ux >> y);
        else if (name == "arith.divui")
          v = int64_t(ux / uy);
        else if (name == "arith.remui")
          v = int64_t(ux % uy);
        else if (name == "arith.ceildivui")
          v = int64_t((ux + uy - 1) / uy);
        else if (name == "arith.divsi")
          v = x / y;
        else if (name == "arith.remsi")
          v = x % y;
        else if (name == "arith.floordivsi")
          v = x / y - ((x % y != 0) && ((x < 0) != (y < 0)));
        else if (name == "arith.ceildivsi")
          v = x / y + ((x % y != 0) && ((x < 0) == (y < 0)));
        else if (name == "arith.minsi")
          v = std::min(x, y);
        else if (name == "arith.maxsi")
          v = std::max(x, y);
        else if (name == "arith.minui")
          v = int64_t(std::min(ux, uy));
        else if (name == "arith.maxui")
          v = int64_t(std::max(ux, uy));
        else
          return fail("unsupported op " + name.str());
        out.i = wrapTo(type, v);
      }
    });
  }

  gpu::GPUFuncOp kernel;
  int64_t threads, blockId = 0;
  int64_t epoch = 0; ///< barriers passed in this block
  std::vector<bool> active;
  /// Per SSA value, per thread. Node-based, so references stay valid while
  /// other values are added.
  std::unordered_map<const void *, std::vector<Lanes>> values;
  std::vector<std::unique_ptr<Memory>> memories;
  std::vector<EmulatedBuffer *> outputs;
};

} // namespace

std::string emulateKernel(gpu::GPUFuncOp kernel,
                          std::vector<EmulatedBuffer *> buffers,
                          std::vector<int64_t> sizes, int64_t blocks,
                          int64_t threads) {
  Emulator emulator(kernel, threads);
  for (int64_t block = 0; block < blocks && emulator.error.empty(); ++block)
    emulator.run(buffers, sizes, block);
  return emulator.error;
}

} // namespace attn::testing
