#include "evergreen/core/atomic_file.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "evergreen/core/error.h"

namespace evergreen {

void write_atomically_with(const std::string& file,
                           const std::function<void(const std::string&)>& write) {
  std::string temporary = file + ".tmp";
  write(temporary);
  std::error_code error;
  std::filesystem::rename(temporary, file, error);
  EVERGREEN_CHECK_INPUT(!error, "{}: cannot write: {}", file, error.message());
}

void write_file_atomically(const std::string& file, const std::string& contents) {
  write_atomically_with(file, [&](const std::string& temporary) {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    EVERGREEN_CHECK_INPUT(out.good(), "{}: cannot open for writing", temporary);
    out << contents;
    out.close();
    EVERGREEN_CHECK_INPUT(!out.fail(), "{}: write failed (disk full?)", temporary);
  });
}

void ensure_writable_directory(const std::string& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  EVERGREEN_CHECK_INPUT(!error && std::filesystem::is_directory(directory),
                        "{}: cannot create the output directory: {}", directory,
                        error ? error.message() : "not a directory");
  EVERGREEN_CHECK_INPUT(access(directory.c_str(), W_OK) == 0,
                        "{}: the output directory is not writable", directory);
}

}  // namespace evergreen
