// A gpu.module named as attn's, holding a kernel attn did not make.
module attributes {gpu.container_module} {
  gpu.module @attn_kernels {
    gpu.func @mine() kernel {
      gpu.return
    }
  }
  func.func @f(%q: tensor<?x?x?x64xbf16>, %k: tensor<?x?x?x64xbf16>, %v: tensor<?x?x?x64xbf16>) -> tensor<?x?x?x64xbf16> {
    %o = attn.attention %q, %k, %v : tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16> -> tensor<?x?x?x64xbf16>
    return %o : tensor<?x?x?x64xbf16>
  }
}
