// Splitting delimited text lines into fields that remember their column, parsing them, and
// quoting them in messages, for readers whose errors name the file, line and column.
#pragma once

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "evergreen/core/quoting.h"

namespace evergreen {

/// One field of a line: its text (trimmed, outer double quotes removed) and the 1-based
/// character column of its first character.
struct Field {
  std::string_view text;
  int64_t column = 0;
};

/// `text` without surrounding spaces and tabs, and without one pair of enclosing double quotes.
inline std::string_view trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t");
  text = text.substr(begin, end - begin + 1);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    text = text.substr(1, text.size() - 2);
  return text;
}

/// True when `line` holds only spaces and tabs.
inline bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

/// Removes a trailing '\r' (a file with Windows line ends) and, on line 1, a UTF-8 byte-order
/// mark, both of which editors and spreadsheets leave in otherwise valid files.
inline void clean_line(int64_t line_number, std::string* line) {
  if (!line->empty() && line->back() == '\r') line->pop_back();
  if (line_number == 1 && line->rfind("\xEF\xBB\xBF", 0) == 0) line->erase(0, 3);
}

/// Calls visit(field) for every field of `line`, left to right. Whitespace mode (delimiter ' ')
/// treats runs of spaces and tabs as one separator and ignores leading and trailing ones.
template <typename Visit>
void for_each_field(std::string_view line, char delimiter, Visit&& visit) {
  size_t position = 0;
  if (delimiter == ' ') {
    while (true) {
      position = line.find_first_not_of(" \t", position);
      if (position == std::string_view::npos) return;
      size_t end = line.find_first_of(" \t", position);
      if (end == std::string_view::npos) end = line.size();
      visit(Field{trim(line.substr(position, end - position)), static_cast<int64_t>(position) + 1});
      position = end;
    }
  }
  while (true) {
    size_t end = line.find(delimiter, position);
    if (end == std::string_view::npos) end = line.size();
    std::string_view raw = line.substr(position, end - position);
    size_t offset = raw.find_first_not_of(" \t");
    if (offset == std::string_view::npos) offset = 0;
    visit(Field{trim(raw), static_cast<int64_t>(position + offset) + 1});
    if (end == line.size()) return;
    position = end + 1;
  }
}

/// The fields of `line` into `fields` (cleared first, so one vector serves every row of a large
/// file without reallocating).
inline void split_fields(std::string_view line, char delimiter, std::vector<Field>* fields) {
  fields->clear();
  for_each_field(line, delimiter, [&](const Field& field) { fields->push_back(field); });
}

/// Parses a whole field as a double written in decimal notation: an optional sign, digits with
/// at most one decimal point (at least one digit), an optional exponent (e or E, an optional
/// sign, digits); or the words nan, inf and infinity in any case, optionally signed, which parse
/// here and the caller judges (non-finite values are always reported, never used). strtod alone
/// would also take hexadecimal ("0x1A", "0x1p3"), "nan(...)" and leading spaces: a column of such
/// text is a mix-up, not numbers.
inline bool parse_double(std::string_view text, double* value) {
  if (text.empty() || text.size() > 64) return false;
  size_t at = text[0] == '+' || text[0] == '-' ? 1 : 0;
  auto lower_equals = [&](std::string_view word) {
    if (text.size() - at != word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      char c = text[at + i];
      if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != word[i]) return false;
    }
    return true;
  };
  const bool word = lower_equals("nan") || lower_equals("inf") || lower_equals("infinity");
  if (!word) {
    auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    size_t digits = 0;
    while (at < text.size() && is_digit(text[at])) ++at, ++digits;
    if (at < text.size() && text[at] == '.') {
      ++at;
      while (at < text.size() && is_digit(text[at])) ++at, ++digits;
    }
    if (digits == 0) return false;
    if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
      ++at;
      if (at < text.size() && (text[at] == '+' || text[at] == '-')) ++at;
      size_t exponent_digits = 0;
      while (at < text.size() && is_digit(text[at])) ++at, ++exponent_digits;
      if (exponent_digits == 0) return false;
    }
    if (at != text.size()) return false;
  }
  std::array<char, 65> buffer{};
  std::copy(text.begin(), text.end(), buffer.begin());
  char* end = nullptr;
  *value = std::strtod(buffer.data(), &end);
  return end == buffer.data() + text.size();
}

/// Parses a whole field as a base-10 int64: an optional sign and digits only (false when it is
/// not one or out of range; strtoll alone would also skip leading spaces).
inline bool parse_int64(std::string_view text, int64_t* value) {
  if (text.empty() || text.size() > 20) return false;
  const size_t first_digit = text[0] == '+' || text[0] == '-' ? 1 : 0;
  if (first_digit == text.size()) return false;
  for (size_t i = first_digit; i < text.size(); ++i)
    if (text[i] < '0' || text[i] > '9') return false;
  std::array<char, 21> buffer{};
  std::copy(text.begin(), text.end(), buffer.begin());
  char* end = nullptr;
  errno = 0;
  long long parsed = std::strtoll(buffer.data(), &end, 10);
  if (end != buffer.data() + text.size() || errno == ERANGE) return false;
  *value = parsed;
  return true;
}

/// Parses a whole field as a count: a plain digit string, no sign, no exponent, at most 18 digits
/// (so it cannot overflow).
inline bool parse_count(std::string_view text, int64_t* value) {
  if (text.empty() || text.size() > 18) return false;
  int64_t result = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    result = result * 10 + (c - '0');
  }
  *value = result;
  return true;
}

/// `text` for quoting in a message (quote(): control bytes escaped, at most 80 characters): long
/// garbage, a binary file read as text, must not make the message unreadable.
inline std::string shorten(std::string_view text) { return quote(text); }

/// shorten() of the first line of `text` only, for snippets that may span lines (JSON, binary
/// headers): the message must stay one line.
inline std::string shorten_first_line(std::string_view text) {
  return shorten(text.substr(0, text.find_first_of("\r\n")));
}

}  // namespace evergreen
