// Quoting user text inside one-line messages: a field of a malformed file can be megabytes long
// or hold control bytes (a CR would overwrite the "file:line" prefix on a terminal).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace evergreen {

/// `text` fit to quote in a message: control and non-ASCII-printable bytes below 0x20 and 0x7f
/// escaped (\r, \n, \t, \xNN), cut to `limit` characters of output, a cut one ending in "...".
std::string quote(std::string_view text, size_t limit = 80);

/// A whole message fit for one terminal line: control bytes escaped, at most `limit` characters.
/// The last defence of the command line: every message it prints goes through it.
std::string one_line(std::string_view message, size_t limit = 1000);

}  // namespace evergreen
