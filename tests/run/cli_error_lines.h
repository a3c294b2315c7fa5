// The error lines of a CLI run's output: a refusal must be exactly one of them, whatever
// progress lines came before.
#pragma once

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

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

/// Exit code `exit_code` and exactly one line of output containing every `needles`.
inline void expect_one_line_error(const CommandResult& result,
                                  const std::vector<std::string>& needles, int exit_code = 2) {
  EXPECT_EQ(result.exit_code, exit_code) << result.output;
  std::string output = result.output;
  while (!output.empty() && output.back() == '\n') output.pop_back();
  EXPECT_EQ(output.find('\n'), std::string::npos) << "more than one line: " << result.output;
  for (const auto& needle : needles)
    EXPECT_NE(result.output.find(needle), std::string::npos) << needle << " in " << result.output;
}

}  // namespace evergreen::testing
