//===- AtomicFile.h - write a whole file or nothing -----------*- C++ -*-===//
//
// Writes go to a fresh temporary beside `path` (`.attn-<pid>-<n>.tmp`, so
// concurrent writers never share one and a user's own files are never
// touched), are checked, then renamed over `path`: a failed write leaves
// neither a partial file nor the temporary. Every failure is an error
// message ("cannot write 'path': reason"), never an exception.
// Several files are all written before any is renamed, so a tool's outputs
// (a header and its library) are replaced together or not at all, short of
// a rename failing half-way. A replaced file gets the default mode
// (0666 less the umask), not the old file's.
// LLVM-free: the .npy writer uses it too.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_ATOMICFILE_H
#define ATTN_SUPPORT_ATOMICFILE_H

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attn {

/// Writes `bytes` to `path`; false with "cannot write 'path': reason" in
/// `error`.
bool writeFileAtomically(const std::string &path, const std::string &bytes,
                         std::string &error);

/// Writes the concatenation of `parts` to `path`, without copying them (a
/// large array is written from where it lies).
bool writeFileAtomically(const std::string &path,
                         std::initializer_list<std::string_view> parts,
                         std::string &error);

/// Writes every (path, bytes) of `files`. All are written before any is
/// renamed, so a failure to write replaces none; a rename that fails (rare:
/// the files were written beside their targets) leaves the earlier ones
/// replaced and removes the rest.
bool writeFilesAtomically(
    const std::vector<std::pair<std::string, std::string>> &files,
    std::string &error);

} // namespace attn

#endif // ATTN_SUPPORT_ATOMICFILE_H
