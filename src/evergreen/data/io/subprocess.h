// Running a shell command and reading its standard output through a pipe, for the formats whose
// decompression is left to a system tool (tar for bzip2, unzip for deflate) instead of a library
// in the build.
#pragma once

#include <cstdio>
#include <string>

#include "evergreen/core/shell_command.h"  // shell_quote, for the command lines built here

namespace evergreen {

/// True when `status` (from CommandPipe::close or pclose) says the command exited with status 0.
bool command_succeeded(int status);

/// A /bin/sh command whose standard output is read through a pipe (popen). Its standard error can
/// go to a temporary file, so that a failure is reported in one line with the tool's own words.
/// The destructor closes a pipe still open (a reader that stopped early: the command's failure is
/// then expected and not judged) and removes the temporary file.
///
/// Example:
///   CommandPipe tar;
///   if (!tar.capture_errors() || !tar.start("tar -xOjf " + shell_quote(file))) throw ...;
///   ... std::fread(buffer, 1, size, tar.stream()) ...
///   int status = tar.close();
///   if (!command_succeeded(status)) throw InputError(... + tar.first_error_line());
class CommandPipe {
 public:
  CommandPipe() = default;
  ~CommandPipe();
  CommandPipe(const CommandPipe&) = delete;
  CommandPipe& operator=(const CommandPipe&) = delete;

  /// Creates the temporary file that start() sends the command's standard error to; false when
  /// it cannot be created. Call before start().
  bool capture_errors();

  /// Starts `command`, with ` 2>FILE` appended after capture_errors(); false when the shell
  /// cannot be started. The redirection applies to the last command of a list or pipeline: write
  /// `{ a; b; }` to capture all of them.
  bool start(const std::string& command);

  /// The command's standard output; nullptr before start() and after close().
  FILE* stream() const { return stream_; }

  /// Everything the command still writes to its standard output.
  std::string read_all();

  /// Closes the pipe and waits for the command: pclose's status, -1 when the command could not be
  /// waited for (decode it with command_succeeded or <sys/wait.h>'s WIFEXITED and friends).
  int close();

  /// The first non-blank line the command wrote to its standard error, trimmed (tools such as
  /// bzip2 start their report with a blank line); "" when there is none or capture_errors() was
  /// not called. Complete once close() has waited for the command.
  std::string first_error_line() const;

 private:
  FILE* stream_ = nullptr;
  std::string errors_file_;  // "" unless capture_errors() made it
};

}  // namespace evergreen
