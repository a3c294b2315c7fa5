#include "schema_flags.h"

#include "evergreen/core/error.h"

namespace evergreen::cli {

std::shared_ptr<SchemaFlags> SchemaFlags::add(CLI::App& command,
                                              const std::vector<OptionSpec>& specs,
                                              std::string where) {
  std::shared_ptr<SchemaFlags> flags(new SchemaFlags(std::move(where)));
  for (const OptionSpec& spec : specs) {
    Flag& flag = flags->flags_.emplace_back();
    flag.key = spec.key;
    flag.option = command.add_option(spec.flag(), flag.text, spec.help)
                      ->default_str(spec.default_value)
                      ->type_name(spec.type_name);
  }
  return flags;
}

YAML::Node SchemaFlags::given() const {
  YAML::Node node(YAML::NodeType::Map);
  for (const Flag& flag : flags_) {
    if (flag.option->count() == 0) continue;
    YAML::Node value;
    try {
      value = YAML::Load(flag.text);
    } catch (const YAML::Exception& error) {
      throw InputError(fmt::format("{}: {} {}: malformed value: {}", where_,
                                   flag.option->get_name(), flag.text, error.msg));
    }
    // An empty flag value is an empty string, not YAML's null (which would mean the default).
    // A scalar is rebuilt from its text so that it carries no position: the command line has no
    // lines to point at.
    if (flag.text.empty() || value.IsScalar())
      node[flag.key] = flag.text.empty() ? std::string() : value.Scalar();
    else
      node[flag.key] = value;
  }
  return node;
}

}  // namespace evergreen::cli
