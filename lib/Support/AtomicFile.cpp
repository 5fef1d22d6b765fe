//===- AtomicFile.cpp - write a whole file or nothing ---------------------===//

#include "attn/Support/AtomicFile.h"

#include <cstdio>
#include <fstream>

namespace attn {

bool writeFileAtomically(const std::string &path, const std::string &bytes,
                         std::string &error) {
  std::string temp = path + ".tmp";
  std::ofstream out(temp, std::ios::binary | std::ios::trunc);
  if (out) {
    out.write(bytes.data(), std::streamsize(bytes.size()));
    out.close(); // flushes: a full disk shows here
  }
  if (!out || std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}

} // namespace attn
