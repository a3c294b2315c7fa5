#include "test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace evergreen::testing {

TemporaryDirectory::TemporaryDirectory() {
  static std::atomic<int> counter{0};
  path_ = (std::filesystem::temp_directory_path() /
           ("evergreen-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++)))
              .string();
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

CommandResult run_cli(const std::string& arguments) {
  std::string command = std::string(EVERGREEN_CLI) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  CommandResult result;
  std::array<char, 4096> buffer{};
  size_t count;
  while ((count = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), count);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string shared_data_dir() {
  auto directory = std::filesystem::path(EVERGREEN_SOURCE_DIR) / ".." / "shared" / "data";
  return std::filesystem::is_directory(directory) ? directory.lexically_normal().string() : "";
}

void write_text(const std::string& file, const std::string& contents) {
  std::ofstream out(file, std::ios::binary);
  out << contents;
}

std::string FileTest::write(const std::string& name, const std::string& contents) {
  std::string file = directory_.file(name);
  write_text(file, contents);
  return file;
}

std::string read_text(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace evergreen::testing
