#include "evergreen/core/option_schema.h"

#include <algorithm>

namespace evergreen {
namespace {

// A '|' inside a cell would end it.
std::string markdown_cell(std::string text) {
  for (size_t at = text.find('|'); at != std::string::npos; at = text.find('|', at + 2))
    text.replace(at, 1, "\\|");
  return text;
}

}  // namespace

std::string OptionSpec::flag() const {
  std::string flag = "--" + key;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

std::string options_markdown_table(const std::vector<OptionSpec>& specs) {
  std::string table = "| key | default | meaning |\n| --- | --- | --- |\n";
  for (const OptionSpec& spec : specs)
    table += fmt::format("| `{}` | `{}` | {} |\n", spec.key, spec.default_value,
                         markdown_cell(spec.help));
  return table;
}

}  // namespace evergreen
