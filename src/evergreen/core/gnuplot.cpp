#include "evergreen/core/gnuplot.h"

#include <cstdlib>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/shell_command.h"

namespace evergreen {

bool run_gnuplot(const std::string& script_file, const std::string& script) {
  if (!command_available("gnuplot")) return false;
  write_file_atomically(script_file, script);
  return std::system(("gnuplot " + shell_quote(script_file) + " > /dev/null 2>&1").c_str()) == 0;
}

}  // namespace evergreen
