// Registries: names -> factories, declared as explicit tables (one line per component), so that
// nothing depends on static-initialisation order or on the linker keeping unused objects. A row
// may carry typed traits (what a model reads and offers, what a strategy needs), so that a plan
// and `--list` know which components fit together without building them.
#pragma once

#include <string>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"

namespace evergreen {

/// Traits of registries whose rows declare none.
struct NoTraits {};

/// Example:
///   Registry<StrategyFactory> strategies("strategy", {{"naive", "fine-tune", make_naive}});
///   auto strategy = strategies.find("naive", "run.yaml:3:5").make(options);
template <typename Factory, typename Traits = NoTraits>
class Registry {
 public:
  struct Entry {
    std::string name;
    std::string description;
    Factory make;
    Traits traits = {};
  };

  Registry(std::string kind, std::vector<Entry> entries)
      : kind_(std::move(kind)), entries_(std::move(entries)) {}

  /// The entry called `name`; InputError listing the known names otherwise. `where` locates the
  /// name in the config for the message.
  const Entry& find(const std::string& name, const std::string& where) const {
    for (const auto& entry : entries_)
      if (entry.name == name) return entry;
    throw InputError(fmt::format("{}: unknown {} '{}' (known: {})", where, kind_, quote(name),
                                 fmt::join(names(), ", ")));
  }

  std::vector<std::string> names() const {
    std::vector<std::string> result;
    for (const auto& entry : entries_) result.push_back(entry.name);
    return result;
  }

  const std::vector<Entry>& entries() const { return entries_; }
  const std::string& kind() const { return kind_; }

 private:
  std::string kind_;
  std::vector<Entry> entries_;
};

}  // namespace evergreen
