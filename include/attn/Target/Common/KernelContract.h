//===- KernelContract.h - descriptors from #attn.kernel -------*- C++ -*-===//
//
// Every back end turns the contract attn-tile or convert-attn-to-gpu put on
// a kernel (#attn.kernel) into the runtime's records (attn/Runtime/
// KernelAbi.h): as C++ structs for a kernel loaded in-process (JIT), or as
// LLVM constants for a library. Both are built here, the LLVM ones from the
// records' field lists, so the compiler and the runtime read one layout.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_COMMON_KERNELCONTRACT_H
#define ATTN_TARGET_COMMON_KERNELCONTRACT_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Runtime/KernelAbi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Module.h"

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace mlir::attn {

/// The contract on a kernel function (func.func or gpu.func), or nullptr.
KernelAttr getKernelContract(Operation *kernel);

/// The ::attn::ElementKind of `type` (f32, f16, bf16, i32), or -1.
int64_t elementKindOf(Type type);
/// "f32", "f16", "bf16", ... as MLIR prints `type`.
std::string typeName(Type type);

/// The static head dimension of a kernel's tensors (0 if none has one).
int64_t headDimOf(KernelAttr kernel);
/// The element type the kernel computes in: that of its first argument.
Type computeTypeOf(KernelAttr kernel);

/// The ::attn::KernelTensor records of a kernel, with the names they point
/// to, owned together.
class KernelTensorRecords {
public:
  explicit KernelTensorRecords(KernelAttr kernel);
  // The records point into `names`.
  KernelTensorRecords(const KernelTensorRecords &) = delete;
  KernelTensorRecords &operator=(const KernelTensorRecords &) = delete;
  const ::attn::KernelTensor *data() const { return records.data(); }
  size_t size() const { return records.size(); }

private:
  std::deque<std::string> names;
  std::vector<::attn::KernelTensor> records;
};

/// Fills the fields every descriptor has (ATTN_KERNEL_COMMON_FIELDS) from
/// `kernel`; `name` and `tensors` must outlive `d`.
template <typename Descriptor>
void fillCommonFields(Descriptor &d, KernelAttr kernel, const char *name,
                      const KernelTensorRecords &tensors) {
  d.abiVersion = ::attn::kKernelAbiVersion;
  d.name = name;
  d.numArguments = int64_t(kernel.getArguments().size());
  d.numResults = int64_t(kernel.getResults().size());
  d.tensors = tensors.data();
  d.tileQ = kernel.getTileQ();
  d.tileK = kernel.getTileK();
  d.schedule = int64_t(kernel.getSchedule());
}

/// An LLVM constant of one of the runtime's records, set field by field by
/// name; the type and the order of the fields come from the record's field
/// list in attn/Runtime/KernelAbi.h.
class RecordConstant {
public:
  enum class Record { KernelTensor, KernelDescriptor, CudaImage, CudaKernel };

  RecordConstant(llvm::LLVMContext &ctx, Record record);
  /// The record's LLVM struct type.
  static llvm::StructType *typeOf(llvm::LLVMContext &ctx, Record record);

  RecordConstant &set(StringRef field, llvm::Constant *value);
  RecordConstant &set(StringRef field, int64_t value);
  RecordConstant &set(StringRef field, ArrayRef<int64_t> dims);
  /// The constant; every field must have been set.
  llvm::Constant *get();

private:
  struct Field {
    std::string name;
    llvm::Type *type;
  };
  llvm::LLVMContext &ctx;
  Record record;
  std::vector<Field> fields;
  std::vector<llvm::Constant *> values;
  unsigned indexOf(StringRef field) const;
};

/// A private constant global holding `data` (NUL-terminated with
/// `terminate`), 16-byte aligned.
llvm::Constant *emitBytes(llvm::Module &m, StringRef data, const Twine &name,
                          bool terminate);

/// Sets the common fields of a descriptor constant from `kernel`: its name
/// (`name` as a string global), its tensors (a private global array of
/// KernelTensor records) and its tiles and schedule.
void setCommonFields(RecordConstant &record, llvm::Module &m, KernelAttr kernel,
                     StringRef name);

/// Defines `int <entry>(const void *arg0, ..., void *res0, ..., int64_t
/// size0, ..., [trailing...])` in `m`: it packs its pointers and sizes into
/// arrays and returns `run(descriptor, arguments, results, sizes,
/// [trailing...])` (attn_run_kernel, attn_run_cuda_kernel). `trailing` are
/// the types of extra parameters passed on (a CUDA stream).
void emitCEntry(llvm::Module &m, KernelAttr kernel, StringRef entry,
                llvm::Constant *descriptor, StringRef run,
                ArrayRef<llvm::Type *> trailing = {});

} // namespace mlir::attn

#endif // ATTN_TARGET_COMMON_KERNELCONTRACT_H
