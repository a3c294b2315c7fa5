#include "evergreen/run/learning_rate_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "evergreen/run/trainer.h"
#include "test_support.h"

namespace evergreen {
namespace {

TEST(LearningRateSchedule, LinearWarmUpThenConstantOrCosineToZero) {
  using S = LearningRateSchedule;
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(S::kConstant, 0.1, 0, 50, 7), 0.1);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(S::kConstant, 0.1, 4, 50, 0), 0.025);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(S::kConstant, 0.1, 4, 50, 3), 0.1);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(S::kCosine, 0.1, 4, 50, 1), 0.05);
  // Cosine: the peak right after warm-up, half of it midway, 0 at the end.
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(S::kCosine, 1e-3, 10, 110, 10), 1e-3);
  EXPECT_NEAR(scheduled_learning_rate(S::kCosine, 1e-3, 10, 110, 60), 5e-4, 1e-15);
  EXPECT_NEAR(scheduled_learning_rate(S::kCosine, 1e-3, 10, 110, 35),
              1e-3 * 0.5 * (1 + std::cos(M_PI * 0.25)), 1e-15);
  EXPECT_NEAR(scheduled_learning_rate(S::kCosine, 1e-3, 10, 110, 110), 0.0, 1e-18);
  EXPECT_NE(testing::input_error_of([] {
              parse_learning_rate_schedule("linear", "train.schedule");
            }).find("train.schedule: must be one of constant, cosine"),
            std::string::npos);
}

TEST(GradientClipping, ScalesALongGradientToTheNormAndLeavesAShortOneAlone) {
  torch::Tensor gradient = torch::tensor({3.0, 4.0}, torch::kFloat64);
  clip_gradient_norm(gradient, 1.0);
  EXPECT_NEAR(gradient.norm().item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(gradient[0].item<double>() / gradient[1].item<double>(), 0.75, 1e-12);
  torch::Tensor short_one = torch::tensor({0.3, 0.4}, torch::kFloat64);
  clip_gradient_norm(short_one, 1.0);
  EXPECT_TRUE(torch::equal(short_one, torch::tensor({0.3, 0.4}, torch::kFloat64)));
}

TEST(TrainOptions, ScheduleWarmUpAndClippingAreReadAndChecked) {
  Options options(YAML::Load("{schedule: cosine, warmup_steps: 100, clip_norm: 1.0}"), "train");
  TrainOptions parsed = read_train_options(options);
  EXPECT_EQ(parsed.schedule(), LearningRateSchedule::kCosine);
  EXPECT_EQ(parsed.warmup_steps(), 100);
  EXPECT_DOUBLE_EQ(parsed.clip_norm(), 1.0);
  Options negative(YAML::Load("{clip_norm: -1}"), "train");
  EXPECT_NE(testing::input_error_of([&] { read_train_options(negative); }).find("must be >= 0"),
            std::string::npos);
  Options unknown(YAML::Load("{schedule: step}"), "train");
  EXPECT_NE(testing::input_error_of([&] { read_train_options(unknown); }).find("constant, cosine"),
            std::string::npos);
}

}  // namespace
}  // namespace evergreen
