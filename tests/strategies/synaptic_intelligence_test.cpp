#include "evergreen/strategies/synaptic_intelligence.h"

#include <gtest/gtest.h>

#include "strategy_test_support.h"

namespace evergreen {
namespace {

/// loss(theta) = 0.5 sum_k a_k (theta_k - b_k)^2 whatever the batch, with the target b taken from
/// the batch's "b" so that two experiences can pull towards different points.
class QuadraticModel : public Model {
 public:
  QuadraticModel(std::vector<double> theta, std::vector<double> curvature)
      : curvature_(torch::tensor(curvature, torch::kDouble)) {
    theta_ = register_parameter("theta", torch::tensor(theta, torch::kDouble));
  }
  Batch forward(const Batch& batch) override { return Batch{{"prediction", theta_.unsqueeze(0)}}; }
  torch::Tensor loss(const Batch& batch, const Batch& outputs) override {
    auto difference = outputs.at("prediction").squeeze(0) - batch.at("b")[0];
    return 0.5 * (curvature_ * difference.square()).sum();
  }
  std::map<std::string, double> evaluate(const Batch& batch) override { return {}; }
  MainMetric main_metric() const override { return {"loss", false}; }
  int64_t forward_macs_per_row() const override { return 0; }

 private:
  torch::Tensor theta_;
  torch::Tensor curvature_;
};

Experience pulling_towards(std::vector<double> target) {
  Experience experience;
  experience.train = Batch{{"b", torch::tensor(target, torch::kDouble).unsqueeze(0)}};
  return experience;
}

/// One trainer step in the trainer's hook order, with plain SGD at `learning_rate`.
void sgd_step(Strategy& strategy, TrainingContext& context, const Batch& batch,
              double learning_rate) {
  Batch step = strategy.before_step(context, batch);
  Batch outputs = context.model.forward(step);
  auto loss = context.model.loss(step, outputs);
  context.parameters.zero_gradients();
  loss.backward();
  strategy.after_backward(context);
  {
    torch::NoGradGuard no_grad;
    context.parameters.values().add_(context.parameters.gradients(), -learning_rate);
  }
  strategy.after_step(context, step);
}

// Hand-computed path integral. a = (1, 2), b = (0, 0), theta_0 = (2, 1), SGD with rate 1/4:
//   theta_1: g = (2, 2), delta = (-1/2, -1/2), theta = (3/2, 1/2);
//   theta_2: g = (3/2, 1), delta = (-3/8, -1/4), theta = (9/8, 1/4);
//   w = sum -g delta = (1 + 9/16, 1 + 1/4) = (25/16, 5/4);
//   Omega = w / ((theta_2 - theta_0)^2 + xi) with xi = 1: (25/16) / (49/64 + 1) = 100/113 and
//   (5/4) / (9/16 + 1) = 4/5.
TEST(SynapticIntelligence, ImportanceIsThePathIntegralOverTheSquaredDisplacement) {
  QuadraticModel model({2.0, 1.0}, {1.0, 2.0});
  FlatParameters parameters(model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{model, parameters, generator, 0, 1};
  SynapticIntelligenceStrategy strategy(SynapticIntelligenceOptions().c(0.5).xi(1.0));
  Experience first = pulling_towards({0.0, 0.0});
  strategy.before_experience(context, first);
  sgd_step(strategy, context, first.train, 0.25);
  sgd_step(strategy, context, first.train, 0.25);
  EXPECT_TRUE(torch::allclose(strategy.path_integral(),
                              torch::tensor({25.0 / 16, 5.0 / 4}, torch::kDouble), 0, 1e-15));
  strategy.after_experience(context, first);
  EXPECT_TRUE(torch::allclose(strategy.importance(),
                              torch::tensor({100.0 / 113, 4.0 / 5}, torch::kDouble), 0, 1e-15));
  EXPECT_EQ(strategy.path_integral().abs().sum().item<double>(), 0.0);  // reset
  EXPECT_EQ(strategy.penalty(parameters), 0.0);                         // theta* = theta

  // Second experience towards b = (1, -1): the step adds the penalty's gradient
  // 2 c Omega (theta - theta*), while w keeps integrating the task gradient only.
  Experience second = pulling_towards({1.0, -1.0});
  const double omega[2] = {100.0 / 113, 4.0 / 5}, anchor[2] = {9.0 / 8, 1.0 / 4};
  double theta[2] = {9.0 / 8, 1.0 / 4}, w[2] = {0, 0};
  const double a[2] = {1, 2}, b[2] = {1, -1}, rate = 0.25;
  strategy.before_experience(context, second);
  for (int step = 0; step < 3; ++step) {
    sgd_step(strategy, context, second.train, rate);
    for (int k = 0; k < 2; ++k) {
      double task_gradient = a[k] * (theta[k] - b[k]);
      double total = task_gradient + 2 * 0.5 * omega[k] * (theta[k] - anchor[k]);
      w[k] += task_gradient * rate * total;  // -g * delta with delta = -rate * total
      theta[k] -= rate * total;
    }
  }
  EXPECT_TRUE(torch::allclose(parameters.values(),
                              torch::tensor({theta[0], theta[1]}, torch::kDouble), 0, 1e-14));
  EXPECT_TRUE(torch::allclose(strategy.path_integral(), torch::tensor({w[0], w[1]}, torch::kDouble),
                              0, 1e-14));
  double expected_penalty = 0;
  for (int k = 0; k < 2; ++k)
    expected_penalty += 0.5 * omega[k] * std::pow(theta[k] - anchor[k], 2);
  EXPECT_NEAR(strategy.penalty(parameters), expected_penalty, 1e-14);
  strategy.after_experience(context, second);
  for (int k = 0; k < 2; ++k)
    EXPECT_NEAR(strategy.importance()[k].item<double>(),
                omega[k] + w[k] / (std::pow(theta[k] - anchor[k], 2) + 1.0), 1e-14);
}

TEST(SynapticIntelligence, SaveLoadRoundTrip) {
  QuadraticModel model({2.0, 1.0}, {1.0, 2.0});
  FlatParameters parameters(model);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  TrainingContext context{model, parameters, generator, 0, 1};
  SynapticIntelligenceStrategy strategy{SynapticIntelligenceOptions()};
  Experience first = pulling_towards({0.0, 0.0});
  strategy.before_experience(context, first);
  sgd_step(strategy, context, first.train, 0.1);
  strategy.after_experience(context, first);
  SynapticIntelligenceStrategy restored{SynapticIntelligenceOptions()};
  testing::restore_state(strategy, restored);
  EXPECT_TRUE(torch::equal(restored.importance(), strategy.importance()));
  {
    torch::NoGradGuard no_grad;
    parameters.values().add_(0.3);  // away from theta*, so that the penalties compare anchors too
  }
  EXPECT_GT(strategy.penalty(parameters), 0.0);
  EXPECT_EQ(restored.penalty(parameters), strategy.penalty(parameters));
  EXPECT_EQ(restored.memory().bytes, strategy.memory().bytes);
  EXPECT_EQ(restored.memory().bytes, 2 * 2 * 8);
}

TEST(SynapticIntelligence, FactoryChecksItsOptions) {
  Options options(YAML::Load("{c: 1.0}"), "strategy");
  EXPECT_NE(make_synaptic_intelligence(options), nullptr);
  options.check_all_read();
  EXPECT_EQ(options.node()["xi"].as<double>(), 1.0);
  Options bad(YAML::Load("{xi: 0}"), "strategy");
  EXPECT_THROW(make_synaptic_intelligence(bad), InputError);
}

}  // namespace
}  // namespace evergreen
