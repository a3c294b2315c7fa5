// Reading entries of a ZIP archive (including ZIP64, as NumPy writes for .npz files) without a
// decompression step of its own: stored entries are read and CRC-checked here, deflated ones are
// inflated by zlib (archives in memory) or the system's `unzip -p` (files). Archives are read from
// a file (NumPy .npz) or from memory (checkpoints, checked before LibTorch reads them).
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace evergreen {

/// Where an entry's bytes are, from the central directory: local headers may carry placeholder
/// sizes (NumPy writes ZIP64 local headers), the central directory always has the real ones.
struct ZipEntry {
  std::string name;
  uint16_t flags = 0;
  uint16_t method = 0;  ///< 0: stored, 8: deflated
  uint32_t crc = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;
  uint64_t local_header_offset = 0;
};

/// An open archive and its central directory, read by the constructor. Every error is an
/// InputError naming the file (and the entry).
///
/// Example:
///   ZipArchive zip("hawkes1.npz");
///   const ZipEntry* entry = zip.find("arrival_times.npy");
///   if (entry != nullptr) std::string bytes = zip.extract(*entry);
class ZipArchive {
 public:
  explicit ZipArchive(const std::string& file);
  /// The archive held in `bytes`, named `name` in messages, which say it should be `expected`
  /// ("an evergreen checkpoint").
  ZipArchive(const std::string& name, std::string bytes, const std::string& expected);

  /// The entry named `name`, or nullptr.
  const ZipEntry* find(const std::string& name) const;

  /// The entries' names, quoted and comma separated ("none" for an empty archive), for messages.
  std::string names() const;

  /// Every entry of the central directory, in its order.
  const std::vector<ZipEntry>& entries() const { return entries_; }

  /// The uncompressed bytes of `entry`, one of this archive's.
  std::string extract(const ZipEntry& entry);

 private:
  std::string read(uint64_t offset, uint64_t size, const char* what);
  void read_central_directory();
  void read_zip64_extra(std::string_view extra, ZipEntry* entry);
  std::string inflate_with_unzip(const ZipEntry& entry);
  std::string inflate_raw(const std::string& compressed, uint64_t size, const ZipEntry& entry);

  std::string file_;
  std::string expected_ = "a NumPy .npz file";
  bool in_memory_ = false;
  std::unique_ptr<std::istream> in_;
  uint64_t file_size_ = 0;
  std::vector<ZipEntry> entries_;
};

}  // namespace evergreen
