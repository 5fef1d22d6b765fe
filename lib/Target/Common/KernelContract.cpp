//===- KernelContract.cpp - descriptors from #attn.kernel -----------------===//

#include "attn/Target/Common/KernelContract.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::attn;

KernelAttr mlir::attn::getKernelContract(Operation *kernel) {
  return kernel ? kernel->getAttrOfType<KernelAttr>(KernelAttr::getAttrName())
                : KernelAttr();
}

int64_t mlir::attn::elementKindOf(Type type) {
  if (type.isF32())
    return ::attn::kElementF32;
  if (type.isF16())
    return ::attn::kElementF16;
  if (type.isBF16())
    return ::attn::kElementBF16;
  if (type.isInteger(32))
    return ::attn::kElementI32;
  return -1;
}

std::string mlir::attn::typeName(Type type) {
  std::string name;
  llvm::raw_string_ostream(name) << type;
  return name;
}

int64_t mlir::attn::headDimOf(KernelAttr kernel) {
  for (KernelTensorAttr tensor : kernel.getTensors())
    for (auto [dim, size] : llvm::enumerate(tensor.getSizes()))
      if (size == KernelSize::HeadDim && !tensor.getType().isDynamicDim(dim))
        return tensor.getType().getDimSize(dim);
  return 0;
}

Type mlir::attn::computeTypeOf(KernelAttr kernel) {
  return cast<KernelTensorAttr>(kernel.getArguments()[0])
      .getType()
      .getElementType();
}

KernelTensorRecords::KernelTensorRecords(KernelAttr kernel) {
  for (KernelTensorAttr tensor : kernel.getTensors()) {
    names.push_back(tensor.getName().str());
    ::attn::KernelTensor record{};
    record.name = names.back().c_str();
    record.role = int64_t(tensor.getRole());
    RankedTensorType type = tensor.getType();
    record.element = elementKindOf(type.getElementType());
    record.rank = type.getRank();
    for (int d = 0; d < ::attn::kMaxTensorRank; ++d) {
      bool inside = d < type.getRank();
      record.sizes[d] = inside ? int64_t(tensor.getSizes()[d]) : 0;
      record.staticDims[d] =
          inside && !type.isDynamicDim(d) ? type.getDimSize(d) : -1;
    }
    records.push_back(record);
  }
}

//===----------------------------------------------------------------------===//
// LLVM constants
//===----------------------------------------------------------------------===//

namespace {
enum class FieldKind { INT, PTR, DIMS };
struct FieldSpec {
  const char *name;
  FieldKind kind;
};
#define ATTN_FIELD_SPEC(KIND, TYPE, NAME) {#NAME, FieldKind::KIND},
const FieldSpec tensorFields[] = {ATTN_KERNEL_TENSOR_FIELDS(ATTN_FIELD_SPEC)};
const FieldSpec descriptorFields[] = {
    ATTN_KERNEL_DESCRIPTOR_FIELDS(ATTN_FIELD_SPEC)};
const FieldSpec imageFields[] = {ATTN_CUDA_IMAGE_FIELDS(ATTN_FIELD_SPEC)};
const FieldSpec cudaFields[] = {
    ATTN_CUDA_KERNEL_DESCRIPTOR_FIELDS(ATTN_FIELD_SPEC)};
#undef ATTN_FIELD_SPEC

ArrayRef<FieldSpec> fieldsOf(RecordConstant::Record record) {
  switch (record) {
  case RecordConstant::Record::KernelTensor:
    return tensorFields;
  case RecordConstant::Record::KernelDescriptor:
    return descriptorFields;
  case RecordConstant::Record::CudaImage:
    return imageFields;
  case RecordConstant::Record::CudaKernel:
    return cudaFields;
  }
  llvm_unreachable("unknown record");
}

llvm::Type *llvmTypeOf(llvm::LLVMContext &ctx, FieldKind kind) {
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx);
  switch (kind) {
  case FieldKind::INT:
    return i64;
  case FieldKind::PTR:
    return llvm::PointerType::getUnqual(ctx);
  case FieldKind::DIMS:
    return llvm::ArrayType::get(i64, ::attn::kMaxTensorRank);
  }
  llvm_unreachable("unknown field kind");
}
} // namespace

RecordConstant::RecordConstant(llvm::LLVMContext &ctx, Record record)
    : ctx(ctx), record(record) {
  for (const FieldSpec &field : fieldsOf(record))
    fields.push_back({field.name, llvmTypeOf(ctx, field.kind)});
  values.assign(fields.size(), nullptr);
}

llvm::StructType *RecordConstant::typeOf(llvm::LLVMContext &ctx,
                                         Record record) {
  std::vector<llvm::Type *> types;
  for (const FieldSpec &field : fieldsOf(record))
    types.push_back(llvmTypeOf(ctx, field.kind));
  return llvm::StructType::get(ctx, types);
}

unsigned RecordConstant::indexOf(StringRef field) const {
  for (unsigned i = 0; i < fields.size(); ++i)
    if (fields[i].name == field)
      return i;
  llvm::report_fatal_error("attn: no descriptor field '" + field + "'");
}

RecordConstant &RecordConstant::set(StringRef field, llvm::Constant *value) {
  values[indexOf(field)] = value;
  return *this;
}

RecordConstant &RecordConstant::set(StringRef field, int64_t value) {
  return set(field, llvm::ConstantInt::get(llvm::Type::getInt64Ty(ctx), value,
                                           /*IsSigned=*/true));
}

RecordConstant &RecordConstant::set(StringRef field, ArrayRef<int64_t> dims) {
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx);
  std::vector<llvm::Constant *> entries;
  for (int d = 0; d < ::attn::kMaxTensorRank; ++d)
    entries.push_back(llvm::ConstantInt::get(
        i64, d < int(dims.size()) ? dims[d] : 0, /*IsSigned=*/true));
  return set(field,
             llvm::ConstantArray::get(
                 llvm::ArrayType::get(i64, ::attn::kMaxTensorRank), entries));
}

llvm::Constant *RecordConstant::get() {
  for (unsigned i = 0; i < fields.size(); ++i)
    if (!values[i])
      llvm::report_fatal_error("attn: descriptor field '" +
                               Twine(fields[i].name) + "' was not set");
  return llvm::ConstantStruct::get(typeOf(ctx, record), values);
}

llvm::Constant *mlir::attn::emitBytes(llvm::Module &m, StringRef data,
                                      const Twine &name, bool terminate) {
  auto *init =
      llvm::ConstantDataArray::getString(m.getContext(), data, terminate);
  auto *global =
      new llvm::GlobalVariable(m, init->getType(), /*isConstant=*/true,
                               llvm::GlobalValue::PrivateLinkage, init, name);
  global->setAlignment(llvm::Align(16));
  return global;
}

void mlir::attn::setCommonFields(RecordConstant &record, llvm::Module &m,
                                 KernelAttr kernel, StringRef name) {
  llvm::LLVMContext &ctx = m.getContext();
  KernelTensorRecords tensors(kernel);
  std::vector<llvm::Constant *> entries;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const ::attn::KernelTensor &t = tensors.data()[i];
    RecordConstant entry(ctx, RecordConstant::Record::KernelTensor);
    entry
        .set("name",
             emitBytes(m, t.name,
                       "attn.tensor." + kernel.getName() + "." + t.name, true))
        .set("role", t.role)
        .set("element", t.element)
        .set("rank", t.rank)
        .set("sizes", ArrayRef<int64_t>(t.sizes))
        .set("staticDims", ArrayRef<int64_t>(t.staticDims));
    entries.push_back(entry.get());
  }
  auto *arrayTy = llvm::ArrayType::get(
      RecordConstant::typeOf(ctx, RecordConstant::Record::KernelTensor),
      entries.size());
  auto *array = new llvm::GlobalVariable(
      m, arrayTy, /*isConstant=*/true, llvm::GlobalValue::PrivateLinkage,
      llvm::ConstantArray::get(arrayTy, entries),
      "attn.tensors." + kernel.getName());
  record.set("abiVersion", ::attn::kKernelAbiVersion)
      .set("name", emitBytes(m, name, "attn.name." + kernel.getName(), true))
      .set("numArguments", int64_t(kernel.getArguments().size()))
      .set("numResults", int64_t(kernel.getResults().size()))
      .set("tensors", array)
      .set("tileQ", kernel.getTileQ())
      .set("tileK", kernel.getTileK())
      .set("schedule", int64_t(kernel.getSchedule()));
}

void mlir::attn::emitCEntry(llvm::Module &m, KernelAttr kernel, StringRef entry,
                            llvm::Constant *descriptor, StringRef run,
                            ArrayRef<llvm::Type *> trailing) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx);
  llvm::Type *i32 = llvm::Type::getInt32Ty(ctx);
  llvm::PointerType *ptr = llvm::PointerType::getUnqual(ctx);
  unsigned numArguments = kernel.getArguments().size();
  unsigned numResults = kernel.getResults().size();
  std::vector<llvm::Type *> params(numArguments + numResults, ptr);
  params.insert(params.end(), ::attn::kNumSizes, i64);
  params.insert(params.end(), trailing.begin(), trailing.end());
  std::vector<llvm::Type *> runParams = {ptr, ptr, ptr, ptr};
  runParams.insert(runParams.end(), trailing.begin(), trailing.end());
  llvm::FunctionCallee callee = m.getOrInsertFunction(
      run, llvm::FunctionType::get(i32, runParams, false));
  auto *function =
      llvm::Function::Create(llvm::FunctionType::get(i32, params, false),
                             llvm::GlobalValue::ExternalLinkage, entry, m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", function));
  auto array = [&](llvm::Type *element, unsigned count, unsigned first) {
    llvm::Value *slots =
        b.CreateAlloca(llvm::ArrayType::get(element, std::max(count, 1u)));
    for (unsigned i = 0; i < count; ++i)
      b.CreateStore(
          function->getArg(first + i),
          b.CreateConstInBoundsGEP2_32(
              llvm::ArrayType::get(element, std::max(count, 1u)), slots, 0, i));
    return slots;
  };
  std::vector<llvm::Value *> args = {
      descriptor, array(ptr, numArguments, 0),
      array(ptr, numResults, numArguments),
      array(i64, ::attn::kNumSizes, numArguments + numResults)};
  for (unsigned i = 0; i < trailing.size(); ++i)
    args.push_back(
        function->getArg(numArguments + numResults + ::attn::kNumSizes + i));
  b.CreateRet(b.CreateCall(callee, args));
}
