// Reading entries of a ZIP archive (including ZIP64, as NumPy writes for .npz files) without a
// decompression library: stored entries are read and CRC-checked here, deflated ones are left to
// the system's `unzip -p`. Messages speak of NumPy .npz files, the one ZIP-based format read.
#pragma once

#include <cstdint>
#include <fstream>
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

  std::string file_;
  std::ifstream in_;
  uint64_t file_size_ = 0;
  std::vector<ZipEntry> entries_;
};

}  // namespace evergreen
