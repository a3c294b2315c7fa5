#include "evergreen/models/tpp/neural_hawkes.h"

#include <gtest/gtest.h>

#include <cmath>

#include "evergreen/core/error.h"
#include "evergreen/models/flat_parameters.h"
#include "models/tpp/event_batch.h"

namespace evergreen {
namespace {

using testing::one_sequence;

// With the output gate shut (o = 0) the hidden state is 0 and every intensity is the constant
// softplus(b_k): the log-likelihood has the closed form
//   sum_{i>=2} log softplus(b_{k_i}) - (t_N - t_1) sum_k softplus(b_k).
TEST(NeuralHawkes, ConstantIntensityMatchesTheClosedForm) {
  for (const char* rule : {"log_gauss", "trapezoid", "mean"}) {
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
    EXPECT_NEAR(log_likelihood, expected, 1e-8) << rule;
    EXPECT_DOUBLE_EQ(model->forward(batch).at("events").item<double>(), 4.0);
  }
}

// Over [0, T] every event is scored and the state before the first one is zero, so with the
// output gate shut the full log-likelihood is sum_i log softplus(b_{k_i}) - T sum_k softplus(b_k),
// with T the last event or the batch's end_time.
TEST(NeuralHawkes, FullLikelihoodMatchesTheClosedForm) {
  torch::manual_seed(0);
  NeuralHawkes model(NeuralHawkesOptions(2).hidden_size(4));
  model->to(torch::kDouble);
  {
    torch::NoGradGuard no_grad;
    model->named_parameters()["gates.bias"].slice(0, 3 * 4, 4 * 4).fill_(-1e4);
    model->named_parameters()["intensity.bias"].copy_(torch::tensor({0.3, -1.2}, torch::kDouble));
  }
  Batch batch = one_sequence({0.5, 1.25, 3.0, 3.5, 6.0}, {0, 1, 1, 0, 1}, torch::kDouble);
  double rate0 = std::log1p(std::exp(0.3)), rate1 = std::log1p(std::exp(-1.2));
  double events_term = 2 * std::log(rate0) + 3 * std::log(rate1);
  auto out = model->forward(batch);
  EXPECT_NEAR(out.at("log_likelihood_full").item<double>(), events_term - 6.0 * (rate0 + rate1),
              1e-8);
  EXPECT_DOUBLE_EQ(out.at("events_full").item<double>(), 5.0);
  batch.set("end_time", torch::tensor({8.0}, torch::kDouble));
  EXPECT_NEAR(model->forward(batch).at("log_likelihood_full").item<double>(),
              events_term - 8.0 * (rate0 + rate1), 1e-8);
  batch.set("end_time", torch::tensor({5.0}, torch::kDouble));
  EXPECT_THROW(model->forward(batch), InputError);
}

// The fused kernel against the same model written as plain tensor operations with autograd (the
// obvious implementation): equal likelihoods and gradients on a padded batch in double precision.
TEST(NeuralHawkes, FusedKernelMatchesTensorOperations) {
  for (const char* rule : {"log_gauss", "trapezoid", "mean"}) {
    torch::manual_seed(5);
    const int64_t hidden = 5, types = 3, points = 6;
    NeuralHawkes model(
        NeuralHawkesOptions(types).hidden_size(hidden).integral_points(points).integral_rule(rule));
    model->to(torch::kDouble);
    Batch batch{
        {"times", torch::tensor({0.2, 0.9, 1.0, 2.4, 2.4, 0.1, 0.3, 1.7, 1.7, 1.7}, torch::kDouble)
                      .view({2, 5})},
        {"types", torch::tensor({2, 0, 1, 1, 0, 1, 1, 2, 0, 0}, torch::kLong).view({2, 5})},
        {"mask",
         torch::tensor({1., 1., 1., 1., 1., 1., 1., 1., 0., 0.}, torch::kDouble).view({2, 5})}};
    auto parameters = model->named_parameters();
    auto fused = model->forward(batch).at("log_likelihood");
    auto fused_gradients = torch::autograd::grad({fused.sum()}, parameters.values());

    // The reference: the recurrence step by step, the integral on the same points.
    auto integral_rule = IntegralRule::make(rule, points);
    auto times = batch.at("times"), mask = batch.at("mask");
    auto embedded = torch::embedding(parameters["type_embedding.weight"],
                                     batch.at("types").masked_fill(mask == 0, types));
    auto read = [&](const torch::Tensor& h) {
      return torch::softplus(torch::matmul(h, parameters["intensity.weight"].t()) +
                             parameters["intensity.bias"]);
    };
    auto zeros = torch::zeros({2, hidden}, torch::kDouble);
    torch::Tensor cell = zeros, target = zeros, decay = zeros, output = zeros, h = zeros;
    auto reference = torch::zeros({2}, torch::kDouble);
    for (int64_t i = 0; i < 5; ++i) {
      if (i > 0) {
        auto gap = (times.select(1, i) - times.select(1, i - 1)).clamp_min(0);
        auto at = [&](const torch::Tensor& offsets) {  // [2, G] -> [2, G, K]
          auto decayed =
              target.unsqueeze(1) +
              (cell - target).unsqueeze(1) * torch::exp(-decay.unsqueeze(1) * offsets.unsqueeze(2));
          return read(output.unsqueeze(1) * torch::tanh(decayed));
        };
        auto [offsets, weights] = integral_rule.nodes(gap);  // [2, G]
        auto integral = (at(offsets).sum(2) * weights).sum(1);
        auto event = at(gap.unsqueeze(1))
                         .select(1, 0)
                         .gather(1, batch.at("types").select(1, i).unsqueeze(1));
        reference = reference + mask.select(1, i) * (torch::log(event.squeeze(1)) - integral);
        cell = target + (cell - target) * torch::exp(-decay * gap.unsqueeze(1));
        h = output * torch::tanh(cell);
      }
      auto g = torch::linear(torch::cat({embedded.select(1, i), h}, 1), parameters["gates.weight"],
                             parameters["gates.bias"])
                   .view({2, 7, hidden});
      auto z = torch::tanh(g.select(1, 2));
      auto valid = mask.select(1, i).unsqueeze(1);
      auto blend = [&](const torch::Tensor& updated, const torch::Tensor& old) {
        return valid * updated + (1 - valid) * old;
      };
      auto new_cell = torch::sigmoid(g.select(1, 1)) * cell + torch::sigmoid(g.select(1, 0)) * z;
      auto new_target =
          torch::sigmoid(g.select(1, 5)) * target + torch::sigmoid(g.select(1, 4)) * z;
      cell = blend(new_cell, cell);
      target = blend(new_target, target);
      decay = blend(torch::softplus(g.select(1, 6)), decay);
      output = blend(torch::sigmoid(g.select(1, 3)), output);
      h = output * torch::tanh(cell);
    }
    auto reference_gradients = torch::autograd::grad({reference.sum()}, parameters.values());
    EXPECT_TRUE(torch::allclose(fused, reference, 1e-10, 1e-10)) << rule << fused << reference;
    for (size_t p = 0; p < reference_gradients.size(); ++p)
      EXPECT_TRUE(torch::allclose(fused_gradients[p], reference_gradients[p], 1e-9, 1e-10))
          << rule << " " << parameters.keys()[p];
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
  Batch padded{
      {"times",
       torch::tensor({0.0f, 1.0f, 1.5f, 1.5f, 1.5f, 0.0f, 1.0f, 1.5f, 2.0f, 4.0f}).view({2, 5})},
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

// The full likelihood's gradient too (first interval from the zero state, tail to end_time).
TEST(NeuralHawkes, FullLikelihoodGradientMatchesFiniteDifferences) {
  torch::manual_seed(6);
  NeuralHawkes model(
      NeuralHawkesOptions(2).hidden_size(3).integral_points(4).integral_rule("mean"));
  model->to(torch::kDouble);
  FlatParameters parameters(*model);
  Batch batch = one_sequence({0.3, 0.4, 1.1, 1.3}, {1, 0, 0, 1}, torch::kDouble);
  batch.set("end_time", torch::tensor({2.5}, torch::kDouble));
  auto full = [&] { return model->forward(batch).at("log_likelihood_full").sum(); };
  parameters.zero_gradients();
  full().backward();
  auto analytic = parameters.gradients().clone();
  torch::NoGradGuard no_grad;
  const double step = 1e-6;
  for (int64_t i = 0; i < parameters.size(); i += 2) {
    double original = parameters.values()[i].item<double>();
    parameters.values()[i] = original + step;
    double plus = full().item<double>();
    parameters.values()[i] = original - step;
    double minus = full().item<double>();
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
