//===- FuzzNpy.cpp - libFuzzer: the .npy reader ---------------------------===//
//
// Any bytes as a .npy file: read as float32 or refused with a message; the
// array read must hold exactly the elements of its shape.
//
//===----------------------------------------------------------------------===//

#include "attn/Support/Npy.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // One file per process, removed when it exits.
  static const struct Scratch {
    std::string path =
        "/tmp/attn-fuzz-npy-" + std::to_string(::getpid()) + ".npy";
    ~Scratch() { std::remove(path.c_str()); }
  } scratch;
  const std::string &path = scratch.path;
  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    return 0;
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  attn::npy::Array array;
  std::string error;
  if (attn::npy::readFloat32(path, array, error)) {
    int64_t count = 1;
    for (int64_t extent : array.shape)
      count *= extent;
    if (count != int64_t(array.data.size()))
      __builtin_trap(); // the shape and the data disagree
  } else if (error.empty()) {
    __builtin_trap(); // a refusal must say why
  }
  return 0;
}
