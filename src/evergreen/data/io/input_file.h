// Opening a data file for reading, with errors that name it.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "evergreen/core/error.h"

namespace evergreen {

/// InputError unless `file` exists and is not a directory.
inline void check_readable_file(const std::string& file) {
  std::error_code error;
  EVERGREEN_CHECK_INPUT(std::filesystem::exists(file, error), "{}: file not found", file);
  EVERGREEN_CHECK_INPUT(!std::filesystem::is_directory(file, error),
                        "{}: is a directory, expected a file", file);
}

/// `file` opened in binary mode after check_readable_file.
inline std::ifstream open_input_file(const std::string& file) {
  check_readable_file(file);
  std::ifstream in(file, std::ios::binary);
  EVERGREEN_CHECK_INPUT(in.good(), "{}: cannot open for reading", file);
  return in;
}

/// The whole contents of `file`, for formats parsed in memory (JSON).
inline std::string read_whole_file(const std::string& file) {
  std::ifstream in = open_input_file(file);
  std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EVERGREEN_CHECK_INPUT(!in.bad(), "{}: read error", file);
  return contents;
}

}  // namespace evergreen
