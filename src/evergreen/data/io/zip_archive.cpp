#include "evergreen/data/io/zip_archive.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <sstream>
#include <utility>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/data/io/input_file.h"
#include "evergreen/data/io/little_endian.h"
#include "evergreen/data/io/subprocess.h"

namespace evergreen {
namespace {

uint32_t crc32(std::string_view bytes) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> entries{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      entries[n] = c;
    }
    return entries;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (char byte : bytes) crc = table[(crc ^ static_cast<unsigned char>(byte)) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

}  // namespace

ZipArchive::ZipArchive(const std::string& file) : file_(file) {
  check_readable_file(file);
  in_ = std::make_unique<std::ifstream>(file, std::ios::binary);
  EVERGREEN_CHECK_INPUT(in_->good(), "{}: cannot open for reading", file);
  in_->seekg(0, std::ios::end);
  file_size_ = static_cast<uint64_t>(in_->tellg());
  read_central_directory();
}

ZipArchive::ZipArchive(const std::string& name, std::string bytes, const std::string& expected)
    : file_(name), expected_(expected), in_memory_(true), file_size_(bytes.size()) {
  in_ = std::make_unique<std::istringstream>(std::move(bytes), std::ios::binary);
  read_central_directory();
}

const ZipEntry* ZipArchive::find(const std::string& name) const {
  for (const ZipEntry& entry : entries_)
    if (entry.name == name) return &entry;
  return nullptr;
}

std::string ZipArchive::names() const {
  std::vector<std::string> names;
  for (const ZipEntry& entry : entries_) names.push_back("'" + entry.name + "'");
  return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
}

std::string ZipArchive::extract(const ZipEntry& entry) {
  EVERGREEN_CHECK_INPUT((entry.flags & 1) == 0, "{}: entry '{}' is encrypted: expected {}", file_,
                        entry.name, expected_);
  std::string header = read(entry.local_header_offset, 30, "local file header");
  EVERGREEN_CHECK_INPUT(read_little_endian(header, 0, 4) == 0x04034b50,
                        "{}: entry '{}': no local "
                        "file header at offset {}: the archive is corrupt",
                        file_, entry.name, entry.local_header_offset);
  uint64_t data_offset = entry.local_header_offset + 30 + read_little_endian(header, 26, 2) +
                         read_little_endian(header, 28, 2);
  if (entry.method == 8 && !in_memory_) return inflate_with_unzip(entry);
  if (entry.method == 8) {
    // Deflate expands at most 1032-fold: a larger declared size is a damaged directory.
    EVERGREEN_CHECK_INPUT(entry.size / 1032 <= entry.compressed_size + 1,
                          "{}: entry '{}' declares {} bytes from {} deflated ones: the archive is "
                          "corrupt",
                          file_, entry.name, entry.size, entry.compressed_size);
    std::string data =
        inflate_raw(read(data_offset, entry.compressed_size, "entry data"), entry.size, entry);
    const uint32_t computed = crc32(data);
    EVERGREEN_CHECK_INPUT(computed == entry.crc,
                          "{}: entry '{}': CRC-32 {:08x} expected, data gives {:08x}: the archive "
                          "is corrupt",
                          file_, entry.name, entry.crc, computed);
    return data;
  }
  EVERGREEN_CHECK_INPUT(entry.method == 0,
                        "{}: entry '{}': compression method {}: expected 0 "
                        "(stored) or 8 (deflated)",
                        file_, entry.name, entry.method);
  EVERGREEN_CHECK_INPUT(entry.compressed_size == entry.size,
                        "{}: entry '{}' is stored but its "
                        "sizes differ ({} and {} bytes): the archive is corrupt",
                        file_, entry.name, entry.compressed_size, entry.size);
  std::string data = read(data_offset, entry.size, "entry data");
  uint32_t computed = crc32(data);
  EVERGREEN_CHECK_INPUT(computed == entry.crc,
                        "{}: entry '{}': CRC-32 {:08x} expected, data "
                        "gives {:08x}: the archive is corrupt",
                        file_, entry.name, entry.crc, computed);
  return data;
}

std::string ZipArchive::read(uint64_t offset, uint64_t size, const char* what) {
  EVERGREEN_CHECK_INPUT(offset <= file_size_ && size <= file_size_ - offset,
                        "{}: {} at offset "
                        "{} ({} bytes) runs past the end of the file ({} bytes): the archive is "
                        "truncated or corrupt",
                        file_, what, offset, size, file_size_);
  std::string bytes(size, '\0');
  in_->clear();
  in_->seekg(static_cast<std::streamoff>(offset));
  in_->read(bytes.data(), static_cast<std::streamsize>(size));
  EVERGREEN_CHECK_INPUT(static_cast<uint64_t>(in_->gcount()) == size, "{}: read error", file_);
  return bytes;
}

void ZipArchive::read_central_directory() {
  // The end-of-central-directory record is 22 bytes plus a comment of at most 65,535.
  const uint64_t tail_size = std::min<uint64_t>(file_size_, 22 + 65535);
  const uint64_t tail_offset = file_size_ - tail_size;
  std::string tail = read(tail_offset, tail_size, "end of file");
  size_t end_record = std::string_view::npos;
  for (size_t p = tail.size() >= 22 ? tail.size() - 22 + 1 : 0; p-- > 0;) {
    if (read_little_endian(tail, p, 4) == 0x06054b50) {
      end_record = p;
      break;
    }
  }
  EVERGREEN_CHECK_INPUT(end_record != std::string_view::npos,
                        "{}: not a zip archive (no end-of-central-directory record): expected {}",
                        file_, expected_);
  uint64_t count = read_little_endian(tail, end_record + 10, 2);
  uint64_t directory_size = read_little_endian(tail, end_record + 12, 4);
  uint64_t directory_offset = read_little_endian(tail, end_record + 16, 4);
  if (count == 0xFFFF || directory_size == 0xFFFFFFFF || directory_offset == 0xFFFFFFFF) {
    // ZIP64: a locator just before the record points at the 64-bit end record.
    uint64_t record_offset = tail_offset + end_record;
    EVERGREEN_CHECK_INPUT(record_offset >= 20,
                          "{}: ZIP64 locator missing: the archive is "
                          "corrupt",
                          file_);
    std::string locator = read(record_offset - 20, 20, "ZIP64 locator");
    EVERGREEN_CHECK_INPUT(read_little_endian(locator, 0, 4) == 0x07064b50,
                          "{}: ZIP64 locator "
                          "missing: the archive is corrupt",
                          file_);
    std::string record = read(read_little_endian(locator, 8, 8), 56, "ZIP64 end record");
    EVERGREEN_CHECK_INPUT(read_little_endian(record, 0, 4) == 0x06064b50,
                          "{}: ZIP64 end record "
                          "missing: the archive is corrupt",
                          file_);
    count = read_little_endian(record, 32, 8);
    directory_size = read_little_endian(record, 40, 8);
    directory_offset = read_little_endian(record, 48, 8);
  }
  std::string directory = read(directory_offset, directory_size, "central directory");
  size_t p = 0;
  for (uint64_t i = 0; i < count; ++i) {
    EVERGREEN_CHECK_INPUT(
        p + 46 <= directory.size() && read_little_endian(directory, p, 4) == 0x02014b50,
        "{}: central directory entry {} is malformed: the archive is corrupt", file_, i + 1);
    ZipEntry entry;
    entry.flags = static_cast<uint16_t>(read_little_endian(directory, p + 8, 2));
    entry.method = static_cast<uint16_t>(read_little_endian(directory, p + 10, 2));
    entry.crc = static_cast<uint32_t>(read_little_endian(directory, p + 16, 4));
    entry.compressed_size = read_little_endian(directory, p + 20, 4);
    entry.size = read_little_endian(directory, p + 24, 4);
    size_t name_length = read_little_endian(directory, p + 28, 2);
    size_t extra_length = read_little_endian(directory, p + 30, 2);
    size_t comment_length = read_little_endian(directory, p + 32, 2);
    entry.local_header_offset = read_little_endian(directory, p + 42, 4);
    EVERGREEN_CHECK_INPUT(p + 46 + name_length + extra_length + comment_length <= directory.size(),
                          "{}: central directory entry {} is malformed: the archive is corrupt",
                          file_, i + 1);
    entry.name = directory.substr(p + 46, name_length);
    read_zip64_extra(std::string_view(directory).substr(p + 46 + name_length, extra_length),
                     &entry);
    entries_.push_back(std::move(entry));
    p += 46 + name_length + extra_length + comment_length;
  }
}

// Sizes and offsets of 0xFFFFFFFF are placeholders whose real values follow, in this order,
// in the ZIP64 extra field (id 1).
void ZipArchive::read_zip64_extra(std::string_view extra, ZipEntry* entry) {
  for (size_t p = 0; p + 4 <= extra.size();) {
    size_t id = read_little_endian(extra, p, 2);
    size_t length = read_little_endian(extra, p + 2, 2);
    if (p + 4 + length > extra.size()) return;
    if (id == 1) {
      size_t q = p + 4;
      for (uint64_t* value : {&entry->size, &entry->compressed_size, &entry->local_header_offset}) {
        if (*value != 0xFFFFFFFF) continue;
        EVERGREEN_CHECK_INPUT(q + 8 <= p + 4 + length,
                              "{}: entry '{}': ZIP64 extra field is "
                              "too short: the archive is corrupt",
                              file_, entry->name);
        *value = read_little_endian(extra, q, 8);
        q += 8;
      }
    }
    p += 4 + length;
  }
}

// Raw deflate (ZIP method 8) of an archive in memory, through zlib: exactly `size` bytes.
std::string ZipArchive::inflate_raw(const std::string& compressed, uint64_t size,
                                    const ZipEntry& entry) {
  std::string data(size, '\0');
  z_stream stream{};
  EVERGREEN_CHECK_INPUT(inflateInit2(&stream, -MAX_WBITS) == Z_OK, "{}: zlib failed to start",
                        file_);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(data.data());
  stream.avail_out = static_cast<uInt>(size);
  const int status = inflate(&stream, Z_FINISH);
  const uint64_t produced = stream.total_out;
  inflateEnd(&stream);
  EVERGREEN_CHECK_INPUT(status == Z_STREAM_END && produced == size,
                        "{}: entry '{}': its deflated data {} ({} of {} bytes): the archive is "
                        "corrupt",
                        file_, entry.name, status == Z_STREAM_END ? "end early" : "are damaged",
                        produced, size);
  return data;
}

// Deflate is left to the system's unzip, as the NASA reader leaves bzip2 to tar: no
// decompression library in the build for a format NumPy only writes with savez_compressed.
std::string ZipArchive::inflate_with_unzip(const ZipEntry& entry) {
  CommandPipe unzip;
  const bool started = unzip.start(
      fmt::format("unzip -p {} {} 2>/dev/null", shell_quote(file_), shell_quote(entry.name)));
  EVERGREEN_CHECK_INPUT(started, "{}: entry '{}' is deflated and 'unzip -p' could not be started",
                        file_, entry.name);
  const std::string data = unzip.read_all();
  const int status = unzip.close();
  if (!command_succeeded(status)) {
    std::string how = status == -1 ? "could not be waited for"
                      : WIFEXITED(status)
                          ? fmt::format("exited with status {}{}", WEXITSTATUS(status),
                                        WEXITSTATUS(status) == 127 ? " (not installed?)" : "")
                          : "was killed by a signal";
    throw InputError(
        fmt::format("{}: entry '{}' is deflated and 'unzip -p' {}: expected a "
                    "valid zip archive and unzip on the PATH",
                    file_, entry.name, how));
  }
  EVERGREEN_CHECK_INPUT(data.size() == entry.size,
                        "{}: entry '{}': unzip gave {} bytes, the "
                        "central directory says {}: the archive is corrupt",
                        file_, entry.name, data.size(), entry.size);
  return data;
}

}  // namespace evergreen
