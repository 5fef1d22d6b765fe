//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//
//
// Reads and writes the NumPy .npy format (versions 1.0 to 3.0): float32
// arrays in C order, and writes boolean masks. Every failure is a message,
// never an abort; writes go to a temporary file renamed into place, so a
// failed write leaves no partial file. LLVM-free.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_NPY_H
#define ATTN_SUPPORT_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace attn::npy {

/// A float32 array in C order.
struct Array {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// The parsed header of a .npy file.
struct Header {
  std::string descr; ///< e.g. "<f4"
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  int64_t dataOffset = 0; ///< bytes before the data
};

/// Parses the header of a .npy file held in `bytes`; false with a message.
bool parseHeader(const std::string &bytes, Header &header, std::string &error);

/// Reads a float32 C-order array; false with a message naming the problem
/// (missing file, not .npy, float64 or integer data, Fortran order,
/// truncated data).
bool readFloat32(const std::string &path, Array &array, std::string &error);

/// Writes a float32 array.
bool writeFloat32(const std::string &path, const Array &array,
                  std::string &error);

/// Writes a boolean array ('|b1') of the given shape, one byte per entry.
bool writeBool(const std::string &path, const std::vector<int64_t> &shape,
               const std::vector<uint8_t> &data, std::string &error);

} // namespace attn::npy

#endif // ATTN_SUPPORT_NPY_H
