#include "evergreen/core/option_schema.h"

#include <gtest/gtest.h>
#include <torch/arg.h>

#include "test_support.h"

namespace evergreen {
namespace {

using testing::input_error_of;

struct PumpOptions {
  TORCH_ARG(int64_t, days) = 7;
  TORCH_ARG(double, rate) = 0.5;
  TORCH_ARG(double, noise_std) = 1;
  TORCH_ARG(std::string, rule) = "mean";
  TORCH_ARG(bool, verbose) = false;
  TORCH_ARG(std::vector<double>, levels) = {1, 2};
  TORCH_ARG(char, separator) = ',';
  TORCH_ARG(double, low) = 0;
  TORCH_ARG(double, high) = 1;
};

// One statement per option, which clang-format would break into one line per argument.
// clang-format off
const OptionSchema<PumpOptions>& pump_schema() {
  static const OptionSchema<PumpOptions> schema = [] {
    OptionSchema<PumpOptions> s("pump");
    s.add("days", [](auto& o) -> auto& { return o.days(); }, "days to run")
        .min(1);
    s.add("rate", [](auto& o) -> auto& { return o.rate(); }, "share pumped")
        .greater_than(0)
        .less_than(1);
    s.add("noise", [](auto& o) -> auto& { return o.noise_std(); }, "noise | spread")
        .min(0)
        .field_name("noise_std");
    s.add("rule", [](auto& o) -> auto& { return o.rule(); }, "how to pump")
        .choices({"mean", "sum"});
    s.add("verbose", [](auto& o) -> auto& { return o.verbose(); }, "say more");
    s.add("levels", [](auto& o) -> auto& { return o.levels(); }, "levels to visit");
    s.add_parsed("separator", [](auto& o) -> auto& { return o.separator(); }, "field separator",
                 [](char c) { return c == '\t' ? std::string("tab") : std::string(1, c); },
                 [](const std::string& text) -> std::optional<char> {
                   if (text == "tab") return '\t';
                   if (text.size() == 1) return text[0];
                   return std::nullopt;
                 },
                 "one character or tab");
    s.add("low", [](auto& o) -> auto& { return o.low(); }, "lower end");
    s.add("high", [](auto& o) -> auto& { return o.high(); }, "upper end")
        .check([](const PumpOptions& o) { return o.high() >= o.low(); },
               [](const PumpOptions& o) { return fmt::format("must be >= low ({})", o.low()); });
    return s;
  }();
  return schema;
}
// clang-format on

std::string read_error(const std::string& yaml) {
  Options options(YAML::Load(yaml), "pump", "run.yaml");
  return input_error_of([&] { pump_schema().read(options); });
}

TEST(OptionSchema, ReadsGivenValuesAndWritesEveryDefaultBack) {
  YAML::Node node = YAML::Load("{days: 3, noise: 0, rule: sum, levels: [4], separator: tab}");
  Options options(node, "pump", "run.yaml");
  PumpOptions pump = pump_schema().read(options);
  EXPECT_EQ(pump.days(), 3);
  EXPECT_EQ(pump.noise_std(), 0);
  EXPECT_EQ(pump.rule(), "sum");
  EXPECT_EQ(pump.levels(), std::vector<double>{4});
  EXPECT_EQ(pump.separator(), '\t');
  EXPECT_EQ(pump.rate(), 0.5);
  EXPECT_NO_THROW(options.check_all_read());
  EXPECT_EQ(node["rate"].as<double>(), 0.5);
  EXPECT_EQ(node["separator"].as<std::string>(), "tab");
  ASSERT_EQ(options.docs().size(), 4u);  // the defaulted ones, for `evergreen run --list`
  EXPECT_EQ(options.docs()[0].key, "rate");
  EXPECT_EQ(options.docs()[0].help, "share pumped");
}

TEST(OptionSchema, EveryViolationNamesFileLineFieldAndValue) {
  EXPECT_EQ(read_error("{days: 0}"), "run.yaml:1:8: field 'pump.days': must be >= 1, got 0");
  EXPECT_EQ(read_error("{rate: 1}"), "run.yaml:1:8: field 'pump.rate': must be < 1, got 1");
  EXPECT_EQ(read_error("{rate: 0}"), "run.yaml:1:8: field 'pump.rate': must be > 0, got 0");
  EXPECT_EQ(read_error("{rate: .nan}"),
            "run.yaml:1:8: field 'pump.rate': must be a finite number, got nan");
  EXPECT_EQ(read_error("{noise: -1}"), "run.yaml:1:9: field 'pump.noise': must be >= 0, got -1");
  EXPECT_EQ(read_error("{rule: median}"),
            "run.yaml:1:8: field 'pump.rule': must be one of mean, sum, got 'median'");
  EXPECT_EQ(read_error("{separator: '::'}"),
            "run.yaml:1:13: field 'pump.separator': must be one character or tab, got '::'");
  EXPECT_EQ(read_error("{low: 2}"), "run.yaml: field 'pump.high': must be >= low (2), got 1");
  EXPECT_EQ(read_error("{low: 2, high: 1.5}"),
            "run.yaml:1:16: field 'pump.high': must be >= low (2), got 1.5");
  EXPECT_NE(read_error("{days: many}").find("cannot read 'many' as the expected integer"),
            std::string::npos);
}

TEST(OptionSchema, ValidatesAStructFilledInCodeByItsFieldNames) {
  const auto& schema = pump_schema();
  EXPECT_NO_THROW(schema.validate(PumpOptions()));
  EXPECT_EQ(input_error_of([&] { schema.validate(PumpOptions().noise_std(-2)); }),
            "pump option 'noise_std': must be >= 0, got -2");
  EXPECT_EQ(input_error_of([&] { schema.validate(PumpOptions().rule("x")); }),
            "pump option 'rule': must be one of mean, sum, got 'x'");
  EXPECT_EQ(input_error_of([&] { schema.validate(PumpOptions().separator('\t').low(5)); }),
            "pump option 'high': must be >= low (5), got 1");
}

TEST(OptionSchema, SpecsGiveFlagsDefaultsTypesAndAllowedValues) {
  std::vector<OptionSpec> specs = pump_schema().specs();
  ASSERT_EQ(specs.size(), 9u);
  EXPECT_EQ(specs[0].flag(), "--days");
  EXPECT_EQ(specs[0].default_value, "7");
  EXPECT_EQ(specs[0].type_name, "INT");
  EXPECT_EQ(specs[1].type_name, "FLOAT");
  EXPECT_EQ(specs[3].help, "how to pump (one of: mean, sum)");
  EXPECT_EQ(specs[3].choices, (std::vector<std::string>{"mean", "sum"}));
  EXPECT_EQ(specs[4].default_value, "false");
  EXPECT_EQ(specs[5].default_value, "[1, 2]");
  EXPECT_EQ(specs[6].default_value, ",");
  OptionSpec spec;
  spec.key = "steps_per_day";
  EXPECT_EQ(spec.flag(), "--steps-per-day");
}

// clang-format off
TEST(OptionSchema, MarkdownTableHasOneRowPerOption) {
  OptionSchema<PumpOptions> schema("pump");
  schema.add("rate", [](auto& o) -> auto& { return o.rate(); }, "share pumped");
  schema.add("noise", [](auto& o) -> auto& { return o.noise_std(); }, "noise | spread");
  schema.add("rule", [](auto& o) -> auto& { return o.rule(); }, "how").choices({"mean", "sum"});
  EXPECT_EQ(schema.markdown_table(),
            "| key | default | meaning |\n"
            "| --- | --- | --- |\n"
            "| `rate` | `0.5` | share pumped |\n"
            "| `noise` | `1` | noise \\| spread |\n"
            "| `rule` | `mean` | how (one of: mean, sum) |\n");
}
// clang-format on

}  // namespace
}  // namespace evergreen
