//===- AttnToGPU.cpp - attn.attention functions to GPU kernels ------------===//
//
// convert-attn-to-gpu: checks each kernel function against what the GPU
// kernels support, picks the kind (tensor cores for f16 / bf16, SIMT for
// f32), creates `gpu.func @attn_kernel_<f>` in `gpu.module @attn_kernels`
// with its shared (and private) buffers, and records the facts the runtime
// launches it with.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/Passes.h"

#include "GPUKernelBuilder.h"

#include "attn/Codegen/KernelFunction.h"
#include "attn/Codegen/ScheduleFunction.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Runtime/KernelSymbols.h"

#include "mlir/IR/SymbolTable.h"

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOGPUPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Static shared memory a kernel may use (the limit without opting in).
constexpr int64_t kMaxSharedBytes = 48 * 1024;
/// Lanes of the host schedule function (LLVM splits them for the CPU the
/// library is built for).
constexpr int64_t kScheduleLanes = 8;

struct ConvertAttnToGPUPass
    : public mlir::attn::impl::ConvertAttnToGPUPassBase<ConvertAttnToGPUPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (func::FuncOp func : collectAttentionFunctions(module))
      if (failed(convert(module, func)))
        return signalPassFailure();
  }

  /// The spec of `op`'s kernel, or an error when the GPU kernels do not
  /// support its types, tiles or sizes.
  FailureOr<GPUKernelSpec> specFor(AttentionOp op, func::FuncOp func) {
    ScheduleAttr schedule = op.getScheduleAttr();
    auto fail = [&](const Twine &why) {
      return op.emitError()
             << "convert-attn-to-gpu: @" << func.getSymName() << " " << why;
    };
    GPUKernelSpec spec;
    spec.tileQ = schedule.getTileQ();
    spec.tileK = schedule.getTileK();
    spec.headDim = op.getQ().getType().getDimSize(3);
    spec.scale = op.getEffectiveScale();
    spec.pattern = op.getEffectivePattern();
    spec.banded = schedule.isBanded();
    spec.element = op.getQ().getType().getElementType();
    spec.hasLse = bool(op.getLse());
    int64_t elementBytes = spec.element.getIntOrFloatBitWidth() / 8;
    if (spec.element.isF16() || spec.element.isBF16()) {
      if (spec.tileQ % 16 != 0 || spec.tileQ > 128 || spec.tileK % 16 != 0 ||
          spec.headDim % 16 != 0)
        return fail("has tile_q = " + Twine(spec.tileQ) + ", tile_k = " +
                    Twine(spec.tileK) + ", D = " + Twine(spec.headDim) +
                    "; the tensor-core kernel needs tile_q a multiple of 16 "
                    "up to 128 (16 rows per warp) and tile_k and D multiples "
                    "of 16");
      spec.threads = 2 * spec.tileQ;
      // Rows padded by 16 bytes: a warp's reads of 8 rows hit 8 banks.
      spec.sharedRowStride = spec.headDim + 8;
    } else if (spec.element.isF32()) {
      if (spec.tileQ % 32 != 0 || spec.tileQ > 1024)
        return fail("has tile_q = " + Twine(spec.tileQ) +
                    "; the f32 kernel needs a multiple of 32 up to 1024 (one "
                    "thread per query row)");
      spec.threads = spec.tileQ;
      spec.sharedRowStride = spec.headDim;
    } else {
      std::string name;
      llvm::raw_string_ostream(name) << spec.element;
      return fail("uses " + name +
                  "; the GPU kernels support f16, bf16 and f32");
    }
    int64_t sharedBytes = 2 * spec.tileK * spec.sharedRowStride * elementBytes;
    if (sharedBytes > kMaxSharedBytes)
      return fail("needs " + Twine(sharedBytes / 1024) +
                  " KiB of shared memory for K and V tiles of " +
                  Twine(spec.tileK) + " keys with D = " + Twine(spec.headDim) +
                  "; the limit is " + Twine(kMaxSharedBytes / 1024) +
                  " KiB (use a smaller tile-k)");
    return spec;
  }

  /// Predicates may read constant tables (tensor.extract of an
  /// arith.constant, e.g. a block_sparse layout); kernels read them from
  /// constant globals of the gpu.module instead (i1 stored as i8).
  void moveConstantTablesToGlobals(gpu::GPUFuncOp kernel,
                                   gpu::GPUModuleOp gpuModule) {
    SymbolTable symbols(gpuModule);
    OpBuilder b(kernel.getContext());
    DenseMap<Attribute, memref::GlobalOp> globals;
    SmallVector<arith::ConstantOp> constants;
    kernel.walk([&](tensor::ExtractOp extract) {
      auto constant = extract.getTensor().getDefiningOp<arith::ConstantOp>();
      auto values =
          constant ? dyn_cast<DenseElementsAttr>(constant.getValue()) : nullptr;
      if (!values)
        return;
      auto tensorType = cast<RankedTensorType>(values.getType());
      Type element = tensorType.getElementType();
      bool isBool = element.isInteger(1);
      if (isBool) {
        element = b.getI8Type();
        SmallVector<int8_t> bytes;
        for (bool bit : values.getValues<bool>())
          bytes.push_back(bit);
        values = DenseElementsAttr::get(
            RankedTensorType::get(tensorType.getShape(), element),
            ArrayRef<int8_t>(bytes));
      }
      auto memrefType = MemRefType::get(tensorType.getShape(), element);
      memref::GlobalOp &global = globals[values];
      if (!global) {
        b.setInsertionPointToEnd(gpuModule.getBody());
        global = memref::GlobalOp::create(
            b, extract.getLoc(), "attn_table", b.getStringAttr("private"),
            memrefType, values, /*constant=*/true, /*alignment=*/nullptr);
        symbols.insert(global); // renames it when the name is taken
      }
      b.setInsertionPoint(extract);
      Value table = memref::GetGlobalOp::create(b, extract.getLoc(), memrefType,
                                                global.getName());
      Value loaded = memref::LoadOp::create(b, extract.getLoc(), table,
                                            extract.getIndices());
      if (isBool)
        loaded =
            arith::TruncIOp::create(b, extract.getLoc(), b.getI1Type(), loaded);
      extract.replaceAllUsesWith(loaded);
      extract.erase();
      constants.push_back(constant);
    });
    for (arith::ConstantOp constant : constants)
      if (constant->use_empty())
        constant.erase();
  }

  gpu::GPUModuleOp kernelModule(ModuleOp module) {
    if (auto existing =
            module.lookupSymbol<gpu::GPUModuleOp>(::attn::symbols::kGpuModule))
      return existing;
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    UnitAttr::get(module.getContext()));
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    return gpu::GPUModuleOp::create(b, module.getLoc(),
                                    ::attn::symbols::kGpuModule);
  }

  LogicalResult convert(ModuleOp module, func::FuncOp func) {
    FailureOr<KernelParts> ops =
        matchKernelFunction(func, "convert-attn-to-gpu");
    if (failed(ops))
      return failure();
    if (ops->merge)
      return ops->merge.emitError()
             << "convert-attn-to-gpu: an attn.merge of parts runs on the CPU "
                "only so far";
    AttentionOp op = ops->parts.front();
    if (TokenOrderAttrInterface order = op.getOrderAttr())
      return op.emitError() << "convert-attn-to-gpu: token orders (" << order
                            << ") run on the CPU only so far; compile "
                               "without attn-reorder";
    FailureOr<GPUKernelSpec> maybeSpec = specFor(op, func);
    if (failed(maybeSpec))
      return failure();
    GPUKernelSpec spec = *maybeSpec;
    MLIRContext *ctx = &getContext();
    Location loc = func.getLoc();
    std::string name = func.getSymName().str();

    OpBuilder b(ctx);
    KernelAttr contract =
        buildAttentionKernelAttr(func, *ops, /*vectorWidth=*/0, spec.threads);
    spec.parameters = kernelParametersOf(contract);
    if (contract.getSchedule() == ScheduleKind::Tables) {
      // The tables of a run-time N, built on the host once per N.
      b.setInsertionPoint(func);
      buildScheduleFunction(b, loc, name + ".schedule", spec.pattern,
                            spec.tileQ, spec.tileK, kScheduleLanes);
    }

    gpu::GPUModuleOp gpuModule = kernelModule(module);
    b.setInsertionPointToEnd(gpuModule.getBody());
    auto workgroup = gpu::AddressSpaceAttr::get(
        ctx, gpu::GPUDialect::getWorkgroupAddressSpace());
    auto sharedTile =
        MemRefType::get({spec.tileK * spec.sharedRowStride}, spec.element,
                        MemRefLayoutAttrInterface(), workgroup);
    SmallVector<Type> privateBuffers;
    if (spec.element.isF32())
      privateBuffers.push_back(MemRefType::get(
          {spec.tileK}, b.getF32Type(), MemRefLayoutAttrInterface(),
          gpu::AddressSpaceAttr::get(
              ctx, gpu::GPUDialect::getPrivateAddressSpace())));
    auto kernel = gpu::GPUFuncOp::create(
        b, loc, ::attn::symbols::kernel(name),
        b.getFunctionType(kernelParameterTypes(contract), {}),
        TypeRange{sharedTile, sharedTile}, privateBuffers);
    kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
    // Staging writes 16-byte vectors into the tiles.
    for (unsigned i = 0; i < 2; ++i)
      kernel.setWorkgroupAttributionAttr(
          i, LLVM::LLVMDialect::getAlignAttrName(), b.getI64IntegerAttr(16));
    kernel.setKnownBlockSizeAttr(
        b.getDenseI32ArrayAttr({int32_t(spec.threads), 1, 1}));
    kernel->setAttr(KernelAttr::getAttrName(), contract);

    b.setInsertionPointToStart(&kernel.getBody().front());
    if (spec.element.isF32())
      buildSimtKernel(b, loc, spec, kernel);
    else
      buildMmaKernel(b, loc, spec, kernel);
    gpu::ReturnOp::create(b, loc);
    moveConstantTablesToGlobals(kernel, gpuModule);
    func.erase();
    return success();
  }
};

} // namespace
