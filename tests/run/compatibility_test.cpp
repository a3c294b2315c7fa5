#include "evergreen/run/compatibility.h"

#include <gtest/gtest.h>

namespace evergreen {
namespace {

const ModelRegistry::Entry& model(const std::string& name) {
  return model_registry().find(name, "test");
}
const StrategyRegistry::Entry& strategy(const std::string& name) {
  return strategy_registry().find(name, "test");
}

TEST(Compatibility, ModelsReadTheStreamKindTheyDeclare) {
  StreamSpec events;
  events.kind = StreamKind::kEventSequences;
  EXPECT_EQ(model_fit_problem(events, model("nhp")), "");
  EXPECT_EQ(model_fit_problem(events, model("mlp")),
            "model 'mlp' reads forecasting windows, but the stream holds event sequences");
}

TEST(Compatibility, StrategiesNeedWhatTheModelOffers) {
  StreamSpec events;
  events.kind = StreamKind::kEventSequences;
  EXPECT_EQ(strategy_fit_problem(events, model("attnhp"), strategy("prompttpp")), "");
  EXPECT_EQ(strategy_fit_problem(events, model("nhp"), strategy("prompttpp")),
            "strategy 'prompttpp' needs prompt attachment points, which model 'nhp' does not "
            "offer");
  EXPECT_NE(strategy_fit_problem(events, model("nhp"), strategy("dmshm")), "");

  StreamSpec split;
  split.kind = StreamKind::kClassification;
  split.classes_per_task = 2;
  StreamSpec domain = split;
  domain.classes_per_task = 0;
  EXPECT_EQ(strategy_fit_problem(split, model("mlp_classifier"), strategy("icarl")), "");
  EXPECT_NE(strategy_fit_problem(domain, model("mlp_classifier"), strategy("icarl"))
                .find("class-incremental split"),
            std::string::npos);
  EXPECT_EQ(strategy_fit_problem(domain, model("mlp_classifier"), strategy("gdumb")), "");
  StreamSpec windows;
  EXPECT_NE(strategy_fit_problem(windows, model("mlp"), strategy("gdumb"))
                .find("needs a classification stream"),
            std::string::npos);
  // Generic strategies fit every model.
  for (const auto& entry : model_registry().entries())
    for (const char* name : {"naive", "er", "derpp", "agem", "ewc", "lwf", "gem", "si"})
      EXPECT_TRUE(strategy_fits_model(entry, strategy(name))) << entry.name << " x " << name;
  EXPECT_FALSE(strategy_fits_model(model("mlp_classifier"), strategy("dmshm")));
  EXPECT_FALSE(strategy_fits_model(model("mlp"), strategy("icarl")));
}

TEST(Compatibility, RegistryTraitsAgreeWithTheModelsBuilt) {
  for (const auto& entry : model_registry().entries()) {
    Stream stream = minimal_stream(entry.traits.reads);
    Options options(YAML::Node(YAML::NodeType::Map), "model");
    auto built = entry.make(options, stream);
    ModelCapabilities offers = built->capabilities();
    EXPECT_EQ(offers.output, entry.traits.offers.output) << entry.name;
    EXPECT_EQ(offers.hint, entry.traits.offers.hint) << entry.name;
    EXPECT_EQ(offers.prompts, entry.traits.offers.prompts) << entry.name;
    EXPECT_EQ(offers.intensity, entry.traits.offers.intensity) << entry.name;
    EXPECT_EQ(offers.hint, built->hint_size() > 0) << entry.name;
  }
}

}  // namespace
}  // namespace evergreen
