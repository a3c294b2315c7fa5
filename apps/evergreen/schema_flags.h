// CLI flags derived from an option schema: one `--key-with-dashes` per option, read back through
// the schema so the command line gets the same defaults, checks and messages as a config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "evergreen/core/option_schema.h"

namespace evergreen::cli {

/// The flags of one subcommand. Each holds its text until the subcommand's callback reads them.
///
/// Example:
///   auto flags = SchemaFlags::add(*command, workload_generator_schema().specs(), "gen workload");
///   command->callback([flags] {
///     WorkloadGeneratorOptions options = flags->read(workload_generator_schema());
///   });
class SchemaFlags {
 public:
  /// Adds one string flag per option to `command`, its default and allowed values in `--help`;
  /// `where` starts the error messages ("gen workload: field 'days': must be >= 1, got 0").
  static std::shared_ptr<SchemaFlags> add(CLI::App& command, const std::vector<OptionSpec>& specs,
                                          std::string where);

  /// The flags given, as the YAML map a config would hold: `--steps-per-day 24` becomes
  /// `steps_per_day: 24`, each value parsed as YAML like `--set`.
  YAML::Node given() const;

  /// The struct the given flags describe, checked by `schema`.
  template <typename S>
  S read(const OptionSchema<S>& schema) const {
    Options options(given(), "", where_);
    return schema.read(options);
  }

 private:
  explicit SchemaFlags(std::string where) : where_(std::move(where)) {}

  struct Flag {
    std::string key;
    std::string text;
    CLI::Option* option = nullptr;
  };
  std::string where_;
  std::deque<Flag> flags_;  // CLI11 keeps pointers to each text: a deque does not move them
};

}  // namespace evergreen::cli
