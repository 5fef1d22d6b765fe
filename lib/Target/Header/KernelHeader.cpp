//===- KernelHeader.cpp - the header of ahead-of-time kernels -------------===//

#include "attn/Target/Header/KernelHeader.h"

#include "attn/Runtime/KernelSymbols.h"
#include "attn/Target/Common/KernelContract.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/InterleavedRange.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>

using namespace mlir;
using namespace mlir::attn;

/// The keywords of C23 and C++23 (and the alternative operator spellings):
/// names a generated header cannot use for a function.
static bool isKeyword(StringRef name) {
  static const char *const keywords[] = {"alignas",
                                         "alignof",
                                         "and",
                                         "and_eq",
                                         "asm",
                                         "auto",
                                         "bitand",
                                         "bitor",
                                         "bool",
                                         "break",
                                         "case",
                                         "catch",
                                         "char",
                                         "char8_t",
                                         "char16_t",
                                         "char32_t",
                                         "class",
                                         "co_await",
                                         "co_return",
                                         "co_yield",
                                         "compl",
                                         "concept",
                                         "const",
                                         "const_cast",
                                         "consteval",
                                         "constexpr",
                                         "constinit",
                                         "continue",
                                         "decltype",
                                         "default",
                                         "delete",
                                         "do",
                                         "double",
                                         "dynamic_cast",
                                         "else",
                                         "enum",
                                         "explicit",
                                         "export",
                                         "extern",
                                         "false",
                                         "float",
                                         "for",
                                         "friend",
                                         "goto",
                                         "if",
                                         "inline",
                                         "int",
                                         "long",
                                         "mutable",
                                         "namespace",
                                         "new",
                                         "noexcept",
                                         "not",
                                         "not_eq",
                                         "nullptr",
                                         "operator",
                                         "or",
                                         "or_eq",
                                         "private",
                                         "protected",
                                         "public",
                                         "register",
                                         "reinterpret_cast",
                                         "requires",
                                         "restrict",
                                         "return",
                                         "short",
                                         "signed",
                                         "sizeof",
                                         "static",
                                         "static_assert",
                                         "static_cast",
                                         "struct",
                                         "switch",
                                         "template",
                                         "this",
                                         "thread_local",
                                         "throw",
                                         "true",
                                         "try",
                                         "typedef",
                                         "typeid",
                                         "typename",
                                         "typeof",
                                         "typeof_unqual",
                                         "union",
                                         "unsigned",
                                         "using",
                                         "virtual",
                                         "void",
                                         "volatile",
                                         "wchar_t",
                                         "while",
                                         "xor",
                                         "xor_eq",
                                         "_Alignas",
                                         "_Alignof",
                                         "_Atomic",
                                         "_BitInt",
                                         "_Bool",
                                         "_Complex",
                                         "_Decimal128",
                                         "_Decimal32",
                                         "_Decimal64",
                                         "_Generic",
                                         "_Imaginary",
                                         "_Noreturn",
                                         "_Static_assert",
                                         "_Thread_local"};
  return llvm::is_contained(keywords, name);
}

LogicalResult
mlir::attn::checkKernelNames(const std::vector<KernelAttr> &kernels,
                             std::string &error) {
  for (KernelAttr kernel : kernels) {
    StringRef name = kernel.getName();
    std::string why;
    if (name.empty() || llvm::isDigit(name.front()) ||
        !llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; }))
      why = "is not a C identifier (letters, digits and underscores, not "
            "starting with a digit)";
    else if (isKeyword(name))
      why = "is a C or C++ keyword";
    else if (name.front() == '_' || name.back() == '_' || name.contains("__"))
      why = "would make a reserved identifier (attn_<name>_f32 holds no __: "
            "the name may not start or end with _ or hold __)";
    if (why.empty())
      continue;
    error = ("@\"" + name + "\" " + why +
             ": a kernel's name becomes C and C++ names (attn_<name>_f32, "
             "attn::kernels::<name>); rename the function")
                .str();
    return failure();
  }
  return success();
}

namespace {

/// Writes the banner, the include guard and the includes; returns the guard.
std::string openHeader(llvm::raw_ostream &os, StringRef libraryName,
                       StringRef sourceName, StringRef layout,
                       StringRef runtimeHeader) {
  std::string guard = "ATTN_KERNELS_";
  for (char c : libraryName)
    guard += llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
  guard += "_H";
  os << "// Generated by attn-compile from " << sourceName
     << "; do not edit.\n//\n// Link the library of the same name and "
        "attn::runtime. "
     << layout << "\n\n";
  os << "#ifndef " << guard << "\n#define " << guard << "\n\n";
  os << "#include \"" << runtimeHeader
     << "\"\n#include \"attn/Runtime/TensorView.h\"\n\n#include <cstdint>\n\n";
  return guard;
}

void closeHeader(llvm::raw_ostream &os, StringRef guard) {
  os << "\n} // namespace attn::kernels\n\n#endif // " << guard << "\n";
}

} // namespace

namespace {

/// How one target spells a kernel's parameters in the header.
struct HeaderStyle {
  /// The C type of an argument (const) or a result buffer.
  std::function<std::string(KernelTensorAttr, bool isResult)> cPointer;
  StringRef view, mutableView; ///< the C++ view types
  StringRef cEntrySuffix;      ///< C parameters after the sizes
  StringRef cppTrailing;       ///< C++ parameters after the views
  StringRef descriptorType;
  std::function<std::string(StringRef)> cEntry, descriptor;
  StringRef run, trailingName; ///< attn::runKernel, the last argument
  bool namesElementType;       ///< "@f (bf16): ..." in the C section
};

/// "const float *q, const float *k, ..., float *out" for the C entry.
std::string cParameters(KernelAttr kernel, const HeaderStyle &style) {
  std::string text;
  llvm::raw_string_ostream os(text);
  bool first = true;
  for (auto [list, isResult] : {std::pair(kernel.getArguments(), false),
                                std::pair(kernel.getResults(), true)})
    for (Attribute attr : list) {
      auto tensor = cast<KernelTensorAttr>(attr);
      os << (first ? "" : ", ") << style.cPointer(tensor, isResult)
         << tensor.getName();
      first = false;
    }
  return text;
}

void emitKernels(llvm::raw_ostream &os, const std::vector<KernelAttr> &kernels,
                 const HeaderStyle &style) {
  os << "extern \"C\" {\n";
  for (KernelAttr k : kernels) {
    std::string name = k.getName().str();
    os << "/// @" << name;
    if (style.namesElementType)
      os << " (" << typeName(computeTypeOf(k)) << ")";
    os << ": returns 0 on success, else non-zero with attn_last_error().\n";
    os << "int " << style.cEntry(name) << "(" << cParameters(k, style)
       << ",\n    int64_t B, int64_t H, int64_t Hkv, int64_t Nq, int64_t Nk, "
          "int64_t D"
       << style.cEntrySuffix << ");\n";
    os << "extern const attn::" << style.descriptorType << " "
       << style.descriptor(name) << ";\n";
  }
  os << "}\n\nnamespace attn::kernels {\n";
  for (KernelAttr k : kernels) {
    std::string name = k.getName().str();
    os << "\n/// @" << name << ": ";
    if (ArrayAttr parts = k.getParts()) {
      // A kernel of merged parts: one stage each.
      os << "merged parts";
      for (auto [i, part] : llvm::enumerate(parts)) {
        auto p = cast<KernelPartAttr>(part);
        os << (i ? " + " : " ") << p.getPattern();
        if (p.getOrder())
          os << " (order " << p.getOrder() << ")";
      }
    } else {
      os << "pattern " << k.getPattern();
    }
    os << ", head dim " << headDimOf(k) << ", " << typeName(computeTypeOf(k))
       << ";\n";
    for (KernelTensorAttr tensor : k.getTensors())
      os << "/// " << tensor.getName() << ": " << tensor.getType() << " ["
         << llvm::interleaved(llvm::map_range(
                tensor.getSizes(),
                [](KernelSize size) { return stringifyKernelSize(size); }))
         << "]\n";
    os << "inline absl::Status " << name << "(";
    SmallVector<std::string> names[2];
    for (KernelTensorAttr tensor : k.getTensors()) {
      bool isResult = names[0].size() == k.getArguments().size();
      os << (names[0].empty() && names[1].empty() ? "" : ",\n    ")
         << "const attn::" << (isResult ? style.mutableView : style.view)
         << " &" << tensor.getName();
      names[isResult].push_back(tensor.getName().str());
    }
    os << ",\n    " << style.cppTrailing << ") {\n";
    os << "  const attn::" << style.view << " arguments[] = {"
       << llvm::join(names[0], ", ") << "};\n";
    os << "  const attn::" << style.mutableView << " results[] = {"
       << llvm::join(names[1], ", ") << "};\n";
    os << "  return attn::" << style.run << "(" << style.descriptor(name)
       << ", arguments, results, " << style.trailingName << ");\n}\n";
  }
}

/// float / int32_t / void by element type; const for arguments.
std::string cpuPointer(KernelTensorAttr tensor, bool isResult) {
  Type element = tensor.getType().getElementType();
  std::string base = element.isInteger(32) ? "int32_t" : "float";
  return (isResult ? "" : "const ") + base + " *";
}

std::string devicePointer(KernelTensorAttr, bool isResult) {
  return isResult ? "void *" : "const void *";
}

} // namespace

std::string mlir::attn::emitKernelHeader(const std::vector<KernelAttr> &kernels,
                                         StringRef libraryName,
                                         StringRef sourceName) {
  std::string text;
  llvm::raw_string_ostream os(text);
  std::string guard = openHeader(
      os, libraryName, sourceName,
      "Every function\n// takes contiguous row-major tensors, as the "
      "comment above its C++ API\n// lists them, and the sizes B, H, Hkv, "
      "Nq, Nk, D (H a multiple of Hkv).",
      "attn/Runtime/Kernel.h");
  HeaderStyle style{
      cpuPointer,
      "TensorView",
      "MutableTensorView",
      "",
      "attn::ThreadPool *pool = nullptr",
      "KernelDescriptor",
      [](StringRef f) { return ::attn::symbols::cEntry(f.str()); },
      [](StringRef f) { return ::attn::symbols::descriptor(f.str()); },
      "runKernel",
      "pool",
      /*namesElementType=*/false};
  emitKernels(os, kernels, style);
  closeHeader(os, guard);
  return text;
}

std::string
mlir::attn::emitCudaKernelHeader(const std::vector<KernelAttr> &kernels,
                                 StringRef libraryName, StringRef sourceName,
                                 StringRef report) {
  std::string text;
  llvm::raw_string_ostream os(text);
  std::string guard = openHeader(
      os, libraryName, sourceName,
      "GPU kernels: every\n// function takes device pointers to contiguous "
      "row-major tensors of its\n// element types, 16-byte aligned, as the "
      "comment above its C++ API lists\n// them, the sizes B, H, Hkv, Nq, Nk, "
      "D (H a multiple of Hkv) and a CUstream\n// (null: the default "
      "stream); it returns once the kernel is enqueued.",
      "attn/Runtime/CudaKernel.h");
  if (!report.empty()) {
    os << "// ptxas -v:\n";
    for (StringRef line : llvm::split(report.rtrim(), '\n'))
      os << "//   " << line.trim() << "\n";
    os << "\n";
  }
  HeaderStyle style{
      devicePointer,
      "DeviceTensorView",
      "MutableDeviceTensorView",
      ",\n    void *stream",
      "void *stream = nullptr",
      "CudaKernelDescriptor",
      [](StringRef f) { return ::attn::symbols::cudaCEntry(f.str()); },
      [](StringRef f) { return ::attn::symbols::cudaDescriptor(f.str()); },
      "launchCudaKernel",
      "stream",
      /*namesElementType=*/true};
  emitKernels(os, kernels, style);
  closeHeader(os, guard);
  return text;
}
