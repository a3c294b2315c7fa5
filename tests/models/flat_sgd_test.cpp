#include "evergreen/models/flat_sgd.h"

#include <gtest/gtest.h>

namespace evergreen {
namespace {

torch::nn::Sequential tiny_network() {
  return torch::nn::Sequential(torch::nn::Linear(5, 4), torch::nn::Tanh(), torch::nn::Linear(4, 2));
}

/// 25 steps of torch::optim::SGD and of FlatSgd from the same weights on the same batches.
void expect_same_as_torch(double momentum, double weight_decay) {
  torch::manual_seed(7);
  auto reference = tiny_network();
  auto flat_network = tiny_network();
  {
    torch::NoGradGuard no_grad;
    auto source = reference->parameters();
    auto target = flat_network->parameters();
    for (size_t i = 0; i < source.size(); ++i) target[i].copy_(source[i]);
  }
  torch::optim::SGD torch_sgd(
      reference->parameters(),
      torch::optim::SGDOptions(0.05).momentum(momentum).weight_decay(weight_decay));
  FlatParameters flat(*flat_network);
  FlatSgd sgd(flat,
              FlatSgdOptions().learning_rate(0.05).momentum(momentum).weight_decay(weight_decay));
  for (int step = 0; step < 25; ++step) {
    auto x = torch::randn({8, 5});
    auto y = torch::randn({8, 2});
    torch_sgd.zero_grad();
    torch::mse_loss(reference->forward(x), y).backward();
    torch_sgd.step();
    flat.zero_gradients();
    torch::mse_loss(flat_network->forward(x), y).backward();
    sgd.step();
  }
  auto source = reference->parameters();
  auto target = flat_network->parameters();
  for (size_t i = 0; i < source.size(); ++i)
    EXPECT_TRUE(torch::allclose(source[i], target[i], 1e-6, 1e-7)) << "parameter " << i;
}

TEST(FlatSgd, MatchesTorchSgdStepForStep) {
  expect_same_as_torch(0.0, 0.0);
  expect_same_as_torch(0.9, 0.0);
  expect_same_as_torch(0.0, 5e-4);
  expect_same_as_torch(0.9, 5e-4);
}

TEST(FlatSgd, PlainStepIsValueMinusRateTimesGradient) {
  auto network = torch::nn::Linear(2, 1);
  FlatParameters flat(*network);
  flat.values().copy_(torch::tensor({1.0f, -2.0f, 0.5f}));
  flat.gradients().copy_(torch::tensor({0.5f, 1.0f, -4.0f}));
  FlatSgd(flat, FlatSgdOptions().learning_rate(0.1)).step();
  EXPECT_TRUE(torch::allclose(flat.values(), torch::tensor({0.95f, -2.1f, 0.9f})));
}

TEST(FlatSgd, MomentumSurvivesACheckpoint) {
  auto network = torch::nn::Linear(3, 2);
  FlatParameters flat(*network);
  FlatSgd sgd(flat, FlatSgdOptions().learning_rate(0.1).momentum(0.9));
  flat.gradients().fill_(1.0);
  sgd.step();
  torch::serialize::OutputArchive out;
  sgd.save(out, "sgd");
  std::stringstream bytes;
  out.save_to(bytes);
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  auto values = flat.values().clone();
  FlatSgd restored(flat, FlatSgdOptions().learning_rate(0.1).momentum(0.9));
  restored.load(in, "sgd");
  sgd.step();
  auto expected = flat.values().clone();
  flat.values().copy_(values);
  restored.step();
  EXPECT_TRUE(torch::equal(flat.values(), expected));
}

}  // namespace
}  // namespace evergreen
