//===- AtomicFile.cpp - write a whole file or nothing ---------------------===//

#include "attn/Support/AtomicFile.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace attn {

bool writeFileAtomically(const std::string &path, const std::string &bytes,
                         std::string &error) {
  return writeFilesAtomically({{path, bytes}}, error);
}

bool writeFilesAtomically(
    const std::vector<std::pair<std::string, std::string>> &files,
    std::string &error) {
  // A rename fails over a directory: refuse before anything is replaced.
  for (const auto &file : files)
    if (std::filesystem::is_directory(file.first)) {
      error = "cannot write '" + file.first + "': it is a directory";
      return false;
    }
  size_t written = 0;
  auto removeTemporaries = [&] {
    for (size_t i = 0; i < written; ++i)
      std::remove((files[i].first + ".tmp").c_str());
  };
  for (const auto &[path, bytes] : files) {
    std::string temp = path + ".tmp";
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (out) {
      out.write(bytes.data(), std::streamsize(bytes.size()));
      out.close(); // flushes: a full disk shows here
    }
    ++written; // remove it even when the write failed half-way
    if (!out) {
      removeTemporaries();
      error = "cannot write '" + path + "'";
      return false;
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string &path = files[i].first;
    if (std::rename((path + ".tmp").c_str(), path.c_str()) != 0) {
      for (size_t j = i; j < files.size(); ++j)
        std::remove((files[j].first + ".tmp").c_str());
      error = "cannot write '" + path + "'";
      return false;
    }
  }
  return true;
}

} // namespace attn
