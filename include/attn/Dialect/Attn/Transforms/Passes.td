//===- Passes.td - attn dialect passes ---------------------*- tablegen -*-===//
//
// Passes on the attn dialect, kept in alphabetical order.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
#define ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnApproximateMathPass : Pass<"attn-approximate-math"> {
  let summary = "Replace math.exp (and friends) by vectorizable polynomials";
  let description = [{
    Applies upstream MLIR's polynomial approximations to `math` ops, so a
    `math.exp` on `vector<16xf32>` becomes straight-line FMAs instead of 16
    scalar `expf` calls after `convert-math-to-llvm`. Part of
    `attn-cpu-pipeline`.

    Before: `%e = math.exp %x : vector<16xf32>`; after: a range reduction,
    a polynomial in `math.fma`/`arith` ops and an exponent bit-shift.
  }];
  let dependentDialects = ["arith::ArithDialect", "math::MathDialect",
                           "vector::VectorDialect"];
}

def AttnCostPass : Pass<"attn-cost"> {
  let summary = "Print the predicted cost of every attention op";
  let description = [{
    For every `attn.attention` (the fused kernel, with the block schedule of
    `attn-sparsify` for the given tiles) and every unfused `attn.qk` chain
    (N x N scores materialized), prints a table over the sequence lengths
    `seq-lens`: useful and executed pairs and GFLOP (4 * D per pair per batch
    and head), exps, bytes moved, peak extra memory and the roofline time
    max(FLOPs / peak, bytes / bandwidth) for the given machine peaks. With
    `d-model`, also the whole layer: projections against the attention core
    and the N where the core overtakes them. Static sizes of the op win over
    the options. With `gpu-arch`, every fused op's GPU kernel is compiled
    (attn-cuda-pipeline, ptxas -v) and its static facts printed: registers,
    spilled bytes, stack, shared memory, threads per block and the blocks
    that fit on one SM at once. The IR is left unchanged; docs/cost-model.md
    has the equations.

    ```
    attn-opt --attn-cost="seq-lens=1024,4096" -o /dev/null examples/variants/causal.mlir
    attn-opt --attn-fuse --attn-cost="gpu-arch=sm_90" -o /dev/null examples/variants/causal.mlir
    ```
  }];
  let options = [
    ListOption<"seqLens", "seq-lens", "int64_t",
               "Sequence lengths (Nq = Nk); default: the op's, else 1024">,
    Option<"batch", "batch", "int64_t", /*default=*/"1",
           "Batch size where the IR leaves it dynamic">,
    Option<"heads", "heads", "int64_t", /*default=*/"1",
           "Query heads where the IR leaves them dynamic">,
    Option<"tileQ", "tile-q", "int64_t", /*default=*/"64", "Queries per tile">,
    Option<"tileK", "tile-k", "int64_t", /*default=*/"64", "Keys per tile">,
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "Threads (each holds its own scratch tiles)">,
    Option<"peakGflops", "peak-gflops", "double", /*default=*/"420",
           "FP32 FMA peak, GFLOP/s">,
    Option<"bandwidthGBs", "bandwidth-gbs", "double", /*default=*/"29",
           "Memory bandwidth, GB/s">,
    Option<"dModel", "d-model", "int64_t", /*default=*/"0",
           "Model width for the whole-layer cost (0: none)">,
    Option<"gpuArch", "gpu-arch", "std::string", /*default=*/"\"\"",
           "Also compile each fused op's GPU kernel for this architecture "
           "(sm_80, sm_90, ...) and print ptxas' static facts">,
  ];
}

def AttnFusePass : Pass<"attn-fuse"> {
  let summary = "Fuse qk -> [mask] -> softmax -> pv chains into attn.attention";
  let description = [{
    Recognizes the four-op chain (the mask is optional) and replaces it with
    one `attn.attention` carrying the pattern and the scale. Every
    intermediate value must have exactly one use and the softmax must run
    over the keys (axis 3); other chains are left alone, and so is a chain
    whose key and value head counts differ.

    Before:
    ```mlir
    %s = attn.qk %q, %k {scale = 0.125 : f32} : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x?xf32>
    %m = attn.mask %s pattern(#attn.causal) : tensor<?x?x?x?xf32>
    %p = attn.softmax %m : tensor<?x?x?x?xf32>
    %o = attn.pv %p, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
    ```
    After:
    ```mlir
    %o = attn.attention %q, %k, %v pattern(#attn.causal) {scale = 0.125 : f32}
           : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
    ```
  }];
}

def AttnPrintMaskPass : Pass<"attn-print-mask"> {
  let summary = "Print each op's mask pattern as a picture";
  let description = [{
    For every `attn.mask` and `attn.attention`, prints to stdout the mask at
    small sequence lengths: one line per query, `#` for a computed pair, `.`
    for a skipped one, with the exact pair count of the pattern
    (`countPairs`). With `block=b` it also prints the classification of the
    b x b tiles that the block schedule will use: `F` full (no per-element
    mask), `P` partial, `.` empty (skipped). The IR is left unchanged.

    Input:
    ```mlir
    %m = attn.mask %s pattern(#attn.window<left = 1, right = 0>) : tensor<1x1x4x4xf32>
    ```
    Output of `attn-opt --attn-print-mask="block=2" -o /dev/null`:
    ```
    // attn.mask in @f: #attn.window<left = 1, right = 0>
    // Nq = 4, Nk = 4: 7 of 16 pairs computed
    #...
    ##..
    .##.
    ..##
    // 2x2 tiles: F full, P partial, . empty
    P.
    PP
    ```
    Sizes default to the op's static sizes, else 16.
  }];
  let options = [
    Option<"seqQ", "seq-q", "int64_t", /*default=*/"0",
           "Query length to draw (0: the op's static size, else 16)">,
    Option<"seqK", "seq-k", "int64_t", /*default=*/"0",
           "Key length to draw (0: the op's static size, else seq-q)">,
    Option<"block", "block", "int64_t", /*default=*/"0",
           "Also classify tiles of block x block pairs (0: no tiles)">,
  ];
}

def AttnReorderPass : Pass<"attn-reorder"> {
  let summary = "Choose a token order under which the pattern is block-dense";
  let description = [{
    Patterns whose kept pairs are scattered in the original token order
    touch every key block: a dilated window keeps every d-th key, the fixed
    pattern's summary columns run through every stripe. Under a permutation
    of the tokens (DESIGN 4.3) they become block-dense: a dilated window is a
    plain window among the tokens of one residue mod d, the fixed pattern a
    prefix of the summary keys and a run of its own stripe once the summary
    keys come first. attn-reorder prices each candidate order with the cost
    model (executed pairs for `tile-q` x `tile-k` tiles at the op's N, or
    `seq` when N is dynamic) and attaches the cheapest as the op's `order`
    when it executes at most `threshold` of the pairs of the original order.
    The kernel then tiles the permuted rows and keys, gathers Q, K and V
    rows through the permutation, evaluates the mask on original positions
    and writes each row back in place: the results do not change.
    A pattern with no single good order may instead split into parts with
    disjoint kept pairs, each block-dense in its own order: the strided
    pattern becomes a band of the l - 1 keys before the query plus, under
    `#attn.residue_order<l>`, the keys a multiple of l back. The op is then
    replaced by one attn.attention per part (each with its lse) and an
    `attn.merge`, which attn-tile fuses into one kernel. Ops already
    scheduled or ordered, and the parts of a merge the user wrote, are left
    alone. `mode=force` attaches the first candidate whatever it costs,
    `mode=off` none.

    Before:
    ```mlir
    %o = attn.attention %q, %k, %v
           pattern(#attn.dilated<left = 64, right = 64, dilation = 2>) : ...
    ```
    After (`attn-reorder`):
    ```mlir
    %o = attn.attention %q, %k, %v
           pattern(#attn.dilated<left = 64, right = 64, dilation = 2>)
           {order = #attn.residue_order<modulus = 2>} : ...
    ```
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"auto\"",
           "auto (the cost model decides), force or off">,
    Option<"tileQ", "tile-q", "int64_t", /*default=*/"64",
           "Queries per tile, as attn-sparsify will use">,
    Option<"tileK", "tile-k", "int64_t", /*default=*/"64",
           "Keys per tile, as attn-sparsify will use">,
    Option<"seq", "seq", "int64_t", /*default=*/"4096",
           "The sequence length to price a dynamic N at">,
    Option<"threshold", "threshold", "double", /*default=*/"0.75",
           "Reorder when the order executes at most this share of the pairs">,
  ];
}

def AttnSparsifyPass : Pass<"attn-sparsify"> {
  let summary = "Attach the block schedule to attn.attention";
  let description = [{
    Chooses, for tiles of `tile-q` queries by `tile-k` keys, which key
    blocks each query block visits and which of them need the per-element
    mask. Banded patterns (dense, causal, window, dilated and their
    intersections) get `kind = "banded"`: closed-form key-block bounds for any
    N, split into partial edges and a full middle. Irregular patterns
    (global, strided, fixed, bigbird, block_sparse, unions) get
    `kind = "tables"`: per query block the partial and the full key blocks
    it visits, in O(visited blocks) entries
    (`[row_start (nqb + 1) | full_start (nqb) | key-block indices]`, see
    attn/Support/BlockTableLayout.h), built from the pattern's key ranges so
    that no [query blocks x key blocks] array ever exists. With static Nq
    and Nk the tables are computed now and stored in the attribute, up to
    `max-static-blocks` tile pairs (2^22: N = 131072 with 64 x 64 tiles,
    about a second to build); beyond that, with a
    dynamic N, or with a token order the kernel's schedule function builds
    them once per N on the host that runs it.

    Before:
    ```mlir
    %o = attn.attention %q, %k, %v pattern(#attn.causal) : ...
    ```
    After (`attn-sparsify="tile-q=64 tile-k=64"`):
    ```mlir
    %o = attn.attention %q, %k, %v pattern(#attn.causal)
           {schedule = #attn.schedule<tile_q = 64, tile_k = 64, kind = "banded">} : ...
    ```
  }];
  let options = [
    Option<"tileQ", "tile-q", "int64_t", /*default=*/"64",
           "Queries per tile (a multiple of the vector width)">,
    Option<"tileK", "tile-k", "int64_t", /*default=*/"64",
           "Keys per tile (a multiple of 4)">,
    Option<"maxStaticBlocks", "max-static-blocks", "int64_t",
           /*default=*/"4194304",
           "The most tile pairs whose tables are built at compile time">,
  ];
}

def AttnTilePass : Pass<"attn-tile", "::mlir::ModuleOp"> {
  let summary = "Lower attn.attention to a tiled online-softmax kernel";
  let description = [{
    Turns every function whose body is one scheduled `attn.attention` on its
    three arguments -- or several such ops, each with its lse, combined by one
    `attn.merge` whose results the function returns -- into a kernel on flat
    buffers: one per tensor (arguments, then results: the output, and the lse
    when the function returns it), the schedule tables, the sizes, the work
    items, the stage and an f32 per-row scratch:

    ```mlir
    func.func @f(%q: memref<?xf32>, %k: memref<?xf32>, %v: memref<?xf32>,
                 %out: memref<?xf32>, %tables: memref<?xi32>,
                 %B: index, %H: index, %Hkv: index, %Nq: index, %Nk: index,
                 %D: index, %begin: index, %end: index, %stage: index,
                 %scratch: memref<?xf32>)
        attributes {attn.kernel = #attn.kernel<name = "f", ...>}
    ```

    A merge becomes one stage per part (the runtime runs the stages one
    after another): each stage after the first starts every row's online
    softmax from what the stages before wrote (m = lse, l = 1, acc = O), so
    the merge costs no pass of its own. Parts must share the query tile, and
    at most one may need schedule tables.

    The kernel processes the work items [begin, end) of the flattened
    (batch, head, query block) space, so a runtime thread pool runs it in
    parallel. Per work item it keeps the running max m, running sum l and a
    rescaled accumulator (the online softmax of FlashAttention), visits the
    scheduled key blocks, evaluates the pattern's predicate only in partial
    blocks and never builds an N x N matrix. Scores are held transposed
    (keys x queries) so that both matrix products are broadcast-FMA
    micro-kernels on `vector<W x f32>` rows and the softmax needs no
    horizontal reductions. A fully masked row yields zeros.

    The kernel's contract with the runtime (its tensors with their roles,
    types and the call size of each dimension; tile sizes, schedule kind,
    pattern, vector width) is the typed `#attn.kernel` attribute
    `attn.kernel`. With an lse result, each row's m + ln l (-inf for a fully
    masked row) is stored beside its output.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes per vector (16 for AVX-512, 8 for AVX2)">,
  ];
  let dependentDialects = ["arith::ArithDialect", "math::MathDialect",
                           "memref::MemRefDialect", "scf::SCFDialect",
                           "tensor::TensorDialect", "vector::VectorDialect",
                           "func::FuncDialect"];
}

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
