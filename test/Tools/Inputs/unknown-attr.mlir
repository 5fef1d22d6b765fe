#p = #attn.lsh<buckets = 4>
