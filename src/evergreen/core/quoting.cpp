#include "evergreen/core/quoting.h"

#include <cstdio>

namespace evergreen {
namespace {

/// The escaped form of one byte.
std::string escaped(unsigned char c) {
  switch (c) {
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      break;
  }
  if (c < 0x20 || c == 0x7f) {
    char hex[5];
    std::snprintf(hex, sizeof(hex), "\\x%02x", c);
    return hex;
  }
  return std::string(1, static_cast<char>(c));
}

/// `text` escaped; when that exceeds `limit` characters, the longest prefix of whole escapes
/// that fits in limit - 3, then "...".
std::string escaped_within(std::string_view text, size_t limit) {
  limit = limit < 4 ? 4 : limit;
  std::string out;
  size_t cut = std::string::npos;  // length of out when it last fitted in limit - 3
  for (unsigned char c : text) {
    if (out.size() <= limit - 3) cut = out.size();
    out += escaped(c);
    if (out.size() > limit) {
      out.resize(cut);
      return out + "...";
    }
  }
  return out;
}

}  // namespace

std::string quote(std::string_view text, size_t limit) { return escaped_within(text, limit); }

std::string one_line(std::string_view message, size_t limit) {
  return escaped_within(message, limit);
}

}  // namespace evergreen
