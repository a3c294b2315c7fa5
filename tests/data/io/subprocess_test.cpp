#include "evergreen/data/io/subprocess.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <string>

namespace evergreen {
namespace {

TEST(Subprocess, ShellQuoteKeepsAnyTextOneWord) {
  EXPECT_EQ(shell_quote("plain.npz"), "'plain.npz'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  // The shell must hand the text back unchanged, as one argument.
  const std::string text = "a file's name with  spaces, \"quotes\", $HOME and `ticks`";
  CommandPipe printf_pipe;
  ASSERT_TRUE(printf_pipe.start("printf '%s|' " + shell_quote(text)));
  EXPECT_EQ(printf_pipe.read_all(), text + "|");
  EXPECT_TRUE(command_succeeded(printf_pipe.close()));
}

TEST(Subprocess, CommandPipeReportsStatusAndFirstErrorLine) {
  CommandPipe failing;
  ASSERT_TRUE(failing.capture_errors());
  ASSERT_TRUE(
      failing.start("{ printf 'out'; printf '\\n  \\n  tool: it broke \\nmore\\n' >&2; exit 3; }"));
  EXPECT_EQ(failing.read_all(), "out");
  const int status = failing.close();
  EXPECT_FALSE(command_succeeded(status));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_EQ(failing.first_error_line(), "tool: it broke");
  EXPECT_EQ(failing.stream(), nullptr);

  CommandPipe quiet;  // standard error not captured: nothing to report
  ASSERT_TRUE(quiet.start("true"));
  EXPECT_EQ(quiet.read_all(), "");
  EXPECT_TRUE(command_succeeded(quiet.close()));
  EXPECT_EQ(quiet.first_error_line(), "");
}

}  // namespace
}  // namespace evergreen
