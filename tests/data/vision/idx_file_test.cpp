#include "evergreen/data/vision/idx_file.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/core/resource_bounds.h"
#include "test_support.h"

namespace evergreen {
namespace {

using evergreen::testing::input_error_of;

// Every part must be in the message, and the message must be one line.
void expect_error_mentions(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

/// An IDX header (magic with `type`, big-endian dims) followed by `data`.
std::string idx_bytes(const std::vector<int32_t>& dims, const std::string& data,
                      unsigned char type = 0x08) {
  std::string bytes = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (int32_t dim : dims) {
    const auto value = static_cast<uint32_t>(dim);
    for (int shift = 24; shift >= 0; shift -= 8)
      bytes += static_cast<char>((value >> shift) & 0xff);
  }
  return bytes + data;
}

std::string byte_string(const std::vector<int>& values) {
  std::string bytes;
  for (int value : values) bytes += static_cast<char>(value);
  return bytes;
}

void write_gzip(const std::string& file, const std::string& contents) {
  gzFile out = gzopen(file.c_str(), "wb");
  ASSERT_NE(out, nullptr) << file;
  ASSERT_EQ(gzwrite(out, contents.data(), static_cast<unsigned>(contents.size())),
            static_cast<int>(contents.size()));
  ASSERT_EQ(gzclose(out), Z_OK);
}

class IdxFileTest : public testing::FileTest {
 protected:
  std::string gzip(const std::string& name, const std::string& contents) {
    std::string file = directory_.file(name);
    write_gzip(file, contents);
    return file;
  }
  std::string read_error(const std::string& contents) {
    std::string file = write("bad-idx1-ubyte", contents);
    return input_error_of([&] { read_idx_file(file); });
  }
};

TEST_F(IdxFileTest, ReadsPlainFileWithItsDimensions) {
  std::string file = write("images", idx_bytes({2, 3}, byte_string({0, 1, 2, 250, 254, 255})));
  torch::Tensor data = read_idx_file(file);
  EXPECT_EQ(data.scalar_type(), torch::kUInt8);
  ASSERT_EQ(data.sizes(), (std::vector<int64_t>{2, 3}));
  auto expected = torch::tensor({0, 1, 2, 250, 254, 255}, torch::kUInt8).view({2, 3});
  EXPECT_TRUE(torch::equal(data, expected));
}

TEST_F(IdxFileTest, ReadsGzippedFile) {
  std::string file = gzip("labels-idx1-ubyte.gz", idx_bytes({5}, byte_string({9, 0, 3, 7, 128})));
  torch::Tensor data = read_idx_file(file);
  EXPECT_TRUE(torch::equal(data, torch::tensor({9, 0, 3, 7, 128}, torch::kUInt8)));
}

TEST_F(IdxFileTest, DetectsGzipByMagicBytesNotByName) {
  const std::string contents = idx_bytes({1, 2, 2}, byte_string({4, 3, 2, 1}));
  torch::Tensor expected = torch::tensor({4, 3, 2, 1}, torch::kUInt8).view({1, 2, 2});
  EXPECT_TRUE(torch::equal(read_idx_file(gzip("gzipped-without-suffix", contents)), expected));
  EXPECT_TRUE(torch::equal(read_idx_file(write("plain-with-suffix.gz", contents)), expected));
}

TEST_F(IdxFileTest, ReadsFourDimensions) {
  std::string data;
  for (int i = 0; i < 2 * 1 * 3 * 2; ++i) data += static_cast<char>(10 * i);
  torch::Tensor tensor = read_idx_file(write("four", idx_bytes({2, 1, 3, 2}, data)));
  ASSERT_EQ(tensor.sizes(), (std::vector<int64_t>{2, 1, 3, 2}));
  EXPECT_EQ(tensor[1][0][2][1].item<int>(), 110);  // row-major: index 6 + 2 * 2 + 1 = 11
  EXPECT_EQ(tensor[0][0][1][0].item<int>(), 20);   // index 2
}

TEST_F(IdxFileTest, MissingFileNamesIt) {
  std::string file = directory_.file("absent-idx3-ubyte");
  expect_error_mentions(input_error_of([&] { read_idx_file(file); }), {file, "not found"});
}

TEST_F(IdxFileTest, RejectsBadMagic) {
  std::string message = read_error(byte_string({0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 5}));
  expect_error_mentions(message, {"bad-idx1-ubyte", "not an IDX file", "12 34", "00 00"});
  expect_error_mentions(read_error(byte_string({0, 0})), {"bad-idx1-ubyte", "not an IDX file"});
}

TEST_F(IdxFileTest, RejectsOtherDataTypes) {
  std::string message = read_error(idx_bytes({1}, std::string(4, '\0'), 0x0D));
  expect_error_mentions(message, {"bad-idx1-ubyte", "data type 0x0d", "float32", "0x08"});
}

TEST_F(IdxFileTest, RejectsDimensionCounts) {
  expect_error_mentions(read_error(idx_bytes({}, "")),
                        {"bad-idx1-ubyte", "number of dimensions is 0", "1 to 4"});
  expect_error_mentions(read_error(idx_bytes({1, 1, 1, 1, 1}, "x")),
                        {"bad-idx1-ubyte", "number of dimensions is 5"});
}

TEST_F(IdxFileTest, RejectsNonPositiveDimensions) {
  expect_error_mentions(read_error(idx_bytes({3, 0}, "")),
                        {"bad-idx1-ubyte", "dimension 2 of 2 is 0", "> 0"});
  expect_error_mentions(read_error(idx_bytes({-1}, "")),
                        {"bad-idx1-ubyte", "dimension 1 of 1 is -1"});
}

TEST_F(IdxFileTest, RejectsTruncatedDimensions) {
  std::string header = idx_bytes({7, 7}, "");
  expect_error_mentions(read_error(header.substr(0, 9)),
                        {"bad-idx1-ubyte", "dimensions truncated", "expected 8 bytes", "got 5"});
}

TEST_F(IdxFileTest, RejectsTruncatedData) {
  expect_error_mentions(read_error(idx_bytes({2, 3}, "abcd")),
                        {"bad-idx1-ubyte", "truncated", "need 6 bytes", "got 4"});
  std::string file = gzip("short.gz", idx_bytes({10}, "123"));
  expect_error_mentions(input_error_of([&] { read_idx_file(file); }),
                        {file, "truncated", "need 10 bytes", "got 3"});
}

TEST_F(IdxFileTest, RejectsTrailingBytes) {
  expect_error_mentions(read_error(idx_bytes({2}, "abcd")),
                        {"bad-idx1-ubyte", "2 trailing bytes", "after the 2 bytes"});
}

TEST_F(IdxFileTest, RefusesMoreThanTwoGibibytesBeforeAllocating) {
  // 65536 x 65536 = 2^32 bytes: refused from the header alone, with no data present.
  expect_error_mentions(read_error(idx_bytes({65536, 65536}, "")),
                        {"bad-idx1-ubyte", "[65536, 65536]", "2^31"});
  expect_error_mentions(read_error(idx_bytes({2147483647, 2147483647, 2147483647, 2}, "")),
                        {"bad-idx1-ubyte", "2^31"});
}

// A header declaring more than the memory budget is refused with the estimate before anything
// is read; one declaring less but followed by fewer bytes (a 12-byte file declaring 2 GiB, the
// reproducer fuzz/corpus/idx_file/declares-2gib.idx1) is reported as truncated after reading
// what is there, not after allocating what it declares (fuzz/idx_file_fuzzer.cpp found it as a
// 2 GiB allocation).
TEST_F(IdxFileTest, DimensionsBeyondTheMemoryBudgetAreRefusedBeforeReading) {
  set_memory_budget_bytes(64.0 * 1024 * 1024);
  expect_error_mentions(read_error(idx_bytes({100, 1024, 1024}, "abc")),
                        {"bad-idx1-ubyte: IDX dimensions [100, 1024, 1024]",
                         "would allocate about 200 MiB", "memory budget of 64 MiB"});
  expect_error_mentions(read_error(idx_bytes({1024, 1024}, "abc")),
                        {"truncated", "need 1048576 bytes", "got 3"});
  set_memory_budget_bytes(16.0 * 1024 * 1024 * 1024);
  expect_error_mentions(read_error(idx_bytes({2147483647}, "abc")),
                        {"truncated", "need 2147483647 bytes", "got 3"});
  set_memory_budget_bytes(0);
}

TEST_F(IdxFileTest, RejectsCorruptGzipStream) {
  std::string full = directory_.file("full.gz");
  write_gzip(full, idx_bytes({4000}, std::string(4000, '\x7f')));
  std::string gzipped = testing::read_text(full);
  std::string file = write("cut.gz", gzipped.substr(0, gzipped.size() / 2));
  expect_error_mentions(input_error_of([&] { read_idx_file(file); }),
                        {file, "truncated gzip stream", "unexpected end of file"});
}

// ---------------------------------------------------------------------------------------------
// The four-file data set

class IdxDatasetTest : public IdxFileTest {
 protected:
  // Two 2x3 training images labelled 7 and 2, one test image labelled 5; the train files are
  // gzipped and the test files plain, as a partly decompressed download would be.
  void write_dataset(int train_labels = 2) {
    gzip("train-images-idx3-ubyte.gz",
         idx_bytes({2, 2, 3}, byte_string({1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16})));
    gzip("train-labels-idx1-ubyte.gz",
         idx_bytes({train_labels}, byte_string(std::vector<int>{7, 2, 9}).substr(0, train_labels)));
    write("t10k-images-idx3-ubyte", idx_bytes({1, 2, 3}, byte_string({255, 0, 255, 0, 255, 0})));
    write("t10k-labels-idx1-ubyte", idx_bytes({1}, byte_string({5})));
  }
};

TEST_F(IdxDatasetTest, ReadsFourFilesWithOrWithoutGz) {
  write_dataset();
  ImageDataset data = read_idx_dataset(directory_.path());
  EXPECT_EQ(data.source, directory_.path());
  EXPECT_EQ(data.train_images.scalar_type(), torch::kUInt8);
  ASSERT_EQ(data.train_images.sizes(), (std::vector<int64_t>{2, 1, 2, 3}));
  EXPECT_EQ(data.test_images.sizes(), (std::vector<int64_t>{1, 1, 2, 3}));
  EXPECT_EQ(data.train_labels.scalar_type(), torch::kInt64);
  EXPECT_TRUE(torch::equal(data.train_labels, torch::tensor({7, 2}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(data.test_labels, torch::tensor({5}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(data.train_images[1][0],
                           torch::tensor({11, 12, 13, 14, 15, 16}, torch::kUInt8).view({2, 3})));
  EXPECT_EQ(data.test_images[0][0][1][1].item<int>(), 255);
}

TEST_F(IdxDatasetTest, MissingDirectoryOrFileIsNamed) {
  std::string absent = directory_.file("nowhere");
  expect_error_mentions(input_error_of([&] { read_idx_dataset(absent); }),
                        {absent, "not found", "dataset-fashion-mnist"});
  write_dataset();
  std::filesystem::remove(directory_.file("t10k-labels-idx1-ubyte"));
  expect_error_mentions(input_error_of([&] { read_idx_dataset(directory_.path()); }),
                        {directory_.path(), "t10k-labels-idx1-ubyte.gz"});
}

TEST_F(IdxDatasetTest, CountMismatchNamesBothFilesAndCounts) {
  write_dataset(3);
  expect_error_mentions(
      input_error_of([&] { read_idx_dataset(directory_.path()); }),
      {"train-images-idx3-ubyte.gz holds 2 images", "train-labels-idx1-ubyte.gz holds 3 labels"});
}

TEST_F(IdxDatasetTest, RejectsWrongRanks) {
  write_dataset();
  write("t10k-images-idx3-ubyte", idx_bytes({1, 6}, byte_string({1, 2, 3, 4, 5, 6})));
  expect_error_mentions(input_error_of([&] { read_idx_dataset(directory_.path()); }),
                        {"t10k-images-idx3-ubyte", "[N, H, W]", "[1, 6]"});
  write_dataset();
  write("t10k-labels-idx1-ubyte", idx_bytes({1, 1}, byte_string({5})));
  expect_error_mentions(input_error_of([&] { read_idx_dataset(directory_.path()); }),
                        {"t10k-labels-idx1-ubyte", "labels [N]"});
}

TEST_F(IdxDatasetTest, RejectsDifferentImageSizesBetweenSplits) {
  write_dataset();
  write("t10k-images-idx3-ubyte", idx_bytes({1, 3, 2}, byte_string({1, 2, 3, 4, 5, 6})));
  expect_error_mentions(
      input_error_of([&] { read_idx_dataset(directory_.path()); }),
      {"train-images-idx3-ubyte.gz holds 2x3", "t10k-images-idx3-ubyte holds 3x2"});
}

TEST(IdxDatasetRealFiles, ReadsDebianFashionMnist) {
  if (!std::filesystem::is_directory(kFashionMnistDirectory))
    GTEST_SKIP() << kFashionMnistDirectory << " absent (Debian package dataset-fashion-mnist)";
  ImageDataset data = read_idx_dataset(kFashionMnistDirectory);
  EXPECT_EQ(data.train_images.sizes(), (std::vector<int64_t>{60000, 1, 28, 28}));
  EXPECT_EQ(data.test_images.sizes(), (std::vector<int64_t>{10000, 1, 28, 28}));
  EXPECT_EQ(data.train_labels.size(0), 60000);
  EXPECT_EQ(data.test_labels.size(0), 10000);
  // Fashion-MNIST is balanced: 6000 training and 1000 test images of each of its 10 classes.
  EXPECT_TRUE(
      torch::equal(torch::bincount(data.train_labels), torch::full({10}, 6000, torch::kInt64)));
  EXPECT_TRUE(
      torch::equal(torch::bincount(data.test_labels), torch::full({10}, 1000, torch::kInt64)));
}

}  // namespace
}  // namespace evergreen
