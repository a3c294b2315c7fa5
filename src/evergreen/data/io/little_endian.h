// Reading little-endian integers from bytes held in memory, as ZIP and NumPy files store them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace evergreen {

/// The unsigned integer of `width` bytes (at most 8) at `offset` in `bytes`, least significant
/// byte first. Byte by byte, so that it reads the same on a big-endian host and at any alignment;
/// the caller checks that the bytes are there.
///
/// Example:
///   uint64_t signature = read_little_endian(header, 0, 4);  // 0x04034b50 for "PK\3\4"
inline uint64_t read_little_endian(std::string_view bytes, size_t offset, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i)
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  return value;
}

}  // namespace evergreen
