// Running a helper program (the Python references of the benchmarks) and reading what it prints.
#pragma once

#include <cstdio>
#include <string>

namespace evergreen::cli {

/// Everything `command` writes to stdout ("" when it cannot be started).
inline std::string read_command_output(const std::string& command) {
  std::string output;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    size_t count;
    while ((count = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, count);
    pclose(pipe);
  }
  return output;
}

}  // namespace evergreen::cli
