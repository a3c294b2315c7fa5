// Building /bin/sh command lines safely: the one quoting rule every caller uses.
#pragma once

#include <string>

namespace evergreen {

/// `text` as one POSIX shell word: single quotes, each embedded quote closed, escaped and
/// reopened.
///
/// Example:
///   std::string command = "unzip -p " + shell_quote(archive) + " " + shell_quote(entry);
std::string shell_quote(const std::string& text);

/// True when `program` is found on PATH.
bool command_available(const std::string& program);

}  // namespace evergreen
