// Every registered strategy refuses, naming the field, a negative or NaN value of any of its
// numeric options (memory sizes, weights, lambdas, temperatures, fractions): none of them has a
// meaning below zero, and a negative score weight silently inverts what a strategy keeps.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "evergreen/core/options.h"
#include "evergreen/strategies/strategy_registry.h"
#include "test_support.h"

namespace evergreen {
namespace {

bool is_number(const std::string& text) {
  if (text == "true" || text == "false" || text.empty()) return false;
  try {
    size_t used = 0;
    std::stod(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

// The numeric options `name` reads from `base` (a YAML map), by key.
std::vector<std::string> numeric_options(const StrategyFactory& make, const std::string& base) {
  Options probe(YAML::Load(base), "strategy", "run.yaml");
  make(probe);
  std::vector<std::string> keys;
  for (const OptionDoc& doc : probe.docs())
    if (is_number(doc.default_value)) keys.push_back(doc.key);
  return keys;
}

TEST(StrategyOptions, NegativeAndNanValuesOfEveryNumericOptionAreRefused) {
  int checked = 0;
  for (const auto& entry : strategy_registry().entries()) {
    if (entry.name == "stack") continue;  // its members are the other strategies
    // density_shift selection reads its own weights.
    for (const std::string base : {"{}", "{selection: density_shift}"}) {
      Options probe(YAML::Load(base), "strategy", "run.yaml");
      try {
        entry.make(probe);
      } catch (const InputError&) {
        continue;  // a strategy without a `selection`
      }
      for (const std::string& key : numeric_options(entry.make, base)) {
        for (const char* bad : {"-1", ".nan"}) {
          SCOPED_TRACE(entry.name + " " + key + ": " + bad);
          YAML::Node node = YAML::Load(base);
          node[key] = YAML::Load(bad);
          Options options(node, "strategy", "run.yaml");
          std::string message = testing::input_error_of([&] { entry.make(options); });
          EXPECT_NE(message.find("field 'strategy." + key + "'"), std::string::npos) << message;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 20);
}

TEST(StrategyOptions, DmshmScoreWeightsMustBeFiniteAndNonNegative) {
  const StrategyFactory& make = strategy_registry().find("dmshm", "test").make;
  for (const std::string key : {"density_weight", "shift_weight", "hint_weight"}) {
    Options options(YAML::Load("{" + key + ": -0.5}"), "strategy", "run.yaml");
    EXPECT_EQ(testing::input_error_of([&] { make(options); }),
              "run.yaml:1:" + std::to_string(key.size() + 4) + ": field 'strategy." + key +
                  "': expected a finite weight >= 0, got -0.5");
  }
  Options zero(YAML::Load("{density_weight: 0, shift_weight: 0.5, hint_weight: 0}"), "strategy",
               "run.yaml");
  EXPECT_NO_THROW(make(zero));
}

}  // namespace
}  // namespace evergreen
