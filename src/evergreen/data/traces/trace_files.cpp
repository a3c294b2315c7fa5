#include "evergreen/data/traces/trace_files.h"

#include <algorithm>
#include <filesystem>
#include <string_view>

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

// Glob matching with '*' and '?' (no character classes: trace file names need none).
bool glob_match(std::string_view pattern, std::string_view name) {
  size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Natural order: runs of digits compare by value, so day 2 comes before day 10 even without
// zero padding.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t a_end = i, b_end = j;
      while (a_end < a.size() && is_digit(a[a_end])) ++a_end;
      while (b_end < b.size() && is_digit(b[b_end])) ++b_end;
      std::string_view x(a.data() + i, a_end - i), y(b.data() + j, b_end - j);
      while (x.size() > 1 && x.front() == '0') x.remove_prefix(1);
      while (y.size() > 1 && y.front() == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = a_end;
      j = b_end;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
  return a < b;  // equal by value ("d01" vs "d1"): any fixed order
}

}  // namespace

std::vector<std::string> list_trace_files(const std::string& directory,
                                          const std::string& pattern) {
  std::error_code error;
  EVERGREEN_CHECK_INPUT(std::filesystem::is_directory(directory, error), "{}: directory not found",
                        directory);
  EVERGREEN_CHECK_INPUT(pattern.find('/') == std::string::npos && !pattern.empty(),
                        "{}: file pattern '{}': expected a file name with * and ?, no '/'",
                        directory, pattern);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file(error) && glob_match(pattern, name)) names.push_back(name);
  }
  EVERGREEN_CHECK_INPUT(!error, "{}: cannot list the directory: {}", directory, error.message());
  EVERGREEN_CHECK_INPUT(!names.empty(), "{}: no file matches '{}'", directory, pattern);
  std::sort(names.begin(), names.end(), natural_less);
  std::vector<std::string> files;
  for (const std::string& name : names)
    files.push_back((std::filesystem::path(directory) / name).string());
  return files;
}

}  // namespace evergreen
