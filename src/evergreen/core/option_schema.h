// An options struct declared once: each option's key, help, default, allowed values and checks
// live in one schema, from which the YAML reader, the CLI flags and the docs table are derived,
// so that they cannot drift apart.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/core/options.h"
#include "evergreen/core/quoting.h"

namespace evergreen {

/// One option as a command line or a docs table sees it, without the struct's type.
struct OptionSpec {
  std::string key;            ///< the YAML key, snake_case
  std::string help;           ///< with the allowed values, if any, appended
  std::string default_value;  ///< as a user would type it
  std::string type_name;      ///< INT, FLOAT, BOOL, TEXT or LIST (for `--help`)
  std::vector<std::string> choices;

  /// The command-line flag: `--steps-per-day` for `steps_per_day`.
  std::string flag() const;
};

/// A markdown table `| key | default | meaning |` with one row per option.
std::string options_markdown_table(const std::vector<OptionSpec>& specs);

namespace option_schema_detail {

// `quoted` marks strings off in messages ("got 'foo'"); defaults are shown as typed.
template <typename T>
std::string format_value(const T& value, bool quoted) {
  if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_arithmetic_v<T>) {
    return fmt::format("{}", value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (quoted) return "'" + value + "'";
    return value.empty() ? "\"\"" : value;
  } else {
    std::vector<std::string> items;
    for (const auto& item : value) items.push_back(format_value(item, quoted));
    return fmt::format("[{}]", fmt::join(items, ", "));
  }
}

template <typename T>
std::string type_name() {
  if constexpr (std::is_same_v<T, bool>) return "BOOL";
  if constexpr (std::is_integral_v<T>) return "INT";
  if constexpr (std::is_floating_point_v<T>) return "FLOAT";
  if constexpr (std::is_same_v<T, std::string>) return "TEXT";
  return "LIST";
}

}  // namespace option_schema_detail

/// The options of struct S (a `TORCH_ARG` struct), declared once. Defaults come from S's
/// defaults; a violated check is an InputError naming the field.
///
/// Example:
///   OptionSchema<WindowOptions> schema("window");
///   schema.add("periods", [](WindowOptions& o) -> auto& { return o.periods(); }, "experiences")
///       .min(1);
///   schema.add("rule", [](WindowOptions& o) -> auto& { return o.rule(); }, "integration rule")
///       .choices({"trapezoid", "mean"});
///   // InputError "run.yaml:3:5: field 'stream.periods': must be >= 1, got 0":
///   WindowOptions options = schema.read(config_options);
///   // InputError "window option 'periods': must be >= 1, got 0":
///   schema.validate(WindowOptions().periods(0));
template <typename S>
class OptionSchema {
 public:
  /// One option. The setters return the entry so that a declaration reads as one statement.
  class Entry {
   public:
    Entry& min(double bound) { return bound_by(bound, ">="); }
    Entry& greater_than(double bound) { return bound_by(bound, ">"); }
    Entry& max(double bound) { return bound_by(bound, "<="); }
    Entry& less_than(double bound) { return bound_by(bound, "<"); }

    /// The allowed values of a string option; listed in its help and in the error.
    Entry& choices(std::vector<std::string> allowed) {
      EVERGREEN_ASSERT(text_, "option '{}': choices need a string option", spec_.key);
      spec_.help = help_with_choices(spec_.help, allowed);
      spec_.choices = std::move(allowed);
      return *this;
    }

    /// A check of the whole struct (so it can compare with other fields) that this option
    /// fails: "FIELD: MESSAGE, got VALUE".
    Entry& check(std::function<bool(const S&)> holds, std::string message) {
      return check(std::move(holds), [message](const S&) { return message; });
    }
    Entry& check(std::function<bool(const S&)> holds,
                 std::function<std::string(const S&)> message) {
      checks_.push_back({std::move(holds), std::move(message)});
      return *this;
    }

    /// The C++ field's name when it differs from the key, for messages about a struct that was
    /// filled in code (validate) rather than read from a config.
    Entry& field_name(std::string name) {
      field_name_ = std::move(name);
      return *this;
    }

   private:
    friend class OptionSchema;

    struct Check {
      std::function<bool(const S&)> holds;
      std::function<std::string(const S&)> message;
    };
    struct Bound {
      double value;
      std::string relation;
      bool holds(double x) const {
        if (relation == ">=") return x >= value;
        if (relation == ">") return x > value;
        if (relation == "<=") return x <= value;
        return x < value;
      }
    };

    Entry& bound_by(double value, const char* relation) {
      EVERGREEN_ASSERT(number_, "option '{}': bounds need a numeric option", spec_.key);
      bounds_.push_back({value, relation});
      return *this;
    }

    // Throws InputError "FIELD: what is wrong, got VALUE" for the first check `options` fails.
    void check_value(S& options, const std::string& field) const {
      auto fail = [&](const std::string& expected) {
        throw InputError(fmt::format("{}: {}, got {}", field, expected, value_text_(options)));
      };
      if (number_) {
        double value = number_(options);
        if (!std::isfinite(value)) fail("must be a finite number");
        for (const Bound& bound : bounds_)
          if (!bound.holds(value)) fail(fmt::format("must be {} {}", bound.relation, bound.value));
      }
      if (!spec_.choices.empty()) check_choice(field, text_(options), spec_.choices);
      for (const Check& check : checks_)
        if (!check.holds(options)) fail(check.message(options));
    }

    OptionSpec spec_;
    std::string field_name_;
    // One accessor (S& -> field&) serves reading and checking, so the checks run on a mutable
    // struct: the one being read, or validate's copy.
    std::function<void(Options&, const OptionSpec&, S&)> read_;
    std::function<std::string(S&)> value_text_;
    std::function<double(S&)> number_;     // numeric options only
    std::function<std::string(S&)> text_;  // string options only
    std::vector<Bound> bounds_;
    std::vector<Check> checks_;
  };

  /// `name` starts messages about a struct filled in code: "NAME option 'days': ...".
  explicit OptionSchema(std::string name, S defaults = S())
      : name_(std::move(name)), defaults_(std::move(defaults)) {}

  /// An option stored in the field `field` returns (`[](S& s) -> auto& { return s.days(); }`),
  /// read with Options::get as the field's type.
  template <typename Field>
  Entry& add(std::string key, Field field, std::string help) {
    using T = std::decay_t<decltype(field(std::declval<S&>()))>;
    Entry& entry = add_entry<T>(std::move(key), field, std::move(help));
    T default_value = field(defaults_);
    entry.spec_.default_value = option_schema_detail::format_value(default_value, false);
    entry.spec_.type_name = option_schema_detail::type_name<T>();
    entry.read_ = [field, default_value](Options& options, const OptionSpec& spec, S& s) {
      field(s) = options.get<T>(spec.key, default_value, spec.help);
    };
    entry.value_text_ = [field](S& s) {
      return option_schema_detail::format_value(field(s), true);
    };
    return entry;
  }

  /// An option whose field is not stored as it is written: read as text, then `parse`d into a
  /// std::optional (empty for invalid text: "must be EXPECTED, got 'TEXT'") and shown with
  /// `to_text`. For instance a delimiter character written as `tab`.
  template <typename Field, typename ToText, typename Parse>
  Entry& add_parsed(std::string key, Field field, std::string help, ToText to_text, Parse parse,
                    std::string expected) {
    using T = std::decay_t<decltype(field(std::declval<S&>()))>;
    Entry& entry = add_entry<T>(std::move(key), field, std::move(help));
    entry.spec_.default_value = to_text(field(defaults_));
    entry.spec_.type_name = "TEXT";
    entry.read_ = [field, parse, expected](Options& options, const OptionSpec& spec, S& s) {
      auto text = options.get<std::string>(spec.key, spec.default_value, spec.help);
      std::optional<T> value = parse(text);
      EVERGREEN_CHECK_INPUT(value.has_value(), "{}: must be {}, got '{}'", options.where(spec.key),
                            expected, quote(text));
      field(s) = *value;
    };
    entry.value_text_ = [field, to_text](S& s) { return "'" + to_text(field(s)) + "'"; };
    return entry;
  }

  /// Reads every option (through Options::get, so `--list` and the resolved config see them),
  /// then checks them all. InputError: "FILE:LINE:COLUMN: field 'PATH.KEY': must be ..., got X".
  S read(Options& options) const {
    S result = defaults_;
    for (const Entry& entry : entries_) entry.read_(options, entry.spec_, result);
    for (const Entry& entry : entries_) entry.check_value(result, options.where(entry.spec_.key));
    return result;
  }

  /// Checks a struct filled in code; InputError: "NAME option 'FIELD': must be ..., got X".
  void validate(S options) const {
    for (const Entry& entry : entries_)
      entry.check_value(options, fmt::format("{} option '{}'", name_, entry.field_name_));
  }

  std::vector<OptionSpec> specs() const {
    std::vector<OptionSpec> specs;
    for (const Entry& entry : entries_) specs.push_back(entry.spec_);
    return specs;
  }

  std::string markdown_table() const { return options_markdown_table(specs()); }

 private:
  template <typename T, typename Field>
  Entry& add_entry(std::string key, Field field, std::string help) {
    static_assert(std::is_lvalue_reference_v<decltype(field(std::declval<S&>()))>,
                  "the accessor must return a reference to the field");
    Entry& entry = entries_.emplace_back();
    entry.spec_.key = key;
    entry.spec_.help = std::move(help);
    entry.field_name_ = std::move(key);
    if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>)
      entry.number_ = [field](S& s) { return static_cast<double>(field(s)); };
    if constexpr (std::is_same_v<T, std::string>) entry.text_ = [field](S& s) { return field(s); };
    return entry;
  }

  std::string name_;
  S defaults_;
  std::deque<Entry> entries_;  // a deque: add() hands out references that later adds keep valid
};

}  // namespace evergreen
