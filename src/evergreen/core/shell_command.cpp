#include "evergreen/core/shell_command.h"

#include <cstdlib>

namespace evergreen {

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  return quoted + "'";
}

bool command_available(const std::string& program) {
  return std::system(("command -v " + shell_quote(program) + " > /dev/null 2>&1").c_str()) == 0;
}

}  // namespace evergreen
