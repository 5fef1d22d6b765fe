// RUN: attn-opt %s --split-input-file --verify-diagnostics

// The #attn.kernel contract's rules, one case each.

// expected-error @+1 {{kernel tensor 'q' is named twice}}
func.func private @twice() attributes {attn.kernel = #attn.kernel<name = "f", arguments = [#attn.kernel_tensor<"q", query, tensor<?x?x?x64xf32>, [batch, heads, queries, head_dim]>], results = [#attn.kernel_tensor<"q", output, tensor<?x?x?x64xf32>, [batch, heads, queries, head_dim]>], schedule = banded, tile_q = 64, tile_k = 64, pattern = #attn.causal>}

// -----

// expected-error @+1 {{a kernel of parts has at least 2 of them}}
func.func private @one_part() attributes {attn.kernel = #attn.kernel<name = "f", arguments = [#attn.kernel_tensor<"q", query, tensor<?x?x?x64xf32>, [batch, heads, queries, head_dim]>], results = [#attn.kernel_tensor<"o", output, tensor<?x?x?x64xf32>, [batch, heads, queries, head_dim]>], schedule = banded, tile_q = 64, tile_k = 64, pattern = #attn.causal, parts = [#attn.kernel_part<pattern = #attn.causal>]>}

// -----

// expected-error @+1 {{a kernel of parts runs on the CPU (threads must be 0)}}
func.func private @gpu_parts() attributes {attn.kernel = #attn.kernel<name = "f", arguments = [#attn.kernel_tensor<"q", query, tensor<?x?x?x64xf32>, [batch, heads, queries, head_dim]>], results = [#attn.kernel_tensor<"o", output, tensor<?x?x?x64xf32>, [batch, heads, queries, head_dim]>], schedule = banded, tile_q = 64, tile_k = 64, pattern = #attn.causal, threads = 128, parts = [#attn.kernel_part<pattern = #attn.causal>, #attn.kernel_part<pattern = #attn.window<left = 3, right = -1>>]>}

// -----

// expected-error @+1 {{kernel tiles must be positive}}
func.func private @tiles() attributes {attn.kernel = #attn.kernel<name = "f", arguments = [#attn.kernel_tensor<"q", query, tensor<?x?x?x64xf32>, [batch, heads, queries, head_dim]>], results = [#attn.kernel_tensor<"o", output, tensor<?x?x?x64xf32>, [batch, heads, queries, head_dim]>], schedule = banded, tile_q = 0, tile_k = 64, pattern = #attn.causal>}
