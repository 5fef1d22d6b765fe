//===- AtomicFile.cpp - write a whole file or nothing ---------------------===//

#include "attn/Support/AtomicFile.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace attn {

namespace {
/// A file to write: its path and the pieces of its bytes, in order.
struct PendingFile {
  const std::string &path;
  std::vector<std::string_view> parts;
};

bool writeAll(const std::vector<PendingFile> &files, std::string &error) {
  // A rename fails over a directory: refuse before anything is replaced.
  for (const PendingFile &file : files)
    if (std::filesystem::is_directory(file.path)) {
      error = "cannot write '" + file.path + "': it is a directory";
      return false;
    }
  size_t written = 0;
  auto removeTemporaries = [&] {
    for (size_t i = 0; i < written; ++i)
      std::remove((files[i].path + ".tmp").c_str());
  };
  for (const PendingFile &file : files) {
    std::string temp = file.path + ".tmp";
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    for (std::string_view part : file.parts)
      if (out)
        out.write(part.data(), std::streamsize(part.size()));
    if (out)
      out.close(); // flushes: a full disk shows here
    ++written;     // remove it even when the write failed half-way
    if (!out) {
      removeTemporaries();
      error = "cannot write '" + file.path + "'";
      return false;
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string &path = files[i].path;
    if (std::rename((path + ".tmp").c_str(), path.c_str()) != 0) {
      for (size_t j = i; j < files.size(); ++j)
        std::remove((files[j].path + ".tmp").c_str());
      error = "cannot write '" + path + "'";
      return false;
    }
  }
  return true;
}
} // namespace

bool writeFileAtomically(const std::string &path, const std::string &bytes,
                         std::string &error) {
  return writeAll({{path, {bytes}}}, error);
}

bool writeFileAtomically(const std::string &path,
                         std::initializer_list<std::string_view> parts,
                         std::string &error) {
  return writeAll({{path, std::vector<std::string_view>(parts)}}, error);
}

bool writeFilesAtomically(
    const std::vector<std::pair<std::string, std::string>> &files,
    std::string &error) {
  std::vector<PendingFile> pending;
  for (const auto &[path, bytes] : files)
    pending.push_back({path, {bytes}});
  return writeAll(pending, error);
}

} // namespace attn
