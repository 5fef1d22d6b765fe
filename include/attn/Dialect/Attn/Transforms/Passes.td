//===- Passes.td - attn dialect passes ---------------------*- tablegen -*-===//
//
// Passes on the attn dialect, kept in alphabetical order.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
#define ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

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

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
