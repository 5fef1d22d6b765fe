// RUN: attn-opt %s --split-input-file --attn-cost -o /dev/null 2>/dev/null | FileCheck %s
// RUN: attn-opt %s --split-input-file --attn-cost -o /dev/null 2>&1 >/dev/null | FileCheck %s --check-prefix=WARN
// RUN: attn-opt %s --split-input-file --attn-cost="tile-q=1024 tile-k=1024" -o /dev/null 2>&1 >/dev/null | FileCheck %s --check-prefix=BIGWARN
// RUN: attn-opt %s --split-input-file --attn-cost="tile-q=1024 tile-k=1024" -o /dev/null 2>/dev/null | FileCheck %s --check-prefix=BIG

// Pricing builds the schedule; BigBird at N = 2^20 has no key ranges, so
// its 2^28 tiles would each be classified (regression: 45 s). attn-cost
// skips that N with a warning; with 1024 x 1024 tiles (2^20 tiles) it
// prices it.
// WARN: warning: attn-cost: skipping N = 1048576: its schedule would classify more than 2^24 tiles, the most attn-cost builds (use larger tiles or a smaller N)
// CHECK: // attn-cost: @long attn.attention
// CHECK-NOT: // 1048576
// BIGWARN-NOT: skipping N = 1048576
// BIG: // attn-cost: @long attn.attention
// BIG: //  1048576
func.func @long(%q: tensor<1x1x1048576x64xf32>, %k: tensor<1x1x1048576x64xf32>, %v: tensor<1x1x1048576x64xf32>) -> tensor<1x1x1048576x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.bigbird<block = 64, window = 3, global = 2, random = 3, seed = 1>) : tensor<1x1x1048576x64xf32>, tensor<1x1x1048576x64xf32>, tensor<1x1x1048576x64xf32> -> tensor<1x1x1048576x64xf32>
  return %o : tensor<1x1x1048576x64xf32>
}

// -----

// A static N past 2^20 (the range of seq-lens) is skipped with a warning
// (regression: dense attention at N = 2^22 ran past 30 s).
// WARN: warning: attn-cost: skipping N = 4194304: attn-cost prices N up to 2^20
// CHECK: // attn-cost: @longer attn.attention #attn.dense
// CHECK-NOT: // 4194304
func.func @longer(%q: tensor<1x1x4194304x64xf32>, %k: tensor<1x1x4194304x64xf32>, %v: tensor<1x1x4194304x64xf32>) -> tensor<1x1x4194304x64xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x4194304x64xf32>, tensor<1x1x4194304x64xf32>, tensor<1x1x4194304x64xf32> -> tensor<1x1x4194304x64xf32>
  return %o : tensor<1x1x4194304x64xf32>
}
