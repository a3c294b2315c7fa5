// Options are data: every component reads its options from a YAML map with defaults, and every
// value read (default or given) is written back, so the resolved map reproduces the run exactly.
#pragma once

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"

namespace evergreen {

/// One documented option, collected for `--help`-style listings.
struct OptionDoc {
  std::string key;
  std::string default_value;
  std::string help;
};

/// A view on one YAML map of options, with the file it came from for error messages.
///
/// Example:
///   Options options(config["train"], "train", "run.yaml");
///   int epochs = options.get<int>("epochs", 20, "passes over each experience");
///   options.check_all_read();   // rejects typos such as `epocs`
class Options {
 public:
  Options(YAML::Node node, std::string path, std::string file = "");

  template <typename T>
  T get(const std::string& key, const T& default_value, const std::string& help = "");

  /// A string option that must be one of `choices`; the help lists them.
  ///
  /// Example:
  ///   auto rule = options.get_choice("integral_rule", "trapezoid", {"trapezoid", "mean"},
  ///                                  "integration rule per interval");
  std::string get_choice(const std::string& key, const std::string& default_value,
                         const std::vector<std::string>& choices, const std::string& help = "");

  /// The nested map `key` (created empty when absent).
  Options child(const std::string& key);

  /// Marks `key` as handled by the caller (for values that are not plain options).
  void mark_read(const std::string& key) { read_.insert(key); }

  /// True when the options are read only to be listed (`evergreen run --list`): a factory whose
  /// work is costly (reading a data set) returns an empty result once its options are read.
  bool listing_only() const { return listing_only_; }
  void set_listing_only(bool listing_only) { listing_only_ = listing_only; }

  /// Throws InputError naming every key that no component read (a typo or an unknown option).
  void check_all_read() const;

  /// "file:line:column: field 'path.key'" for messages about one field.
  std::string where(const std::string& key) const;

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }
  const std::vector<OptionDoc>& docs() const { return docs_; }

 private:
  std::string field(const std::string& key) const;

  YAML::Node node_;
  std::string path_;
  std::string file_;
  std::set<std::string> read_;
  std::vector<OptionDoc> docs_;
  bool listing_only_ = false;
};

/// `help` followed by the allowed values, as listings, `--help` and the docs show it.
std::string help_with_choices(const std::string& help, const std::vector<std::string>& choices);

/// Throws InputError "FIELD: must be one of a, b, got 'c'" unless `value` is one of `choices`.
void check_choice(const std::string& field, const std::string& value,
                  const std::vector<std::string>& choices);

/// Loads a YAML config file (a map): a missing file, a directory, a parse error or a key given
/// twice in one map becomes an InputError with file, line and column.
YAML::Node load_yaml_file(const std::string& file);

/// The same for YAML text (the contents of `file`, named in messages).
YAML::Node parse_yaml_config(const std::string& text, const std::string& file);

/// Applies `key.sub=value` (value parsed as YAML) to `root`. Messages about the field then name
/// `origin` (default "--set key.sub=value": "--set green.pue=nan: ...") instead of a position in
/// the file.
void apply_override(YAML::Node root, const std::string& assignment, const std::string& origin = "");

/// Writes `node` as YAML to `file` (temporary file + rename).
void save_yaml_file(const YAML::Node& node, const std::string& file);

template <typename T>
T Options::get(const std::string& key, const T& default_value, const std::string& help) {
  read_.insert(key);
  YAML::Node value = node_[key];
  if (!value.IsDefined() || value.IsNull()) {
    node_[key] = default_value;
    if constexpr (std::is_floating_point_v<T>) {
      // The shortest text that reads back as the value (0.2, not 0.20000000000000001).
      docs_.push_back({key, fmt::format("{}", default_value), help});
    } else {
      YAML::Emitter emitter;
      emitter << YAML::Flow << node_[key];
      docs_.push_back({key, emitter.c_str(), help});
    }
    return default_value;
  }
  try {
    return value.as<T>();
  } catch (const YAML::Exception&) {
    YAML::Emitter emitter;
    emitter << YAML::Flow << value;
    throw InputError(where(key) + ": cannot read '" + quote(emitter.c_str()) +
                     "' as the expected " +
                     (std::is_same_v<T, bool>          ? "boolean"
                      : std::is_integral_v<T>          ? "integer"
                      : std::is_floating_point_v<T>    ? "number"
                      : std::is_same_v<T, std::string> ? "string"
                                                       : "list"));
  }
}

}  // namespace evergreen
