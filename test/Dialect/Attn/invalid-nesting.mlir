// RUN: attn-opt %s --split-input-file --verify-diagnostics

// Patterns nest at most 64 union / intersect levels (regression: 5000
// levels overflowed the parser's stack). 64 levels parse:

func.func @deepest(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %o = attn.attention %q, %k, %v pattern(#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.causal, #attn.window<left = 0, right = 0>]>, #attn.window<left = 1, right = 0>]>, #attn.window<left = 2, right = 0>]>, #attn.window<left = 3, right = 0>]>, #attn.window<left = 4, right = 0>]>, #attn.window<left = 5, right = 0>]>, #attn.window<left = 6, right = 0>]>, #attn.window<left = 7, right = 0>]>, #attn.window<left = 8, right = 0>]>, #attn.window<left = 9, right = 0>]>, #attn.window<left = 10, right = 0>]>, #attn.window<left = 11, right = 0>]>, #attn.window<left = 12, right = 0>]>, #attn.window<left = 13, right = 0>]>, #attn.window<left = 14, right = 0>]>, #attn.window<left = 15, right = 0>]>, #attn.window<left = 16, right = 0>]>, #attn.window<left = 17, right = 0>]>, #attn.window<left = 18, right = 0>]>, #attn.window<left = 19, right = 0>]>, #attn.window<left = 20, right = 0>]>, #attn.window<left = 21, right = 0>]>, #attn.window<left = 22, right = 0>]>, #attn.window<left = 23, right = 0>]>, #attn.window<left = 24, right = 0>]>, #attn.window<left = 25, right = 0>]>, #attn.window<left = 26, right = 0>]>, #attn.window<left = 27, right = 0>]>, #attn.window<left = 28, right = 0>]>, #attn.window<left = 29, right = 0>]>, #attn.window<left = 30, right = 0>]>, #attn.window<left = 31, right = 0>]>, #attn.window<left = 32, right = 0>]>, #attn.window<left = 33, right = 0>]>, #attn.window<left = 34, right = 0>]>, #attn.window<left = 35, right = 0>]>, #attn.window<left = 36, right = 0>]>, #attn.window<left = 37, right = 0>]>, #attn.window<left = 38, right = 0>]>, #attn.window<left = 39, right = 0>]>, #attn.window<left = 40, right = 0>]>, #attn.window<left = 41, right = 0>]>, #attn.window<left = 42, right = 0>]>, #attn.window<left = 43, right = 0>]>, #attn.window<left = 44, right = 0>]>, #attn.window<left = 45, right = 0>]>, #attn.window<left = 46, right = 0>]>, #attn.window<left = 47, right = 0>]>, #attn.window<left = 48, right = 0>]>, #attn.window<left = 49, right = 0>]>, #attn.window<left = 50, right = 0>]>, #attn.window<left = 51, right = 0>]>, #attn.window<left = 52, right = 0>]>, #attn.window<left = 53, right = 0>]>, #attn.window<left = 54, right = 0>]>, #attn.window<left = 55, right = 0>]>, #attn.window<left = 56, right = 0>]>, #attn.window<left = 57, right = 0>]>, #attn.window<left = 58, right = 0>]>, #attn.window<left = 59, right = 0>]>, #attn.window<left = 60, right = 0>]>, #attn.window<left = 61, right = 0>]>, #attn.window<left = 62, right = 0>]>, #attn.window<left = 63, right = 0>]>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// -----

// 65 levels written inline: the parser stops at the 65th.
func.func @too_deep(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  // expected-error @+1 {{mask patterns nest at most 64 #attn.union / #attn.intersect levels deep}}
  %o = attn.attention %q, %k, %v pattern(#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.intersect<[#attn.union<[#attn.causal, #attn.window<left = 0, right = 0>]>, #attn.window<left = 1, right = 0>]>, #attn.window<left = 2, right = 0>]>, #attn.window<left = 3, right = 0>]>, #attn.window<left = 4, right = 0>]>, #attn.window<left = 5, right = 0>]>, #attn.window<left = 6, right = 0>]>, #attn.window<left = 7, right = 0>]>, #attn.window<left = 8, right = 0>]>, #attn.window<left = 9, right = 0>]>, #attn.window<left = 10, right = 0>]>, #attn.window<left = 11, right = 0>]>, #attn.window<left = 12, right = 0>]>, #attn.window<left = 13, right = 0>]>, #attn.window<left = 14, right = 0>]>, #attn.window<left = 15, right = 0>]>, #attn.window<left = 16, right = 0>]>, #attn.window<left = 17, right = 0>]>, #attn.window<left = 18, right = 0>]>, #attn.window<left = 19, right = 0>]>, #attn.window<left = 20, right = 0>]>, #attn.window<left = 21, right = 0>]>, #attn.window<left = 22, right = 0>]>, #attn.window<left = 23, right = 0>]>, #attn.window<left = 24, right = 0>]>, #attn.window<left = 25, right = 0>]>, #attn.window<left = 26, right = 0>]>, #attn.window<left = 27, right = 0>]>, #attn.window<left = 28, right = 0>]>, #attn.window<left = 29, right = 0>]>, #attn.window<left = 30, right = 0>]>, #attn.window<left = 31, right = 0>]>, #attn.window<left = 32, right = 0>]>, #attn.window<left = 33, right = 0>]>, #attn.window<left = 34, right = 0>]>, #attn.window<left = 35, right = 0>]>, #attn.window<left = 36, right = 0>]>, #attn.window<left = 37, right = 0>]>, #attn.window<left = 38, right = 0>]>, #attn.window<left = 39, right = 0>]>, #attn.window<left = 40, right = 0>]>, #attn.window<left = 41, right = 0>]>, #attn.window<left = 42, right = 0>]>, #attn.window<left = 43, right = 0>]>, #attn.window<left = 44, right = 0>]>, #attn.window<left = 45, right = 0>]>, #attn.window<left = 46, right = 0>]>, #attn.window<left = 47, right = 0>]>, #attn.window<left = 48, right = 0>]>, #attn.window<left = 49, right = 0>]>, #attn.window<left = 50, right = 0>]>, #attn.window<left = 51, right = 0>]>, #attn.window<left = 52, right = 0>]>, #attn.window<left = 53, right = 0>]>, #attn.window<left = 54, right = 0>]>, #attn.window<left = 55, right = 0>]>, #attn.window<left = 56, right = 0>]>, #attn.window<left = 57, right = 0>]>, #attn.window<left = 58, right = 0>]>, #attn.window<left = 59, right = 0>]>, #attn.window<left = 60, right = 0>]>, #attn.window<left = 61, right = 0>]>, #attn.window<left = 62, right = 0>]>, #attn.window<left = 63, right = 0>]>, #attn.window<left = 64, right = 0>]>) : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32> -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}

// -----

// 65 levels through aliases, each parsed on its own: the verifier stops
// them.
#p0 = #attn.causal
#p1 = #attn.union<[#p0, #attn.window<left = 1, right = 0>]>
#p2 = #attn.union<[#p1, #attn.window<left = 2, right = 0>]>
#p3 = #attn.union<[#p2, #attn.window<left = 3, right = 0>]>
#p4 = #attn.union<[#p3, #attn.window<left = 4, right = 0>]>
#p5 = #attn.union<[#p4, #attn.window<left = 5, right = 0>]>
#p6 = #attn.union<[#p5, #attn.window<left = 6, right = 0>]>
#p7 = #attn.union<[#p6, #attn.window<left = 7, right = 0>]>
#p8 = #attn.union<[#p7, #attn.window<left = 8, right = 0>]>
#p9 = #attn.union<[#p8, #attn.window<left = 9, right = 0>]>
#p10 = #attn.union<[#p9, #attn.window<left = 10, right = 0>]>
#p11 = #attn.union<[#p10, #attn.window<left = 11, right = 0>]>
#p12 = #attn.union<[#p11, #attn.window<left = 12, right = 0>]>
#p13 = #attn.union<[#p12, #attn.window<left = 13, right = 0>]>
#p14 = #attn.union<[#p13, #attn.window<left = 14, right = 0>]>
#p15 = #attn.union<[#p14, #attn.window<left = 15, right = 0>]>
#p16 = #attn.union<[#p15, #attn.window<left = 16, right = 0>]>
#p17 = #attn.union<[#p16, #attn.window<left = 17, right = 0>]>
#p18 = #attn.union<[#p17, #attn.window<left = 18, right = 0>]>
#p19 = #attn.union<[#p18, #attn.window<left = 19, right = 0>]>
#p20 = #attn.union<[#p19, #attn.window<left = 20, right = 0>]>
#p21 = #attn.union<[#p20, #attn.window<left = 21, right = 0>]>
#p22 = #attn.union<[#p21, #attn.window<left = 22, right = 0>]>
#p23 = #attn.union<[#p22, #attn.window<left = 23, right = 0>]>
#p24 = #attn.union<[#p23, #attn.window<left = 24, right = 0>]>
#p25 = #attn.union<[#p24, #attn.window<left = 25, right = 0>]>
#p26 = #attn.union<[#p25, #attn.window<left = 26, right = 0>]>
#p27 = #attn.union<[#p26, #attn.window<left = 27, right = 0>]>
#p28 = #attn.union<[#p27, #attn.window<left = 28, right = 0>]>
#p29 = #attn.union<[#p28, #attn.window<left = 29, right = 0>]>
#p30 = #attn.union<[#p29, #attn.window<left = 30, right = 0>]>
#p31 = #attn.union<[#p30, #attn.window<left = 31, right = 0>]>
#p32 = #attn.union<[#p31, #attn.window<left = 32, right = 0>]>
#p33 = #attn.union<[#p32, #attn.window<left = 33, right = 0>]>
#p34 = #attn.union<[#p33, #attn.window<left = 34, right = 0>]>
#p35 = #attn.union<[#p34, #attn.window<left = 35, right = 0>]>
#p36 = #attn.union<[#p35, #attn.window<left = 36, right = 0>]>
#p37 = #attn.union<[#p36, #attn.window<left = 37, right = 0>]>
#p38 = #attn.union<[#p37, #attn.window<left = 38, right = 0>]>
#p39 = #attn.union<[#p38, #attn.window<left = 39, right = 0>]>
#p40 = #attn.union<[#p39, #attn.window<left = 40, right = 0>]>
#p41 = #attn.union<[#p40, #attn.window<left = 41, right = 0>]>
#p42 = #attn.union<[#p41, #attn.window<left = 42, right = 0>]>
#p43 = #attn.union<[#p42, #attn.window<left = 43, right = 0>]>
#p44 = #attn.union<[#p43, #attn.window<left = 44, right = 0>]>
#p45 = #attn.union<[#p44, #attn.window<left = 45, right = 0>]>
#p46 = #attn.union<[#p45, #attn.window<left = 46, right = 0>]>
#p47 = #attn.union<[#p46, #attn.window<left = 47, right = 0>]>
#p48 = #attn.union<[#p47, #attn.window<left = 48, right = 0>]>
#p49 = #attn.union<[#p48, #attn.window<left = 49, right = 0>]>
#p50 = #attn.union<[#p49, #attn.window<left = 50, right = 0>]>
#p51 = #attn.union<[#p50, #attn.window<left = 51, right = 0>]>
#p52 = #attn.union<[#p51, #attn.window<left = 52, right = 0>]>
#p53 = #attn.union<[#p52, #attn.window<left = 53, right = 0>]>
#p54 = #attn.union<[#p53, #attn.window<left = 54, right = 0>]>
#p55 = #attn.union<[#p54, #attn.window<left = 55, right = 0>]>
#p56 = #attn.union<[#p55, #attn.window<left = 56, right = 0>]>
#p57 = #attn.union<[#p56, #attn.window<left = 57, right = 0>]>
#p58 = #attn.union<[#p57, #attn.window<left = 58, right = 0>]>
#p59 = #attn.union<[#p58, #attn.window<left = 59, right = 0>]>
#p60 = #attn.union<[#p59, #attn.window<left = 60, right = 0>]>
#p61 = #attn.union<[#p60, #attn.window<left = 61, right = 0>]>
#p62 = #attn.union<[#p61, #attn.window<left = 62, right = 0>]>
#p63 = #attn.union<[#p62, #attn.window<left = 63, right = 0>]>
#p64 = #attn.union<[#p63, #attn.window<left = 64, right = 0>]>
// expected-error @+1 {{mask patterns nest at most 64 #attn.union / #attn.intersect levels deep}}
#p65 = #attn.union<[#p64, #attn.causal]>

// -----

// Aliases that share their parts make a DAG whose walk doubles per level
// (40 such lines would be 2^40 visits): a pattern holds at most 65536,
// each use counted (regression: the verifier and every later walk took
// exponential time).
#d0 = #attn.causal
#e0 = #attn.window<left = 1, right = 0>
#d1 = #attn.union<[#d0, #e0]>
#e1 = #attn.intersect<[#d0, #e0]>
#d2 = #attn.union<[#d1, #e1]>
#e2 = #attn.intersect<[#d1, #e1]>
#d3 = #attn.union<[#d2, #e2]>
#e3 = #attn.intersect<[#d2, #e2]>
#d4 = #attn.union<[#d3, #e3]>
#e4 = #attn.intersect<[#d3, #e3]>
#d5 = #attn.union<[#d4, #e4]>
#e5 = #attn.intersect<[#d4, #e4]>
#d6 = #attn.union<[#d5, #e5]>
#e6 = #attn.intersect<[#d5, #e5]>
#d7 = #attn.union<[#d6, #e6]>
#e7 = #attn.intersect<[#d6, #e6]>
#d8 = #attn.union<[#d7, #e7]>
#e8 = #attn.intersect<[#d7, #e7]>
#d9 = #attn.union<[#d8, #e8]>
#e9 = #attn.intersect<[#d8, #e8]>
#d10 = #attn.union<[#d9, #e9]>
#e10 = #attn.intersect<[#d9, #e9]>
#d11 = #attn.union<[#d10, #e10]>
#e11 = #attn.intersect<[#d10, #e10]>
#d12 = #attn.union<[#d11, #e11]>
#e12 = #attn.intersect<[#d11, #e11]>
#d13 = #attn.union<[#d12, #e12]>
#e13 = #attn.intersect<[#d12, #e12]>
#d14 = #attn.union<[#d13, #e13]>
#e14 = #attn.intersect<[#d13, #e13]>
#d15 = #attn.union<[#d14, #e14]>
#e15 = #attn.intersect<[#d14, #e14]>
// expected-error @+1 {{a mask pattern holds at most 65536 patterns, each use of a shared one counted (got 131071)}}
#d16 = #attn.union<[#d15, #e15]>
