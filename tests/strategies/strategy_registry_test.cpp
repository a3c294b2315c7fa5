// Every registered strategy with every registered model it fits: builds from default options,
// trains on a tiny stream of the kind the model reads, and survives a checkpoint round trip bit
// for bit. Pairs that do not fit are refused from their declared traits, in one line.
#include "evergreen/strategies/strategy_registry.h"

#include <gtest/gtest.h>

#include "evergreen/models/model_registry.h"
#include "evergreen/run/compatibility.h"
#include "evergreen/run/trainer.h"
#include "strategy_test_support.h"

namespace evergreen {
namespace {

TEST(StrategyRegistry, EveryStrategyWithEveryModelTrainsSavesAndLoads) {
  const std::map<StreamKind, Stream> streams{
      {StreamKind::kForecasting, testing::tiny_forecasting_stream(2, 24)},
      {StreamKind::kEventSequences, testing::tiny_event_stream(2, 24)},
      {StreamKind::kClassification, testing::tiny_classification_stream(2, 12)},
      {StreamKind::kTokenSequences, testing::tiny_token_stream(2, 12)}};
  for (const auto& model_entry : model_registry().entries()) {
    // Each model on the kind of stream it declares it reads.
    const Stream& stream = streams.at(model_entry.traits.reads);
    ASSERT_EQ(model_fit_problem(stream.spec, model_entry), "");
    for (const auto& strategy_entry : strategy_registry().entries()) {
      SCOPED_TRACE(model_entry.name + " x " + strategy_entry.name);
      std::string misfit = strategy_fit_problem(stream.spec, model_entry, strategy_entry);
      EXPECT_EQ(misfit.empty(), strategy_fits_model(model_entry, strategy_entry));
      if (!misfit.empty()) {
        // Refused up front, with one line that names both.
        EXPECT_EQ(misfit.find('\n'), std::string::npos);
        EXPECT_NE(misfit.find(strategy_entry.name), std::string::npos) << misfit;
        continue;
      }
      auto build = [&](std::unique_ptr<Strategy>* strategy) {
        torch::manual_seed(0);
        Options model_options(YAML::Node(YAML::NodeType::Map), "model");
        auto model = model_entry.make(model_options, stream);
        model->prepare(stream);
        // A memory smaller than the stream, so that replacement and selection run too.
        Options probe(YAML::Node(YAML::NodeType::Map), "strategy");
        strategy_entry.make(probe);
        bool has_memory = probe.node()["memory_size"].IsDefined();
        Options strategy_options(YAML::Load(has_memory ? "{memory_size: 10}" : "{}"), "strategy");
        *strategy = strategy_entry.make(strategy_options);
        strategy_options.check_all_read();
        return model;
      };
      std::unique_ptr<Strategy> strategy;
      auto model = build(&strategy);
      Trainer trainer(*model, *strategy, TrainOptions().epochs(1).batch_size(8), 0);
      trainer.set_stream_spec(&stream.spec);
      auto before = trainer.parameters().values().clone();
      EXPECT_GT(trainer.train(stream.experiences[0]).training, 0);
      trainer.train(stream.experiences[1]);  // Pretrain skips it
      EXPECT_FALSE(torch::equal(before, trainer.parameters().values()));

      torch::serialize::OutputArchive out;
      trainer.save(out);
      std::stringstream bytes;
      out.save_to(bytes);

      std::unique_ptr<Strategy> restored_strategy;
      auto restored_model = build(&restored_strategy);
      Trainer restored(*restored_model, *restored_strategy, TrainOptions().epochs(1).batch_size(8),
                       0);
      restored.set_stream_spec(&stream.spec);
      torch::serialize::InputArchive in;
      in.load_from(bytes);
      restored.load(in);
      EXPECT_TRUE(torch::equal(restored.parameters().values(), trainer.parameters().values()));
      EXPECT_EQ(restored.experiences_trained(), 2);
      EXPECT_EQ(restored_strategy->memory().bytes, strategy->memory().bytes);
      // Continuing both gives the same parameters: the whole state was restored.
      trainer.train(stream.experiences[0]);
      restored.train(stream.experiences[0]);
      EXPECT_TRUE(torch::equal(restored.parameters().values(), trainer.parameters().values()));
    }
  }
}

TEST(StrategyRegistry, UnknownNameListsTheKnownOnes) {
  try {
    strategy_registry().find("replay", "run.yaml:4:11: field 'strategies[0].name'");
    FAIL() << "expected an InputError";
  } catch (const InputError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("unknown strategy 'replay'"), std::string::npos) << message;
    EXPECT_NE(message.find("naive, joint, er"), std::string::npos) << message;
    EXPECT_NE(message.find("run.yaml:4:11"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace evergreen
