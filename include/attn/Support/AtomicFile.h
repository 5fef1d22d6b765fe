//===- AtomicFile.h - write a whole file or nothing -----------*- C++ -*-===//
//
// Writes go to `path.tmp`, are flushed and checked, then renamed over
// `path`: a failed write leaves neither a partial file nor the temporary.
// LLVM-free: the .npy writer uses it too.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_ATOMICFILE_H
#define ATTN_SUPPORT_ATOMICFILE_H

#include <string>

namespace attn {

/// Writes `bytes` to `path`; false with "cannot write 'path'" in `error`.
bool writeFileAtomically(const std::string &path, const std::string &bytes,
                         std::string &error);

} // namespace attn

#endif // ATTN_SUPPORT_ATOMICFILE_H
