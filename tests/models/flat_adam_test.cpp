#include "evergreen/models/flat_adam.h"

#include <gtest/gtest.h>

#include "evergreen/models/forecast/mlp_forecaster.h"

namespace evergreen {
namespace {

torch::nn::Sequential tiny_network() {
  return torch::nn::Sequential(torch::nn::Linear(5, 4), torch::nn::Tanh(), torch::nn::Linear(4, 2));
}

TEST(FlatParameters, ParametersBecomeViewsOfOneBuffer) {
  torch::manual_seed(1);
  auto network = tiny_network();
  std::vector<torch::Tensor> before;
  for (const auto& parameter : network->parameters()) before.push_back(parameter.clone());
  FlatParameters flat(*network);
  EXPECT_EQ(flat.size(), 5 * 4 + 4 + 4 * 2 + 2);
  auto parameters = network->parameters();
  for (size_t i = 0; i < parameters.size(); ++i) EXPECT_TRUE(torch::equal(parameters[i], before[i]));
  flat.values().fill_(0.5);
  for (const auto& parameter : parameters) EXPECT_TRUE(torch::all(parameter == 0.5).item<bool>());
  // Backward accumulates into the flat gradient buffer.
  auto output = network->forward(torch::ones({3, 5})).sum();
  output.backward();
  EXPECT_GT(flat.gradients().abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(torch::equal(parameters.back().grad(), flat.gradients().slice(0, flat.size() - 2)));
}

TEST(FlatAdam, MatchesTorchAdamStepForStep) {
  torch::manual_seed(7);
  auto reference = tiny_network();
  auto flat_network = tiny_network();
  {
    torch::NoGradGuard no_grad;
    auto source = reference->parameters();
    auto target = flat_network->parameters();
    for (size_t i = 0; i < source.size(); ++i) target[i].copy_(source[i]);
  }
  torch::optim::Adam torch_adam(reference->parameters(), torch::optim::AdamOptions(0.01));
  FlatParameters flat(*flat_network);
  FlatAdam adam(flat, FlatAdamOptions().learning_rate(0.01));
  for (int step = 0; step < 25; ++step) {
    auto x = torch::randn({8, 5});
    auto y = torch::randn({8, 2});
    torch_adam.zero_grad();
    torch::mse_loss(reference->forward(x), y).backward();
    torch_adam.step();
    flat.zero_gradients();
    torch::mse_loss(flat_network->forward(x), y).backward();
    adam.step();
  }
  auto source = reference->parameters();
  auto target = flat_network->parameters();
  for (size_t i = 0; i < source.size(); ++i)
    EXPECT_TRUE(torch::allclose(source[i], target[i], 1e-6, 1e-7)) << "parameter " << i;
}

}  // namespace
}  // namespace evergreen
