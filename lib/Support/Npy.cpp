//===- Npy.cpp - NumPy .npy files -----------------------------------------===//
//
// Format: the magic "\x93NUMPY", a version byte pair, the header length
// (2 bytes little-endian for 1.0, 4 bytes for 2.0 and 3.0), then a Python
// dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces to a multiple of 64 bytes and ended by '\n', then the
// raw data.
//
//===----------------------------------------------------------------------===//

#include "attn/Support/Npy.h"

#include "attn/Support/AtomicFile.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>

namespace attn::npy {
namespace {

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

/// The text after `'key':` in the header dict, or npos.
size_t findValue(const std::string &dict, const std::string &key) {
  size_t at = dict.find("'" + key + "'");
  if (at == std::string::npos)
    return at;
  at = dict.find(':', at);
  if (at == std::string::npos)
    return at;
  at = dict.find_first_not_of(' ', at + 1);
  return at;
}

bool parseShape(const std::string &dict, std::vector<int64_t> &shape,
                std::string &error) {
  size_t at = findValue(dict, "shape");
  if (at == std::string::npos || dict[at] != '(') {
    error = "the header has no 'shape' tuple";
    return false;
  }
  size_t close = dict.find(')', at);
  if (close == std::string::npos) {
    error = "the header's 'shape' tuple is not closed";
    return false;
  }
  std::string tuple = dict.substr(at + 1, close - at - 1);
  shape.clear();
  int64_t elements = 1;
  size_t pos = 0;
  while (pos < tuple.size()) {
    pos = tuple.find_first_not_of(" ,", pos);
    if (pos == std::string::npos)
      break;
    size_t end = tuple.find_first_not_of("0123456789", pos);
    if (end == pos) {
      error = "the header's 'shape' holds a non-integer: (" + tuple + ")";
      return false;
    }
    std::string digits = tuple.substr(
        pos, end == std::string::npos ? std::string::npos : end - pos);
    if (digits.size() > 15) {
      error = "the header's 'shape' holds an absurd size " + digits;
      return false;
    }
    int64_t size = std::stoll(digits);
    if (size > 0 && elements > (int64_t(1) << 40) / size) {
      error = "the array is too large (more than 2^40 elements)";
      return false;
    }
    elements *= size;
    shape.push_back(size);
    pos = end;
  }
  return true;
}

std::string describe(const std::string &descr) {
  if (descr == "<f8" || descr == ">f8")
    return "float64";
  if (descr == "<f2" || descr == ">f2")
    return "float16";
  if (!descr.empty() && (descr[1] == 'i' || descr[1] == 'u'))
    return "integer ('" + descr + "')";
  if (descr == "|b1")
    return "boolean";
  return "'" + descr + "'";
}

/// Writes magic, version 1.0 and the padded header, then `data` (not
/// copied), through a temporary file.
bool writeArray(const std::string &path, const std::string &descr,
                const std::vector<int64_t> &shape, const char *data,
                size_t size, std::string &error) {
  std::string tuple;
  for (size_t i = 0; i < shape.size(); ++i)
    tuple += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1)
    tuple += ","; // a one-element Python tuple
  std::string dict = "{'descr': '" + descr +
                     "', 'fortran_order': False, 'shape': (" + tuple + "), }";
  size_t unpadded = kMagicSize + 2 + 2 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  if (dict.size() > 65535) {
    error = "the header is too long";
    return false;
  }
  std::string bytes(kMagic, kMagicSize);
  bytes += char(1); // version 1.0
  bytes += char(0);
  bytes += char(dict.size() & 0xff);
  bytes += char(dict.size() >> 8);
  bytes += dict;
  return writeFileAtomically(path, {bytes, std::string_view(data, size)},
                             error);
}

} // namespace

/// The most bytes a header (magic, version, length, dictionary) can take.
constexpr int64_t kMaxHeaderBytes = 12 + 65536;

bool parseHeader(const std::string &bytes, Header &header, std::string &error) {
  if (bytes.size() < kMagicSize + 4 ||
      std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) {
    error = "not a .npy file (bad magic)";
    return false;
  }
  unsigned major = uint8_t(bytes[6]);
  size_t length, start;
  if (major == 1) {
    length = uint8_t(bytes[8]) | size_t(uint8_t(bytes[9])) << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) {
      error = "truncated .npy header";
      return false;
    }
    length = 0;
    for (int i = 3; i >= 0; --i)
      length = length << 8 | uint8_t(bytes[8 + i]);
    start = 12;
  } else {
    error = "unsupported .npy version " + std::to_string(major);
    return false;
  }
  if (bytes.size() < start + length) {
    error = "truncated .npy header";
    return false;
  }
  std::string dict = bytes.substr(start, length);
  size_t at = findValue(dict, "descr");
  if (at == std::string::npos || dict[at] != '\'') {
    error = "the header has no 'descr'";
    return false;
  }
  size_t close = dict.find('\'', at + 1);
  if (close == std::string::npos) {
    error = "the header's 'descr' is not closed";
    return false;
  }
  header.descr = dict.substr(at + 1, close - at - 1);
  at = findValue(dict, "fortran_order");
  if (at == std::string::npos) {
    error = "the header has no 'fortran_order'";
    return false;
  }
  header.fortranOrder = dict.compare(at, 4, "True") == 0;
  header.dataOffset = int64_t(start + length);
  return parseShape(dict, header.shape, error);
}

bool readFloat32(const std::string &path, Array &array, std::string &error) {
  // The header first, then the data straight into the array: a large input
  // is held once, never as file bytes and floats together.
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    error = "cannot open '" + path + "'";
    return false;
  }
  int64_t fileSize = int64_t(in.tellg());
  if (fileSize < 0) {
    error = "cannot read '" + path + "': not a regular file";
    return false;
  }
  std::string bytes(size_t(std::min<int64_t>(fileSize, kMaxHeaderBytes)), '\0');
  in.seekg(0);
  in.read(bytes.data(), std::streamsize(bytes.size()));
  Header header;
  if (!in || !parseHeader(bytes, header, error)) {
    if (error.empty())
      error = "cannot read '" + path + "'";
    else
      error = "'" + path + "': " + error;
    return false;
  }
  if (header.descr != "<f4" && header.descr != "=f4") {
    error = "'" + path + "' holds " + describe(header.descr) +
            " data; float32 ('<f4') is needed";
    return false;
  }
  if (header.fortranOrder) {
    error = "'" + path + "' is in Fortran order; C order is needed";
    return false;
  }
  int64_t count = 1;
  for (int64_t size : header.shape)
    count *= size;
  int64_t available = fileSize - header.dataOffset;
  if (available != count * int64_t(sizeof(float))) {
    error = "'" + path + "' holds " + std::to_string(available) +
            " bytes of data but its shape needs " +
            std::to_string(count * int64_t(sizeof(float)));
    return false;
  }
  array.shape = header.shape;
  array.data.resize(count);
  if (count == 0) // nothing to read (and no buffer to read into)
    return true;
  in.seekg(header.dataOffset);
  in.read(reinterpret_cast<char *>(array.data.data()),
          std::streamsize(count * sizeof(float)));
  if (!in) {
    error = "cannot read '" + path + "'";
    return false;
  }
  return true;
}

bool writeFloat32(const std::string &path, const Array &array,
                  std::string &error) {
  return writeArray(path, "<f4", array.shape,
                    reinterpret_cast<const char *>(array.data.data()),
                    array.data.size() * sizeof(float), error);
}

bool writeBool(const std::string &path, const std::vector<int64_t> &shape,
               const std::vector<uint8_t> &data, std::string &error) {
  return writeArray(path, "|b1", shape,
                    reinterpret_cast<const char *>(data.data()), data.size(),
                    error);
}

} // namespace attn::npy
