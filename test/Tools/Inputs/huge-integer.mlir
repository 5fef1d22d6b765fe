#p = #attn.window<left = 99999999999999999999999, right = 0>
