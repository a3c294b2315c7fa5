#include "evergreen/run/run_identity.h"

#include <gtest/gtest.h>

#include <set>

#include "evergreen/core/error.h"
#include "strategies/strategy_test_support.h"
#include "test_support.h"

namespace evergreen {
namespace {

const char* kConfig =
    "experiment: small\nseed: 3\nthreads: 1\nforce_threads: false\nmemory_budget_gb: 0\n"
    "stream: {name: synthetic_workload, days: 14}\nmodel: {name: mlp, hidden_size: 16}\n"
    "strategies: [{name: er, memory_size: 200}]\ntrain: {epochs: 2, learning_rate: 0.001}\n";

RunIdentity identity_of(const std::string& yaml, const Stream& stream) {
  return make_run_identity(YAML::Load(yaml), stream, stream_data_digest(stream));
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(RunIdentity, RecordsTheStrategyModelAndStream) {
  auto stream = testing::tiny_forecasting_stream(3, 8);
  RunIdentity identity = identity_of(kConfig, stream);
  EXPECT_EQ(identity.strategy, "er");
  EXPECT_EQ(identity.model, "mlp");
  EXPECT_EQ(identity.experiences, 3);
  EXPECT_EQ(identity.config_digest.size(), 32u);
  EXPECT_EQ(identity.config.find("threads"), std::string::npos) << identity.config;
  EXPECT_EQ(identity.config.find("memory_budget_gb"), std::string::npos) << identity.config;
  EXPECT_NE(identity.config.find("learning_rate: 0.001"), std::string::npos) << identity.config;
  RunIdentity stack = identity_of(
      replaced(kConfig, "[{name: er, memory_size: 200}]", "[{name: stack, of: [er, ewc]}]"),
      stream);
  EXPECT_EQ(stack.strategy, "stack(er, ewc)");
  EXPECT_EQ(run_identity_difference(stack, identity),
            "written by strategy 'stack(er, ewc)', this run is 'er'");
}

TEST(RunIdentity, ThreadsAndTheMemoryBudgetMayChangeOnResume) {
  auto stream = testing::tiny_forecasting_stream(2, 8);
  RunIdentity saved = identity_of(kConfig, stream);
  std::string changed = replaced(kConfig, "threads: 1", "threads: 7");
  changed = replaced(changed, "force_threads: false", "force_threads: true");
  changed = replaced(changed, "memory_budget_gb: 0", "memory_budget_gb: 2.5");
  RunIdentity now = identity_of(changed, stream);
  EXPECT_EQ(saved.config_digest, now.config_digest);
  EXPECT_EQ(run_identity_difference(saved, now), "");
}

TEST(RunIdentity, KeyOrderDoesNotMatter) {
  auto stream = testing::tiny_forecasting_stream(2, 8);
  RunIdentity saved = identity_of(kConfig, stream);
  RunIdentity now = identity_of(
      replaced(kConfig, "{epochs: 2, learning_rate: 0.001}", "{learning_rate: 0.001, epochs: 2}"),
      stream);
  EXPECT_EQ(saved.config_digest, now.config_digest);
}

TEST(RunIdentity, NamesTheFirstDifference) {
  auto stream = testing::tiny_forecasting_stream(2, 8);
  RunIdentity saved = identity_of(kConfig, stream);
  auto difference = [&](const std::string& from, const std::string& to) {
    return run_identity_difference(saved, identity_of(replaced(kConfig, from, to), stream));
  };
  EXPECT_EQ(difference("learning_rate: 0.001", "learning_rate: 0.01"),
            "config differs from the checkpoint's at train.learning_rate: 0.001 in the "
            "checkpoint, 0.01 now");
  EXPECT_EQ(difference("memory_size: 200", "memory_size: 20"),
            "config differs from the checkpoint's at strategies[0].memory_size: 200 in the "
            "checkpoint, 20 now");
  EXPECT_EQ(difference("seed: 3", "seed: 4"),
            "config differs from the checkpoint's at seed: 3 in the checkpoint, 4 now");
  EXPECT_EQ(difference("days: 14}", "days: 14, periods: 2}"),
            "config differs from the checkpoint's at stream.periods: (absent) in the checkpoint, "
            "2 now");
  EXPECT_EQ(difference("{name: er, memory_size: 200}", "{name: naive}"),
            "written by strategy 'er', this run is 'naive'");
  EXPECT_EQ(difference("{name: mlp, hidden_size: 16}", "{name: lstm}"),
            "written by model 'mlp', this run's is 'lstm'");
}

TEST(RunIdentity, AnyChangeToTheDataChangesItsDigest) {
  auto stream = testing::tiny_forecasting_stream(3, 8);
  const std::string digest = stream_data_digest(stream);
  EXPECT_EQ(stream_data_digest(testing::tiny_forecasting_stream(3, 8)), digest);
  RunIdentity saved = identity_of(kConfig, stream);

  // One value of the last experience's test split.
  Stream changed = testing::tiny_forecasting_stream(3, 8);
  torch::Tensor y = changed.experiences[2].test.at("y").clone();
  y.view(-1)[3] += 1e-6;
  changed.experiences[2].test.set("y", y);
  EXPECT_NE(stream_data_digest(changed), digest);
  EXPECT_EQ(run_identity_difference(saved, identity_of(kConfig, changed))
                .rfind("the stream's data differ from those the checkpoint was trained on", 0),
            0u);
  // The same bytes in another shape.
  Stream reshaped = testing::tiny_forecasting_stream(3, 8);
  reshaped.experiences[0].train.set("y", reshaped.experiences[0].train.at("y").reshape({-1, 1}));
  EXPECT_NE(stream_data_digest(reshaped), digest);
  // One experience fewer.
  EXPECT_EQ(
      run_identity_difference(saved, identity_of(kConfig, testing::tiny_forecasting_stream(2, 8))),
      "written for a stream of 3 experiences, this one has 2");
}

TEST(RunIdentity, ContentDigestSeesEveryByte) {
  const std::string text(100, 'a');
  std::set<std::string> digests = {content_digest(text)};
  for (size_t i = 0; i < text.size(); ++i) {
    std::string changed = text;
    changed[i] = 'b';
    digests.insert(content_digest(changed));
  }
  digests.insert(content_digest(text + std::string(1, '\0')));  // length counts, not just bytes
  EXPECT_EQ(digests.size(), text.size() + 2);
}

TEST(RunIdentity, JsonRoundTripAndADamagedIdentity) {
  auto stream = testing::tiny_forecasting_stream(2, 8);
  RunIdentity identity = identity_of(kConfig, stream);
  RunIdentity back = RunIdentity::from_json(identity.to_json());
  EXPECT_EQ(back.to_json().dump(), identity.to_json().dump());

  nlohmann::json edited = identity.to_json();
  edited["config"] = replaced(identity.config, "0.001", "0.01");
  EXPECT_EQ(testing::input_error_of([&] { RunIdentity::from_json(edited); }),
            "damaged run identity: its config does not match its digest");
  nlohmann::json missing = identity.to_json();
  missing.erase("data_digest");
  EXPECT_NE(testing::input_error_of([&] {
              RunIdentity::from_json(missing);
            }).find("damaged run identity"),
            std::string::npos);
}

}  // namespace
}  // namespace evergreen
