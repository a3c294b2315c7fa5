#include "evergreen/models/tpp/neural_hawkes.h"

#include <gtest/gtest.h>

#include <cmath>

#include "evergreen/models/flat_parameters.h"

namespace evergreen {
namespace {

Batch one_sequence(std::vector<double> times, std::vector<int64_t> types,
                   torch::Dtype dtype = torch::kFloat) {
  auto count = static_cast<int64_t>(times.size());
  return Batch{{"times", torch::tensor(times, torch::kDouble).to(dtype).view({1, count})},
               {"types", torch::tensor(types, torch::kLong).view({1, count})},
               {"mask", torch::ones({1, count}, dtype)}};
}

// With the output gate shut (o = 0) the hidden state is 0 and every intensity is the constant
// softplus(b_k): the log-likelihood has the closed form
//   sum_{i>=2} log softplus(b_{k_i}) - (t_N - t_1) sum_k softplus(b_k).
TEST(NeuralHawkes, ConstantIntensityMatchesTheClosedForm) {
  for (const char* rule : {"trapezoid", "mean"}) {
    torch::manual_seed(0);
    NeuralHawkes model(NeuralHawkesOptions(2).hidden_size(4).integral_rule(rule));
    model->to(torch::kDouble);
    {
      torch::NoGradGuard no_grad;
      auto bias = model->named_parameters()["gates.bias"];
      bias.slice(0, 3 * 4, 4 * 4).fill_(-1e4);  // output gate block
      model->named_parameters()["intensity.bias"].copy_(torch::tensor({0.3, -1.2}, torch::kDouble));
    }
    Batch batch = one_sequence({0.5, 1.25, 3.0, 3.5, 6.0}, {0, 1, 1, 0, 1}, torch::kDouble);
    double log_likelihood = model->forward(batch).at("log_likelihood").item<double>();
    double rate0 = std::log1p(std::exp(0.3)), rate1 = std::log1p(std::exp(-1.2));
    double expected = std::log(rate1) + std::log(rate1) + std::log(rate0) + std::log(rate1) -
                      (6.0 - 0.5) * (rate0 + rate1);
    EXPECT_NEAR(log_likelihood, expected, 1e-9) << rule;
    EXPECT_DOUBLE_EQ(model->forward(batch).at("events").item<double>(), 4.0);
  }
}

// The integral converges: 20 trapezoid points agree with 4,000 to about 1e-3 relative.
TEST(NeuralHawkes, IntegralConvergesWithMorePoints) {
  torch::manual_seed(1);
  NeuralHawkes coarse(NeuralHawkesOptions(3).hidden_size(8).integral_points(20));
  torch::manual_seed(1);
  NeuralHawkes fine(NeuralHawkesOptions(3).hidden_size(8).integral_points(4000));
  Batch batch = one_sequence({0.0, 0.7, 0.9, 2.4, 2.5, 4.1}, {2, 0, 1, 1, 0, 2});
  double a = coarse->forward(batch).at("log_likelihood").item<double>();
  double b = fine->forward(batch).at("log_likelihood").item<double>();
  EXPECT_NEAR(a, b, 1e-3 * std::fabs(b));
}

TEST(NeuralHawkes, PaddingAndFutureEventsDoNotChangeThePast) {
  torch::manual_seed(2);
  NeuralHawkes model(NeuralHawkesOptions(2).hidden_size(6));
  Batch prefix = one_sequence({0.0, 1.0, 1.5}, {0, 1, 0});
  Batch longer = one_sequence({0.0, 1.0, 1.5, 2.0, 4.0}, {0, 1, 0, 1, 1});
  Batch other_future = one_sequence({0.0, 1.0, 1.5, 7.0, 7.5}, {0, 1, 0, 0, 0});
  // A padded batch: the prefix padded to length 5 beside the longer sequence.
  Batch padded{{"times", torch::tensor({0.0f, 1.0f, 1.5f, 1.5f, 1.5f, 0.0f, 1.0f, 1.5f, 2.0f, 4.0f})
                             .view({2, 5})},
               {"types", torch::tensor({0, 1, 0, 0, 0, 0, 1, 0, 1, 1}, torch::kLong).view({2, 5})},
               {"mask", torch::tensor({1.f, 1.f, 1.f, 0.f, 0.f, 1.f, 1.f, 1.f, 1.f, 1.f}).view({2, 5})}};
  auto alone = model->forward(prefix).at("log_likelihood").item<double>();
  auto together = model->forward(padded).at("log_likelihood");
  EXPECT_NEAR(together[0].item<double>(), alone, 1e-5);
  EXPECT_NEAR(together[1].item<double>(),
              model->forward(longer).at("log_likelihood").item<double>(), 1e-5);
  // The likelihood of the first three events does not depend on what comes after them:
  // running the two long sequences with only their first 3 events unmasked gives the prefix's.
  for (const Batch* sequence : {&longer, &other_future}) {
    Batch cut = *sequence;
    cut.set("mask", torch::tensor({1.f, 1.f, 1.f, 0.f, 0.f}).view({1, 5}));
    EXPECT_NEAR(model->forward(cut).at("log_likelihood").item<double>(), alone, 1e-5);
  }
}

TEST(NeuralHawkes, GradientMatchesFiniteDifferences) {
  torch::manual_seed(3);
  NeuralHawkes model(NeuralHawkesOptions(2).hidden_size(3).integral_points(5));
  model->to(torch::kDouble);
  FlatParameters parameters(*model);
  Batch batch = one_sequence({0.0, 0.4, 1.1, 1.3, 2.6}, {1, 0, 0, 1, 1}, torch::kDouble);
  parameters.zero_gradients();
  model->loss(batch, model->forward(batch)).backward();
  auto analytic = parameters.gradients().clone();
  torch::NoGradGuard no_grad;
  const double step = 1e-6;
  for (int64_t i = 0; i < parameters.size(); i += 3) {
    double original = parameters.values()[i].item<double>();
    parameters.values()[i] = original + step;
    double plus = model->loss(batch, model->forward(batch)).item<double>();
    parameters.values()[i] = original - step;
    double minus = model->loss(batch, model->forward(batch)).item<double>();
    parameters.values()[i] = original;
    EXPECT_NEAR(analytic[i].item<double>(), (plus - minus) / (2 * step), 1e-6) << "parameter " << i;
  }
}

TEST(NeuralHawkes, LearnsAPoissonRate) {
  // Unmarked events at rate 2 (gaps 0.5 exactly): the best constant-rate model has
  // NLL per event = -log(2) + 0.5 * 2 = 0.307; training must get close to it.
  torch::manual_seed(4);
  NeuralHawkes model(NeuralHawkesOptions(1).hidden_size(8));
  std::vector<double> times;
  for (int i = 0; i < 40; ++i) times.push_back(0.5 * i);
  Batch batch = one_sequence(times, std::vector<int64_t>(40, 0));
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(0.05));
  for (int step = 0; step < 200; ++step) {
    adam.zero_grad();
    model->loss(batch, model->forward(batch)).backward();
    adam.step();
  }
  EXPECT_LT(model->evaluate(batch).at("nll_per_event"), 1.0 - std::log(2.0) + 0.05);
}

}  // namespace
}  // namespace evergreen
