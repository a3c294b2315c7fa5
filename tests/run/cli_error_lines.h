// The error lines of a CLI run's output: a refusal must be exactly one of them, whatever
// progress lines came before.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace evergreen::testing {

/// The lines of `output` that start with "evergreen: error:" or "evergreen: internal error:",
/// and any backtrace-like line ("frame #", "Exception raised from").
inline std::vector<std::string> error_lines(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("evergreen: error:", 0) == 0 ||
        line.rfind("evergreen: internal error:", 0) == 0 ||
        line.find("frame #") != std::string::npos ||
        line.find("Exception raised from") != std::string::npos)
      lines.push_back(line);
  return lines;
}

}  // namespace evergreen::testing
