//===- NpyTest.cpp - the .npy reader and writer ---------------------------===//

#include "attn/Support/Npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace attn::npy;

namespace {
std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "attn-npy-" + name;
}

std::string header(const std::string &dict, int major = 1) {
  std::string bytes = "\x93NUMPY";
  bytes += char(major);
  bytes += char(0);
  if (major == 1) {
    bytes += char(dict.size() & 0xff);
    bytes += char(dict.size() >> 8);
  } else {
    for (int i = 0; i < 4; ++i)
      bytes += char((dict.size() >> (8 * i)) & 0xff);
  }
  return bytes + dict;
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}
} // namespace

TEST(Npy, ParsesVersionOneAndTwoHeaders) {
  for (int major : {1, 2, 3}) {
    Header h;
    std::string error;
    ASSERT_TRUE(parseHeader(
        header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4, "
               "5), }\n",
               major),
        h, error))
        << error;
    EXPECT_EQ(h.descr, "<f4");
    EXPECT_FALSE(h.fortranOrder);
    EXPECT_EQ(h.shape, (std::vector<int64_t>{2, 3, 4, 5}));
  }
}

TEST(Npy, ParsesScalarsAndOneElementTuples) {
  Header h;
  std::string error;
  ASSERT_TRUE(parseHeader(
      header("{'descr': '<f4', 'fortran_order': False, 'shape': (7,), }"), h,
      error));
  EXPECT_EQ(h.shape, std::vector<int64_t>{7});
  ASSERT_TRUE(parseHeader(
      header("{'shape': (), 'fortran_order': True, 'descr': '<f8'}"), h,
      error));
  EXPECT_TRUE(h.shape.empty());
  EXPECT_TRUE(h.fortranOrder);
  EXPECT_EQ(h.descr, "<f8");
}

TEST(Npy, RejectsBadHeaders) {
  Header h;
  std::string error;
  EXPECT_FALSE(parseHeader("PK\x03\x04 a zip file", h, error));
  EXPECT_EQ(error, "not a .npy file (bad magic)");
  EXPECT_FALSE(parseHeader(header("{'descr': '<f4'", 7), h, error));
  EXPECT_EQ(error, "unsupported .npy version 7");
  EXPECT_FALSE(parseHeader(header("{'descr': '<f4', 'fortran_order': "
                                  "False, 'shape': (2, x), }"),
                           h, error));
  EXPECT_EQ(error, "the header's 'shape' holds a non-integer: (2, x)");
  EXPECT_FALSE(parseHeader(header("{'descr': '<f4', 'fortran_order': "
                                  "False, 'shape': (99999999999999999999, "
                                  "2), }"),
                           h, error));
  EXPECT_EQ(error,
            "the header's 'shape' holds an absurd size 99999999999999999999");
  EXPECT_FALSE(parseHeader(header("{'descr': '<f4', 'fortran_order': "
                                  "False, 'shape': (4000000, 4000000), }"),
                           h, error));
  EXPECT_EQ(error, "the array is too large (more than 2^40 elements)");
  EXPECT_FALSE(
      parseHeader(header("{'fortran_order': False, 'shape': (2,)}"), h, error));
  EXPECT_EQ(error, "the header has no 'descr'");
  std::string full = header("{'descr': '<f4', 'fortran_order': False, "
                            "'shape': (2,), }");
  EXPECT_FALSE(parseHeader(full.substr(0, 30), h, error));
  EXPECT_EQ(error, "truncated .npy header");
}

TEST(Npy, RoundTripsFloat32) {
  Array a{{2, 1, 3, 2}, {}};
  for (int i = 0; i < 12; ++i)
    a.data.push_back(i * 0.5f - 1.0f);
  std::string path = tempPath("round-trip.npy"), error;
  ASSERT_TRUE(writeFloat32(path, a, error)) << error;
  // The header is padded so the data starts 64-byte aligned.
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  Header h;
  ASSERT_TRUE(parseHeader(bytes.str(), h, error)) << error;
  EXPECT_EQ(h.dataOffset % 64, 0);
  Array b;
  ASSERT_TRUE(readFloat32(path, b, error)) << error;
  EXPECT_EQ(b.shape, a.shape);
  EXPECT_EQ(b.data, a.data);
  std::remove(path.c_str());
}

TEST(Npy, RejectsWrongDataAndLeavesNoPartialFile) {
  std::string path = tempPath("f8.npy"), error;
  writeBytes(path, header("{'descr': '<f8', 'fortran_order': False, "
                          "'shape': (1,), }") +
                       std::string(8, '\0'));
  Array a;
  EXPECT_FALSE(readFloat32(path, a, error));
  EXPECT_NE(error.find("holds float64 data"), std::string::npos) << error;
  writeBytes(path, header("{'descr': '<f4', 'fortran_order': False, "
                          "'shape': (3,), }") +
                       std::string(8, '\0'));
  EXPECT_FALSE(readFloat32(path, a, error));
  EXPECT_NE(error.find("holds 8 bytes of data but its shape needs 12"),
            std::string::npos)
      << error;
  std::remove(path.c_str());

  Array b{{2}, {1.0f, 2.0f}};
  std::string bad = tempPath("no-such-dir/o.npy");
  EXPECT_FALSE(writeFloat32(bad, b, error));
  EXPECT_FALSE(std::ifstream(bad).good());
  EXPECT_FALSE(std::ifstream(bad + ".tmp").good());
}

TEST(Npy, WritesBooleans) {
  std::string path = tempPath("mask.npy"), error;
  ASSERT_TRUE(writeBool(path, {2, 2}, {1, 0, 1, 1}, error)) << error;
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  Header h;
  ASSERT_TRUE(parseHeader(bytes.str(), h, error)) << error;
  EXPECT_EQ(h.descr, "|b1");
  EXPECT_EQ(h.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(bytes.str().substr(h.dataOffset), std::string("\1\0\1\1", 4));
  std::remove(path.c_str());
}
