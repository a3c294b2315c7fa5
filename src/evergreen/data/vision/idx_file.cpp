#include "evergreen/data/vision/idx_file.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/data/io/input_file.h"

namespace evergreen {
namespace {

constexpr int64_t kMaxDataBytes = int64_t{1} << 31;
constexpr int kMaxDimensions = 4;
constexpr unsigned char kUnsignedByteType = 0x08;
/// The data is read into a buffer that starts at this size and doubles.
constexpr int64_t kFirstReadBytes = int64_t{1} << 20;

/// Sequential bytes of a plain or gzipped file, chosen by the file's first two bytes (1f 8b) so
/// that a decompressed file keeping its `.gz` name, or a gzipped one without it, still reads.
class ByteSource {
 public:
  explicit ByteSource(const std::string& path) : path_(path) {
    std::ifstream probe = open_input_file(path);
    std::array<unsigned char, 2> magic{};
    probe.read(reinterpret_cast<char*>(magic.data()), magic.size());
    if (probe.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
      gz_ = gzopen(path.c_str(), "rb");
      EVERGREEN_CHECK_INPUT(gz_ != nullptr, "{}: cannot open the gzip file for reading", path);
      gzbuffer(gz_, 1 << 17);  // the default 8 KiB buffer makes a 26 MB file noticeably slower
    } else {
      probe.close();
      plain_.open(path, std::ios::binary);
      EVERGREEN_CHECK_INPUT(plain_.good(), "{}: cannot open for reading", path);
    }
  }
  ~ByteSource() {
    if (gz_ != nullptr) gzclose(gz_);
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  /// Reads up to `count` bytes; fewer only at the end of the data.
  int64_t read(void* buffer, int64_t count) {
    auto* out = static_cast<char*>(buffer);
    int64_t done = 0;
    while (done < count) {
      // gzread takes an unsigned int, so large reads go in chunks.
      const int64_t chunk = std::min<int64_t>(count - done, int64_t{1} << 30);
      int64_t got = 0;
      if (gz_ != nullptr) {
        const int result = gzread(gz_, out + done, static_cast<unsigned>(chunk));
        got = std::max(result, 0);
        // A stream cut short is not an error to gzread (it returns what it has and sets
        // Z_BUF_ERROR), so every short read asks gzerror.
        int code = Z_OK;
        const char* message = result < static_cast<int>(chunk) ? gzerror(gz_, &code) : "";
        EVERGREEN_CHECK_INPUT(code == Z_OK,
                              "{}: corrupt or truncated gzip stream after {} decompressed bytes "
                              "(zlib: {})",
                              path_, offset_ + done + got, message);
      } else {
        plain_.read(out + done, chunk);
        got = plain_.gcount();
      }
      done += got;
      if (got < chunk) break;
    }
    offset_ += done;
    return done;
  }

  /// Counts the bytes left, reading them.
  int64_t count_remaining() {
    std::vector<char> scratch(1 << 16);
    int64_t total = 0;
    for (int64_t got; (got = read(scratch.data(), static_cast<int64_t>(scratch.size()))) > 0;)
      total += got;
    return total;
  }

 private:
  std::string path_;
  gzFile gz_ = nullptr;
  std::ifstream plain_;
  int64_t offset_ = 0;
};

// The `total` data bytes of an IDX file as a tensor of `sizes`. The header alone decides
// `total`, so a few bytes may declare 2 GiB: the data is read into a buffer that grows with what
// the file actually holds, and a truncated file is reported without allocating what it declares.
torch::Tensor read_idx_data(ByteSource& source, const std::vector<int64_t>& sizes, int64_t total,
                            const std::string& path) {
  std::vector<uint8_t> bytes;
  int64_t got = 0;
  while (got < total) {
    const int64_t capacity =
        std::min(total, std::max<int64_t>(kFirstReadBytes, 2 * static_cast<int64_t>(bytes.size())));
    bytes.resize(static_cast<size_t>(capacity));
    const int64_t wanted = capacity - got;
    const int64_t read = source.read(bytes.data() + got, wanted);
    got += read;
    if (read < wanted) break;
  }
  EVERGREEN_CHECK_INPUT(got == total,
                        "{}: IDX data truncated: dimensions [{}] need {} bytes, got {}", path,
                        fmt::join(sizes, ", "), total, got);
  torch::Tensor data = torch::empty(sizes, torch::kUInt8);
  std::memcpy(data.data_ptr<uint8_t>(), bytes.data(), static_cast<size_t>(total));
  return data;
}

const char* idx_type_name(unsigned char type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return "unknown";
  }
}

std::string find_member(const std::string& directory, const std::string& name) {
  const std::filesystem::path plain = std::filesystem::path(directory) / name;
  std::error_code error;
  if (std::filesystem::is_regular_file(plain, error)) return plain.string();
  const std::filesystem::path gzipped = std::filesystem::path(directory) / (name + ".gz");
  if (std::filesystem::is_regular_file(gzipped, error)) return gzipped.string();
  throw InputError(fmt::format("{}: neither {} nor {}.gz found (expected the MNIST layout)",
                               directory, name, name));
}

void check_images_and_labels(const torch::Tensor& images, const std::string& images_file,
                             const torch::Tensor& labels, const std::string& labels_file) {
  EVERGREEN_CHECK_INPUT(images.dim() == 3, "{}: expected images [N, H, W], got dimensions [{}]",
                        images_file, fmt::join(images.sizes(), ", "));
  EVERGREEN_CHECK_INPUT(labels.dim() == 1, "{}: expected labels [N], got dimensions [{}]",
                        labels_file, fmt::join(labels.sizes(), ", "));
  EVERGREEN_CHECK_INPUT(images.size(0) == labels.size(0),
                        "{} holds {} images but {} holds {} labels", images_file, images.size(0),
                        labels_file, labels.size(0));
}

}  // namespace

torch::Tensor read_idx_file(const std::string& path) {
  ByteSource source(path);
  std::array<unsigned char, 4> magic{};
  const int64_t magic_bytes = source.read(magic.data(), magic.size());
  EVERGREEN_CHECK_INPUT(magic_bytes == 4,
                        "{}: not an IDX file: {} bytes, shorter than the 4-byte magic number", path,
                        magic_bytes);
  EVERGREEN_CHECK_INPUT(magic[0] == 0 && magic[1] == 0,
                        "{}: not an IDX file: magic number starts {:02x} {:02x}, expected 00 00",
                        path, magic[0], magic[1]);
  EVERGREEN_CHECK_INPUT(
      magic[2] == kUnsignedByteType,
      "{}: IDX data type 0x{:02x} ({}) is not supported, only 0x08 (unsigned byte)", path, magic[2],
      idx_type_name(magic[2]));
  const int dimensions = magic[3];
  EVERGREEN_CHECK_INPUT(dimensions >= 1 && dimensions <= kMaxDimensions,
                        "{}: IDX number of dimensions is {}, expected 1 to {}", path, dimensions,
                        kMaxDimensions);

  std::array<unsigned char, 4 * kMaxDimensions> header{};
  const int64_t header_bytes = source.read(header.data(), 4 * dimensions);
  EVERGREEN_CHECK_INPUT(header_bytes == 4 * dimensions,
                        "{}: IDX dimensions truncated: expected {} bytes for {} dimensions, got {}",
                        path, 4 * dimensions, dimensions, header_bytes);
  std::vector<int64_t> sizes;
  for (int i = 0; i < dimensions; ++i) {
    const unsigned char* bytes = header.data() + 4 * i;
    const auto size = static_cast<int32_t>((uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) |
                                           (uint32_t{bytes[2]} << 8) | uint32_t{bytes[3]});
    EVERGREEN_CHECK_INPUT(size > 0, "{}: IDX dimension {} of {} is {}, expected > 0", path, i + 1,
                          dimensions, size);
    sizes.push_back(size);
  }
  // Checked after every factor: each is below 2^31, so the running product cannot overflow.
  int64_t total = 1;
  for (int64_t size : sizes) {
    total *= size;
    EVERGREEN_CHECK_INPUT(total <= kMaxDataBytes,
                          "{}: IDX dimensions [{}] describe more than 2^31 bytes of data, refused "
                          "before reading",
                          path, fmt::join(sizes, ", "));
  }

  // The data is held twice for a moment: read into a buffer, then copied into the tensor.
  check_allocation(2.0 * static_cast<double>(total),
                   fmt::format("{}: IDX dimensions [{}]", path, fmt::join(sizes, ", ")));
  torch::Tensor data = read_idx_data(source, sizes, total, path);
  const int64_t trailing = source.count_remaining();
  EVERGREEN_CHECK_INPUT(trailing == 0,
                        "{}: IDX data has {} trailing bytes after the {} bytes that dimensions "
                        "[{}] describe",
                        path, trailing, total, fmt::join(sizes, ", "));
  return data;
}

ImageDataset read_idx_dataset(const std::string& directory) {
  std::error_code error;
  EVERGREEN_CHECK_INPUT(std::filesystem::is_directory(directory, error),
                        "{}: data directory not found (Fashion-MNIST: Debian's "
                        "dataset-fashion-mnist package installs it at {})",
                        directory, kFashionMnistDirectory);
  const std::string train_images_file = find_member(directory, "train-images-idx3-ubyte");
  const std::string train_labels_file = find_member(directory, "train-labels-idx1-ubyte");
  const std::string test_images_file = find_member(directory, "t10k-images-idx3-ubyte");
  const std::string test_labels_file = find_member(directory, "t10k-labels-idx1-ubyte");

  torch::Tensor train_images = read_idx_file(train_images_file);
  torch::Tensor train_labels = read_idx_file(train_labels_file);
  torch::Tensor test_images = read_idx_file(test_images_file);
  torch::Tensor test_labels = read_idx_file(test_labels_file);
  check_images_and_labels(train_images, train_images_file, train_labels, train_labels_file);
  check_images_and_labels(test_images, test_images_file, test_labels, test_labels_file);
  EVERGREEN_CHECK_INPUT(
      train_images.size(1) == test_images.size(1) && train_images.size(2) == test_images.size(2),
      "{} holds {}x{} images but {} holds {}x{} images", train_images_file, train_images.size(1),
      train_images.size(2), test_images_file, test_images.size(1), test_images.size(2));

  // Labels are unsigned bytes (the only type read_idx_file accepts), so they are below 256 by
  // construction; they become int64 as the loss functions index with them.
  ImageDataset dataset;
  dataset.train_images = train_images.unsqueeze(1);
  dataset.train_labels = train_labels.to(torch::kInt64);
  dataset.test_images = test_images.unsqueeze(1);
  dataset.test_labels = test_labels.to(torch::kInt64);
  dataset.source = directory;
  return dataset;
}

}  // namespace evergreen
