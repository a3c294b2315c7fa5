// A non-finite training loss names what to check: the input tensors that hold non-finite or
// extreme values, else the learning rate.
#include <gtest/gtest.h>

#include <limits>

#include "evergreen/run/trainer.h"
#include "evergreen/strategies/naive.h"
#include "strategies/strategy_test_support.h"
#include "test_support.h"

namespace evergreen {
namespace {

std::string divergence_message(Experience experience, double learning_rate) {
  auto model = testing::tiny_mlp();
  NaiveStrategy strategy;
  Trainer trainer(
      *model, strategy,
      TrainOptions().epochs(3).batch_size(8).optimizer("sgd").learning_rate(learning_rate), 0);
  return testing::input_error_of([&] { trainer.train(experience); });
}

TEST(TrainerDivergence, NamesTheInputTensorThatHoldsNonFiniteValues) {
  auto stream = testing::tiny_forecasting_stream(1, 16);
  Experience experience = stream.experiences[0];
  torch::Tensor x = experience.train.at("x").clone();
  x[3][2] = std::numeric_limits<float>::quiet_NaN();
  experience.train.set("x", x);
  std::string message = divergence_message(experience, 1e-3);
  EXPECT_NE(message.find("experience 'experience 1', epoch 1: the training loss is not finite"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("'x' holds 1 non-finite values"), std::string::npos) << message;
  EXPECT_EQ(message.find("'y'"), std::string::npos) << message;
}

TEST(TrainerDivergence, NamesTheLearningRateWhenTheInputsAreModerate) {
  auto stream = testing::tiny_forecasting_stream(1, 16);
  std::string message = divergence_message(stream.experiences[0], 1e30);
  EXPECT_NE(message.find("training diverged: lower train.learning_rate (now 1e+30)"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace evergreen
