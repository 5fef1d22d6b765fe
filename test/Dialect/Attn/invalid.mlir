// RUN: attn-opt %s --split-input-file --verify-diagnostics

// One case per verifier rule of the ops, then one per pattern parameter.

func.func @qk_dynamic_head_dim(%q: tensor<1x1x8x?xf32>, %k: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{head dimension of 'q' must be static}}
  %s = attn.qk %q, %k : tensor<1x1x8x?xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @qk_zero_head_dim(%q: tensor<1x1x8x0xf32>, %k: tensor<1x1x8x0xf32>) {
  // expected-error @+1 {{head dimension of 'q' must be at least 1}}
  %s = attn.qk %q, %k : tensor<1x1x8x0xf32>, tensor<1x1x8x0xf32> -> tensor<1x1x8x8xf32>
  return
}

// -----

// Regression: D = 2^62 was accepted, and the tile-size checks of attn-tile
// and convert-attn-to-gpu overflowed.
func.func @attention_huge_head_dim(%q: tensor<1x1x8x4611686018427387904xf32>, %k: tensor<1x1x8x4611686018427387904xf32>, %v: tensor<1x1x8x4611686018427387904xf32>) {
  // expected-error @+1 {{head dimension of 'q' must be at most 65536, got 4611686018427387904}}
  %o = attn.attention %q, %k, %v : tensor<1x1x8x4611686018427387904xf32>, tensor<1x1x8x4611686018427387904xf32>, tensor<1x1x8x4611686018427387904xf32> -> tensor<1x1x8x4611686018427387904xf32>
  return
}

// -----

func.func @qk_head_dims_differ(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1x8x32xf32>) {
  // expected-error @+1 {{head dimension of 'k' (32) differs from 'q' (64)}}
  %s = attn.qk %q, %k : tensor<1x1x8x64xf32>, tensor<1x1x8x32xf32> -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @qk_element_types_differ(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1x8x64xf16>) {
  // expected-error @+1 {{element type of 'k' ('f16') must be that of 'q' ('f32')}}
  %s = attn.qk %q, %k : tensor<1x1x8x64xf32>, tensor<1x1x8x64xf16> -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @qk_scores_element_type(%q: tensor<1x1x8x64xf16>, %k: tensor<1x1x8x64xf16>) {
  // expected-error @+1 {{element type of 'scores' ('bf16') must be that of 'q' ('f16') or f32}}
  %s = attn.qk %q, %k : tensor<1x1x8x64xf16>, tensor<1x1x8x64xf16> -> tensor<1x1x8x8xbf16>
  return
}

// -----

func.func @qk_batch_differs(%q: tensor<2x1x8x64xf32>, %k: tensor<3x1x8x64xf32>) {
  // expected-error @+1 {{batch size of 'k' (3) differs from 'q' (2)}}
  %s = attn.qk %q, %k : tensor<2x1x8x64xf32>, tensor<3x1x8x64xf32> -> tensor<2x1x8x8xf32>
  return
}

// -----

func.func @qk_scores_batch(%q: tensor<2x1x8x64xf32>, %k: tensor<2x1x8x64xf32>) {
  // expected-error @+1 {{batch size of 'scores' (1) differs from 'q' (2)}}
  %s = attn.qk %q, %k : tensor<2x1x8x64xf32>, tensor<2x1x8x64xf32> -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @qk_grouped_heads(%q: tensor<1x6x8x64xf32>, %k: tensor<1x4x8x64xf32>) {
  // expected-error @+1 {{heads of 'q' (6) must be a multiple of the heads of 'k' (4)}}
  %s = attn.qk %q, %k : tensor<1x6x8x64xf32>, tensor<1x4x8x64xf32> -> tensor<1x6x8x8xf32>
  return
}

// -----

func.func @qk_no_kv_heads(%q: tensor<1x6x8x64xf32>, %k: tensor<1x0x8x64xf32>) {
  // expected-error @+1 {{'k' must have at least one head}}
  %s = attn.qk %q, %k : tensor<1x6x8x64xf32>, tensor<1x0x8x64xf32> -> tensor<1x6x8x8xf32>
  return
}

// -----

func.func @qk_scores_heads(%q: tensor<1x4x8x64xf32>, %k: tensor<1x2x8x64xf32>) {
  // expected-error @+1 {{heads of 'scores' (2) differs from 'q' (4)}}
  %s = attn.qk %q, %k : tensor<1x4x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @qk_query_length(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1x16x64xf32>) {
  // expected-error @+1 {{query length of 'scores' (16) differs from 'q' (8)}}
  %s = attn.qk %q, %k : tensor<1x1x8x64xf32>, tensor<1x1x16x64xf32> -> tensor<1x1x16x16xf32>
  return
}

// -----

func.func @qk_key_length(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1x16x64xf32>) {
  // expected-error @+1 {{key length of 'scores' (8) differs from 'k' (16)}}
  %s = attn.qk %q, %k : tensor<1x1x8x64xf32>, tensor<1x1x16x64xf32> -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @qk_negative_scale(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{scale must be finite and positive, got -1}}
  %s = attn.qk %q, %k {scale = -1.0 : f32} : tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @qk_zero_scale(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{scale must be finite and positive, got 0}}
  %s = attn.qk %q, %k {scale = 0.0 : f32} : tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @qk_infinite_scale(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{scale must be finite and positive, got inf}}
  %s = attn.qk %q, %k {scale = 0x7F800000 : f32} : tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @qk_nan_scale(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{scale must be finite and positive, got nan}}
  %s = attn.qk %q, %k {scale = 0x7FC00000 : f32} : tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @qk_rank(%q: tensor<1x8x64xf32>, %k: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{operand #0 must be rank-4 tensor of f32, f16 or bf16}}
  %s = attn.qk %q, %k : tensor<1x8x64xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @qk_integer(%q: tensor<1x1x8x64xi32>, %k: tensor<1x1x8x64xi32>) {
  // expected-error @+1 {{operand #0 must be rank-4 tensor of f32, f16 or bf16}}
  %s = attn.qk %q, %k : tensor<1x1x8x64xi32>, tensor<1x1x8x64xi32> -> tensor<1x1x8x8xi32>
  return
}

// -----

func.func @mask_types(%s: tensor<1x1x8x8xf32>) {
  // expected-error @+1 {{failed to verify that all of {scores, result} have same type}}
  %m = "attn.mask"(%s) <{pattern = #attn.causal}> : (tensor<1x1x8x8xf32>) -> tensor<1x1x8x4xf32>
  return
}

// -----

func.func @mask_not_a_pattern(%s: tensor<1x1x8x8xf32>) {
  // expected-error @+1 {{Invalid attribute `pattern` in property conversion: 1 : i32}}
  %m = "attn.mask"(%s) <{pattern = 1 : i32}> : (tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32>
  return
}

// -----

func.func @mask_global_out_of_range(%s: tensor<1x1x8x8xf32>) {
  // expected-error @+1 {{parameter 'tokens' of #attn.global holds position 8, out of range for 8 keys}}
  %m = attn.mask %s pattern(#attn.global<tokens = [0, 8]>) : tensor<1x1x8x8xf32>
  return
}

// -----

func.func @mask_layout_size(%s: tensor<1x1x8x8xf32>) {
  // expected-error @+1 {{parameter 'layout' of #attn.block_sparse is 2x2 but 8 keys in blocks of 2 need 4x4}}
  %m = attn.mask %s pattern(#attn.block_sparse<block = 2, layout = dense<true> : tensor<2x2xi1>>) : tensor<1x1x8x8xf32>
  return
}

// -----

func.func @mask_nested_extent(%s: tensor<1x1x8x8xf32>) {
  // expected-error @+1 {{parameter 'tokens' of #attn.global holds position 9, out of range for 8 keys}}
  %m = attn.mask %s pattern(#attn.union<[#attn.causal, #attn.intersect<[#attn.global<tokens = [9]>]>]>) : tensor<1x1x8x8xf32>
  return
}

// -----

func.func @softmax_axis(%s: tensor<1x1x8x8xf32>) {
  // expected-error @+1 {{axis 4 is out of range for a rank-4 tensor}}
  %p = attn.softmax %s {axis = 4 : i64} : tensor<1x1x8x8xf32>
  return
}

// -----

func.func @softmax_negative_axis(%s: tensor<1x1x8x8xf32>) {
  // expected-error @+1 {{axis -1 is out of range for a rank-4 tensor}}
  %p = attn.softmax %s {axis = -1 : i64} : tensor<1x1x8x8xf32>
  return
}

// -----

func.func @pv_dynamic_head_dim(%p: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x?xf32>) {
  // expected-error @+1 {{head dimension of 'v' must be static}}
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x?xf32> -> tensor<1x1x8x64xf32>
  return
}

// -----

func.func @pv_head_dim(%p: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{head dimension of 'output' (32) differs from 'v' (64)}}
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x8x32xf32>
  return
}

// -----

func.func @pv_output_element_type(%p: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x64xbf16>) {
  // expected-error @+1 {{element type of 'output' ('f32') must be that of 'v' ('bf16')}}
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x64xbf16> -> tensor<1x1x8x64xf32>
  return
}

// -----

func.func @pv_probs_element_type(%p: tensor<1x1x8x8xf16>, %v: tensor<1x1x8x64xbf16>) {
  // expected-error @+1 {{element type of 'probs' ('f16') must be that of 'v' ('bf16') or f32}}
  %o = attn.pv %p, %v : tensor<1x1x8x8xf16>, tensor<1x1x8x64xbf16> -> tensor<1x1x8x64xbf16>
  return
}

// -----

func.func @pv_key_length(%p: tensor<1x1x8x8xf32>, %v: tensor<1x1x9x64xf32>) {
  // expected-error @+1 {{key length of 'v' (9) differs from 'probs' (8)}}
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x9x64xf32> -> tensor<1x1x8x64xf32>
  return
}

// -----

func.func @pv_query_length(%p: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{query length of 'output' (7) differs from 'probs' (8)}}
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x7x64xf32>
  return
}

// -----

func.func @pv_grouped_heads(%p: tensor<1x3x8x8xf32>, %v: tensor<1x2x8x64xf32>) {
  // expected-error @+1 {{heads of 'probs' (3) must be a multiple of the heads of 'v' (2)}}
  %o = attn.pv %p, %v : tensor<1x3x8x8xf32>, tensor<1x2x8x64xf32> -> tensor<1x3x8x64xf32>
  return
}

// -----

func.func @pv_batch(%p: tensor<1x1x8x8xf32>, %v: tensor<2x1x8x64xf32>) {
  // expected-error @+1 {{batch size of 'v' (2) differs from 'probs' (1)}}
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<2x1x8x64xf32> -> tensor<1x1x8x64xf32>
  return
}

// -----

func.func @attention_kv_heads(%q: tensor<1x4x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{heads of 'v' (1) differs from 'k' (2)}}
  %o = attn.attention %q, %k, %v : tensor<1x4x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x1x8x64xf32> -> tensor<1x4x8x64xf32>
  return
}

// -----

func.func @attention_head_dims(%q: tensor<1x4x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{head dimension of 'v' (32) differs from 'q' (64)}}
  %o = attn.attention %q, %k, %v : tensor<1x4x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x32xf32> -> tensor<1x4x8x64xf32>
  return
}

// -----

func.func @attention_element_types(%q: tensor<1x4x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xbf16>) {
  // expected-error @+1 {{element type of 'v' ('bf16') must be that of 'q' ('f32')}}
  %o = attn.attention %q, %k, %v : tensor<1x4x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xbf16> -> tensor<1x4x8x64xf32>
  return
}

// -----

func.func @attention_key_lengths(%q: tensor<1x4x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x9x64xf32>) {
  // expected-error @+1 {{key length of 'v' (9) differs from 'k' (8)}}
  %o = attn.attention %q, %k, %v : tensor<1x4x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x9x64xf32> -> tensor<1x4x8x64xf32>
  return
}

// -----

func.func @attention_output(%q: tensor<1x4x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>) {
  // expected-error @+1 {{heads of 'output' (2) differs from 'q' (4)}}
  %o = attn.attention %q, %k, %v : tensor<1x4x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<1x2x8x64xf32>
  return
}

// -----

func.func @attention_grouped_heads(%q: tensor<1x4x8x64xf32>, %k: tensor<1x3x8x64xf32>, %v: tensor<1x3x8x64xf32>) {
  // expected-error @+1 {{heads of 'q' (4) must be a multiple of the heads of 'k' (3)}}
  %o = attn.attention %q, %k, %v : tensor<1x4x8x64xf32>, tensor<1x3x8x64xf32>, tensor<1x3x8x64xf32> -> tensor<1x4x8x64xf32>
  return
}

// -----

func.func @attention_scale(%q: tensor<1x4x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>) {
  // expected-error @+1 {{scale must be finite and positive, got -0.5}}
  %o = attn.attention %q, %k, %v {scale = -0.5 : f32} : tensor<1x4x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32> -> tensor<1x4x8x64xf32>
  return
}

// -----

func.func @attention_pattern_extent(%q: tensor<1x4x8x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{parameter 'layout' of #attn.block_sparse is 2x2 but 16 keys in blocks of 4 need 4x4}}
  %o = attn.attention %q, %k, %v pattern(#attn.block_sparse<block = 4, layout = dense<true> : tensor<2x2xi1>>) : tensor<1x4x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x4x8x64xf32>
  return
}

// -----

func.func @schedule_kind(%q: tensor<?x1x?x64xf32>, %k: tensor<?x1x?x64xf32>, %v: tensor<?x1x?x64xf32>) {
  // expected-error @+1 {{schedule kind "banded" does not fit the pattern (expected "tables")}}
  %o = attn.attention %q, %k, %v pattern(#attn.global<tokens = [0]>) {schedule = #attn.schedule<tile_q = 64, tile_k = 64, kind = "banded">} : tensor<?x1x?x64xf32>, tensor<?x1x?x64xf32>, tensor<?x1x?x64xf32> -> tensor<?x1x?x64xf32>
  return
}

// -----

func.func @schedule_tables_dynamic(%q: tensor<?x1x?x64xf32>, %k: tensor<?x1x?x64xf32>, %v: tensor<?x1x?x64xf32>) {
  // expected-error @+1 {{schedule tables need static Nq and Nk}}
  %o = attn.attention %q, %k, %v pattern(#attn.global<tokens = [0]>) {schedule = #attn.schedule<tile_q = 64, tile_k = 64, kind = "tables", tables = [0, 0, 0, 0]>} : tensor<?x1x?x64xf32>, tensor<?x1x?x64xf32>, tensor<?x1x?x64xf32> -> tensor<?x1x?x64xf32>
  return
}

// -----

func.func @schedule_tables_size(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1x8x64xf32>, %v: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{for 2 x 2 blocks: schedule tables of 3 entries are shorter than their header of 5 entries}}
  %o = attn.attention %q, %k, %v pattern(#attn.global<tokens = [0]>) {schedule = #attn.schedule<tile_q = 4, tile_k = 4, kind = "tables", tables = [1, 1, 1]>} : tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x8x64xf32>
  return
}

// -----

func.func @schedule_tables_entry(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1x8x64xf32>, %v: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{schedule tables list key block 9, out of range for 2 key blocks}}
  %o = attn.attention %q, %k, %v pattern(#attn.global<tokens = [0]>) {schedule = #attn.schedule<tile_q = 4, tile_k = 4, kind = "tables", tables = [5, 7, 8, 7, 8, 0, 9, 0]>} : tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x8x64xf32>
  return
}

// -----

// Pattern parameters.

// expected-error @+1 {{window<left = -1, right = 0> keeps no key (left + right must be >= 0)}}
#bad = #attn.window<left = -1, right = 0>

// -----

// expected-error @+1 {{parameter 'left' must be in [-2^62, 2^62], got -4611686018427387905}}
#bad = #attn.window<left = -4611686018427387905, right = 4611686018427387904>

// -----

// expected-error @+1 {{parameter 'right' must be in [-2^62, 2^62], got 4611686018427387905}}
#bad = #attn.window<left = 0, right = 4611686018427387905>

// -----

// expected-error @+1 {{parameter 'left' must be in [0, 2^62], got -3}}
#bad = #attn.dilated<left = -3, right = 0, dilation = 2>

// -----

// expected-error @+1 {{parameter 'right' must be in [0, 2^62], got -3}}
#bad = #attn.dilated<left = 3, right = -3, dilation = 2>

// -----

// expected-error @+1 {{parameter 'dilation' must be in [1, 2^62], got 0}}
#bad = #attn.dilated<left = 3, right = 3, dilation = 0>

// -----

// expected-error @+1 {{parameter 'tokens' must hold positions in [0, 2^62), got -2}}
#bad = #attn.global<tokens = [-2, 5]>

// -----

// expected-error @+1 {{parameter 'tokens' must be strictly increasing, got 5 before 5}}
#bad = #attn.global<tokens = [0, 5, 5]>

// -----

// expected-error @+1 {{parameter 'tokens' must be strictly increasing, got 5 before 1}}
#bad = #attn.global<tokens = [5, 1]>

// -----

// expected-error @+1 {{parameter 'stride' must be in [1, 2^62], got 0}}
#bad = #attn.strided<stride = 0>

// -----

// expected-error @+1 {{parameter 'tokens' must list at least one token}}
#bad = #attn.global<tokens = []>

// -----

// expected-error @+1 {{#attn.union needs at least one part}}
#bad = #attn.union<[]>

// -----

// expected-error @+1 {{parameter 'stride' must be in [1, 2^62], got -4}}
#bad = #attn.fixed<stride = -4, summary = 0>

// -----

// expected-error @+1 {{parameter 'summary' must be in [0, stride = 4], got 5}}
#bad = #attn.fixed<stride = 4, summary = 5>

// -----

// expected-error @+1 {{parameter 'summary' must be in [0, stride = 4], got -1}}
#bad = #attn.fixed<stride = 4, summary = -1>

// -----

// expected-error @+1 {{parameter 'block' must be in [1, 2^62], got 0}}
#bad = #attn.bigbird<block = 0, window = 3, global = 1, random = 2, seed = 0>

// -----

// expected-error @+1 {{parameter 'window' must be in [0, 2^62], got -3}}
#bad = #attn.bigbird<block = 4, window = -3, global = 1, random = 2, seed = 0>

// -----

// expected-error @+1 {{parameter 'global' must be in [0, 2^62], got -1}}
#bad = #attn.bigbird<block = 4, window = 3, global = -1, random = 2, seed = 0>

// -----

// expected-error @+1 {{parameter 'random' must be in [0, 16], got 17}}
#bad = #attn.bigbird<block = 4, window = 3, global = 1, random = 17, seed = 0>

// -----

// expected-error @+1 {{parameter 'seed' must be in [0, 9223372036854775807], got -1}}
#bad = #attn.bigbird<block = 4, window = 3, global = 1, random = 2, seed = -1>

// -----

// expected-error @+1 {{parameter 'block' must be in [1, 2^62], got 0}}
#bad = #attn.block_sparse<block = 0, layout = dense<true> : tensor<1x1xi1>>

// -----

// expected-error @+1 {{parameter 'layout' must be a non-empty square tensor<MxMxi1>, got 'tensor<2x3xi1>'}}
#bad = #attn.block_sparse<block = 4, layout = dense<true> : tensor<2x3xi1>>

// -----

// expected-error @+1 {{parameter 'layout' must be a non-empty square tensor<MxMxi1>, got 'tensor<2x2xi8>'}}
#bad = #attn.block_sparse<block = 4, layout = dense<1> : tensor<2x2xi8>>

// -----

// expected-error @+1 {{parameter 'layout' must be a non-empty square tensor<MxMxi1>, got 'tensor<4xi1>'}}
#bad = #attn.block_sparse<block = 4, layout = dense<true> : tensor<4xi1>>

// -----

// expected-error @+1 {{expected a mask pattern attribute, got 3 : i32}}
#bad = #attn.union<[#attn.causal, 3 : i32]>

// -----

// expected-error @+1 {{#attn.intersect needs at least one part}}
#bad = #attn.intersect<[]>

// -----

// expected-error @+1 {{expected ','}}
#bad = #attn.window<left = 3>

// -----

// expected-error @+2 {{expected integer value}}
// expected-error @+1 {{failed to parse Attn_StridedAttr parameter 'stride'}}
#bad = #attn.strided<stride = 2.5>

// -----

// expected-error @+1 {{unknown attribute `sliding` in dialect `attn`}}
#bad = #attn.sliding<left = 3, right = 3>

// -----

func.func @lse_query_length(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{query length of 'lse' (7) differs from 'output' (8)}}
  %o, %l = attn.attention %q, %k, %k : tensor<1x2x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x2x8x64xf32>, tensor<1x2x7xf32>
  return
}

// -----

func.func @lse_heads(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{heads of 'lse' (4) differs from 'output' (2)}}
  %o, %l = attn.attention %q, %k, %k : tensor<1x2x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x2x8x64xf32>, tensor<1x4x8xf32>
  return
}

// -----

func.func @lse_element_type(%q: tensor<1x2x8x64xbf16>, %k: tensor<1x2x16x64xbf16>) {
  // expected-error @+1 {{result #1 must be rank-3 tensor of f32 of 32-bit float values, but got 'tensor<1x2x8xbf16>'}}
  %o, %l = attn.attention %q, %k, %k : tensor<1x2x8x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16> -> tensor<1x2x8x64xbf16>, tensor<1x2x8xbf16>
  return
}

// -----

func.func @merge_one_part(%o: tensor<1x2x8x64xf32>, %l: tensor<1x2x8xf32>) {
  // expected-error @+1 {{'attn.merge' op needs at least 2 parts to merge, got 1}}
  %m, %ml = attn.merge %o, %l : tensor<1x2x8x64xf32>, tensor<1x2x8xf32>
  return
}

// -----

func.func @merge_odd(%o: tensor<1x2x8x64xf32>, %l: tensor<1x2x8xf32>) {
  // expected-error @+1 {{'attn.merge' takes pairs of (output, lse), got 3 operands}}
  %m, %ml = attn.merge %o, %l, %o : tensor<1x2x8x64xf32>, tensor<1x2x8xf32>
  return
}

// -----

func.func @merge_lse_shape(%o: tensor<1x2x8x64xf32>, %l: tensor<1x2x7xf32>) {
  // expected-error @+1 {{'attn.merge' op query length of 'lse' (7) differs from 'output' (8)}}
  %m, %ml = attn.merge %o, %l, %o, %l : tensor<1x2x8x64xf32>, tensor<1x2x7xf32>
  return
}

// -----

func.func @merge_mismatched_parts(%o: tensor<1x2x8x64xf32>, %p: tensor<1x2x9x64xf32>, %l: tensor<1x2x8xf32>) {
  // expected-error @+1 {{'attn.merge' op output of part 1 has type 'tensor<1x2x9x64xf32>', the result has 'tensor<1x2x8x64xf32>'}}
  %m, %ml = "attn.merge"(%o, %l, %p, %l) : (tensor<1x2x8x64xf32>, tensor<1x2x8xf32>, tensor<1x2x9x64xf32>, tensor<1x2x8xf32>) -> (tensor<1x2x8x64xf32>, tensor<1x2x8xf32>)
  return
}

// -----

func.func @merge_lse_type(%o: tensor<1x2x8x64xf32>, %l: tensor<1x2x8xf16>) {
  // expected-error @+1 {{must be rank-3 tensor of f32}}
  %m, %ml = attn.merge %o, %l, %o, %l : tensor<1x2x8x64xf32>, tensor<1x2x8xf16>
  return
}

// -----

func.func @schedule_tables_order(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1x8x64xf32>, %v: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{schedule tables have out-of-order starts at query block 0}}
  %o = attn.attention %q, %k, %v pattern(#attn.global<tokens = [0]>) {schedule = #attn.schedule<tile_q = 4, tile_k = 4, kind = "tables", tables = [5, 7, 8, 8, 8, 0, 1, 0]>} : tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x8x64xf32>
  return
}

// -----

func.func @banded_with_order(%q: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{schedule kind "banded" does not fit the pattern (expected "tables")}}
  %o = attn.attention %q, %q, %q pattern(#attn.dilated<left = 1, right = 1, dilation = 2>) {order = #attn.residue_order<modulus = 2>, schedule = #attn.schedule<tile_q = 4, tile_k = 4, kind = "banded">} : tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x8x64xf32>
  return
}

// -----

// expected-error @+1 {{parameter 'modulus' must be in [2, 2^31], got 1}}
#bad_order = #attn.residue_order<modulus = 1>

// -----

// expected-error @+1 {{parameter 'summary' must be in [0, stride], got 9}}
#bad_summary = #attn.summary_order<stride = 8, summary = 9>

// -----

func.func @order_with_static_tables(%q: tensor<1x1x8x64xf32>) {
  // expected-error @+1 {{a token order's schedule tables are built per call; static tables would list blocks of the original order}}
  %o = attn.attention %q, %q, %q pattern(#attn.global<tokens = [0]>) {order = #attn.residue_order<modulus = 2>, schedule = #attn.schedule<tile_q = 4, tile_k = 4, kind = "tables", tables = [5, 7, 8, 7, 8, 0, 1, 0]>} : tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32> -> tensor<1x1x8x64xf32>
  return
}
