#include "evergreen/strategies/reference_strategies.h"

#include <gtest/gtest.h>

#include "evergreen/run/trainer.h"
#include "evergreen/strategies/naive.h"
#include "strategy_test_support.h"

namespace evergreen {
namespace {

TEST(ReferenceStrategies, PretrainStopsLearningAfterTheFirstExperience) {
  auto stream = testing::tiny_forecasting_stream(3, 16);
  auto model = testing::tiny_mlp();
  PretrainStrategy strategy;
  Trainer trainer(*model, strategy, TrainOptions().epochs(2).batch_size(8), 0);
  auto initial = trainer.parameters().values().clone();
  trainer.train(stream.experiences[0]);
  auto after_first = trainer.parameters().values().clone();
  EXPECT_FALSE(torch::equal(initial, after_first));
  trainer.train(stream.experiences[1]);
  trainer.train(stream.experiences[2]);
  EXPECT_TRUE(torch::equal(after_first, trainer.parameters().values()));
  EXPECT_EQ(trainer.experiences_trained(), 3);
}

// Retrain's model after experience 2 is the one Naive would learn on experience 2 alone from
// the same initial weights and optimiser state, given the same shuffles.
TEST(ReferenceStrategies, RetrainLearnsEachExperienceFromScratch) {
  auto stream = testing::tiny_forecasting_stream(2, 16);
  torch::manual_seed(5);
  auto model = testing::tiny_mlp();
  RetrainStrategy strategy;
  Trainer trainer(*model, strategy, TrainOptions().epochs(2).batch_size(8), 0);
  auto initial = trainer.parameters().values().clone();
  trainer.train(stream.experiences[0]);
  auto generator_state = trainer.generator().get_state();
  trainer.train(stream.experiences[1]);

  torch::manual_seed(5);
  auto fresh = testing::tiny_mlp();
  NaiveStrategy naive;
  Trainer fresh_trainer(*fresh, naive, TrainOptions().epochs(2).batch_size(8), 0);
  EXPECT_TRUE(torch::equal(fresh_trainer.parameters().values(), initial));
  fresh_trainer.generator().set_state(generator_state);
  fresh_trainer.train(stream.experiences[1]);
  EXPECT_TRUE(torch::equal(fresh_trainer.parameters().values(), trainer.parameters().values()));
}

}  // namespace
}  // namespace evergreen
