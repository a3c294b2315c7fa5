#include "evergreen/data/io/subprocess.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "evergreen/data/io/text_fields.h"

namespace evergreen {

bool command_succeeded(int status) {
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

CommandPipe::~CommandPipe() {
  if (stream_) pclose(stream_);
  if (!errors_file_.empty()) std::remove(errors_file_.c_str());
}

bool CommandPipe::capture_errors() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "evergreen-command-XXXXXX").string();
  int descriptor = mkstemp(pattern.data());
  if (descriptor < 0) return false;
  ::close(descriptor);
  errors_file_ = pattern;
  return true;
}

bool CommandPipe::start(const std::string& command) {
  const std::string line =
      errors_file_.empty() ? command : command + " 2>" + shell_quote(errors_file_);
  stream_ = popen(line.c_str(), "r");
  return stream_ != nullptr;
}

std::string CommandPipe::read_all() {
  std::string data;
  std::array<char, 1 << 16> buffer{};
  size_t got = 0;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), stream_)) > 0)
    data.append(buffer.data(), got);
  return data;
}

int CommandPipe::close() {
  const int status = pclose(stream_);
  stream_ = nullptr;
  return status;
}

std::string CommandPipe::first_error_line() const {
  if (errors_file_.empty()) return "";
  std::string line;
  std::ifstream errors(errors_file_);
  while (std::getline(errors, line) && is_blank(line)) {
  }
  return std::string(trim(line));
}

}  // namespace evergreen
