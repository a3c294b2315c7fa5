#include "evergreen/models/tpp/attentive_neural_hawkes.h"

#include <gtest/gtest.h>

#include <cmath>

#include "evergreen/core/error.h"
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

AttentiveNeuralHawkesOptions small_options(int64_t num_types) {
  return AttentiveNeuralHawkesOptions(num_types).hidden_size(8).time_embedding_size(6);
}

double log_likelihood(AttentiveNeuralHawkes& model, const Batch& batch) {
  torch::NoGradGuard no_grad;
  return model->forward(batch).at("log_likelihood").to(torch::kDouble).sum().item<double>();
}

// The first three events' log-likelihood does not depend on what comes after them: moving a
// later event (its time and its type) or masking it leaves it unchanged, with or without a
// prefix. Event 3 sits at the same time as event 2 in one variant, so the mask must work by
// index, not by time.
TEST(AttentiveNeuralHawkes, FutureEventsDoNotChangeThePast) {
  torch::manual_seed(2);
  AttentiveNeuralHawkes model(small_options(2));
  Batch prefix = one_sequence({0.0, 1.0, 1.5}, {0, 1, 0});
  std::vector<Batch> futures{one_sequence({0.0, 1.0, 1.5, 2.0, 4.0}, {0, 1, 0, 1, 1}),
                             one_sequence({0.0, 1.0, 1.5, 7.0, 7.5}, {0, 1, 0, 0, 0}),
                             one_sequence({0.0, 1.0, 1.5, 1.5, 1.6}, {0, 1, 0, 1, 0})};
  for (bool with_prefix : {false, true}) {
    if (with_prefix) {
      model->set_prefix(0, torch::randn({1, 3, 8}), torch::randn({1, 3, 8}));
      model->set_prefix(1, torch::randn({1, 2, 8}), torch::randn({1, 2, 8}));
    }
    double alone = log_likelihood(model, prefix);
    for (const Batch& sequence : futures) {
      Batch cut = sequence;
      cut.set("mask", torch::tensor({1.f, 1.f, 1.f, 0.f, 0.f}).view({1, 5}));
      EXPECT_NEAR(log_likelihood(model, cut), alone, 1e-5) << "prefix " << with_prefix;
      // And the full sequences differ, so the check is not vacuous.
      EXPECT_GT(std::fabs(log_likelihood(model, sequence) - alone), 1e-3);
    }
  }
  model->clear_prefix();
}

// The state on (t_{i-1}, t_i] sees events before i only: changing the type of event 3 changes
// log lambda_{k_3}(t_3) (which reads that type) but not the integral over (t_2, t_3], nor any
// term before. This is what catches a query that sees its own event.
TEST(AttentiveNeuralHawkes, AnEventDoesNotSeeItself) {
  torch::manual_seed(8);
  AttentiveNeuralHawkes model(small_options(3));
  for (bool with_prefix : {false, true}) {
    if (with_prefix) model->set_prefix(1, torch::randn({1, 2, 8}), torch::randn({1, 2, 8}));
    auto a = model->forward(one_sequence({0.0, 1.0, 1.5, 2.5, 3.0}, {0, 1, 0, 1, 2}));
    auto b = model->forward(one_sequence({0.0, 1.0, 1.5, 2.5, 3.0}, {0, 1, 0, 2, 2}));
    auto same = torch::indexing::Slice(0, 4);
    EXPECT_TRUE(torch::allclose(a.at("event_integral").index({0, same}),
                                b.at("event_integral").index({0, same}), 1e-6, 1e-7));
    EXPECT_TRUE(torch::allclose(
        a.at("event_log_intensity").index({0, torch::indexing::Slice(0, 3)}),
        b.at("event_log_intensity").index({0, torch::indexing::Slice(0, 3)}), 1e-6, 1e-7));
    EXPECT_GT(
        std::fabs(
            (a.at("event_log_intensity")[0][3] - b.at("event_log_intensity")[0][3]).item<double>()),
        1e-4);
    // The next interval does see event 3.
    EXPECT_GT(
        std::fabs((a.at("event_integral")[0][4] - b.at("event_integral")[0][4]).item<double>()),
        1e-6);
  }
  model->clear_prefix();
}

TEST(AttentiveNeuralHawkes, PaddingDoesNotChangeTheResult) {
  torch::manual_seed(3);
  AttentiveNeuralHawkes model(small_options(2));
  Batch shorter = one_sequence({0.0, 1.0, 1.5}, {0, 1, 0});
  Batch longer = one_sequence({0.0, 1.0, 1.5, 2.0, 4.0}, {0, 1, 0, 1, 1});
  // Padding with junk times (0) and types: it must be ignored.
  Batch padded{
      {"times",
       torch::tensor({0.0f, 1.0f, 1.5f, 0.0f, 0.0f, 0.0f, 1.0f, 1.5f, 2.0f, 4.0f}).view({2, 5})},
      {"types", torch::tensor({0, 1, 0, 1, 1, 0, 1, 0, 1, 1}, torch::kLong).view({2, 5})},
      {"mask", torch::tensor({1.f, 1.f, 1.f, 0.f, 0.f, 1.f, 1.f, 1.f, 1.f, 1.f}).view({2, 5})}};
  auto together = model->forward(padded);
  auto alone = model->forward(shorter);
  EXPECT_NEAR(together.at("log_likelihood")[0].item<double>(),
              alone.at("log_likelihood").item<double>(), 1e-5);
  EXPECT_NEAR(together.at("log_likelihood")[1].item<double>(), log_likelihood(model, longer), 1e-5);
  EXPECT_TRUE(torch::allclose(together.at("hint")[0], alone.at("hint")[0], 1e-5, 1e-6));
  EXPECT_DOUBLE_EQ(together.at("events")[0].item<double>(), 2.0);
  EXPECT_DOUBLE_EQ(together.at("events")[1].item<double>(), 4.0);
  // The retrieval query averages valid events only.
  EXPECT_TRUE(torch::allclose(model->layer_input_mean(padded, 1)[0],
                              model->layer_input_mean(shorter, 1)[0], 1e-5, 1e-6));
}

// Gradients, including those reaching a prefix (the prompts a strategy trains), match central
// differences in double precision.
TEST(AttentiveNeuralHawkes, GradientMatchesFiniteDifferences) {
  torch::manual_seed(4);
  AttentiveNeuralHawkes model(
      AttentiveNeuralHawkesOptions(2).hidden_size(4).time_embedding_size(4).integral_points(5));
  model->to(torch::kDouble);
  FlatParameters parameters(*model);
  auto prefix_keys = torch::randn({1, 2, 4}, torch::kDouble).requires_grad_();
  auto prefix_values = torch::randn({1, 2, 4}, torch::kDouble).requires_grad_();
  model->set_prefix(1, prefix_keys, prefix_values);
  Batch batch = one_sequence({0.0, 0.4, 1.1, 1.3, 2.6}, {1, 0, 0, 1, 1}, torch::kDouble);
  parameters.zero_gradients();
  model->loss(batch, model->forward(batch)).backward();
  auto analytic = parameters.gradients().clone();
  torch::NoGradGuard no_grad;
  const double step = 1e-6;
  auto check = [&](torch::Tensor values, const torch::Tensor& gradient, int64_t stride,
                   const char* what) {
    auto flat = values.view({-1});
    for (int64_t i = 0; i < flat.numel(); i += stride) {
      double original = flat[i].item<double>();
      flat[i] = original + step;
      double plus = model->loss(batch, model->forward(batch)).item<double>();
      flat[i] = original - step;
      double minus = model->loss(batch, model->forward(batch)).item<double>();
      flat[i] = original;
      EXPECT_NEAR(gradient.view({-1})[i].item<double>(), (plus - minus) / (2 * step), 1e-6)
          << what << " " << i;
    }
  };
  check(parameters.values(), analytic, 3, "parameter");
  check(prefix_keys, prefix_keys.grad(), 1, "prefix key");
  check(prefix_values, prefix_values.grad(), 1, "prefix value");
  model->clear_prefix();
}

// The integral converges: 20 trapezoid points agree with 2,000 to about 1e-3 relative, and the
// midpoint rule agrees too.
TEST(AttentiveNeuralHawkes, IntegralConvergesWithMorePoints) {
  Batch batch = one_sequence({0.0, 0.7, 0.9, 2.4, 2.5, 4.1}, {2, 0, 1, 1, 0, 2});
  auto run = [&](int64_t points, const char* rule) {
    torch::manual_seed(5);
    AttentiveNeuralHawkes model(
        AttentiveNeuralHawkesOptions(3).integral_points(points).integral_rule(rule));
    return log_likelihood(model, batch);
  };
  double fine = run(2000, "trapezoid");
  EXPECT_NEAR(run(20, "trapezoid"), fine, 1e-3 * std::fabs(fine));
  EXPECT_NEAR(run(20, "mean"), fine, 1e-3 * std::fabs(fine));
}

// A prefix enters the attention (zero keys and values still change the normaliser), and
// clearing it gives back the unprompted result bit for bit.
TEST(AttentiveNeuralHawkes, PrefixIsUsedAndClearPrefixRestores) {
  torch::manual_seed(6);
  AttentiveNeuralHawkes model(small_options(2));
  Batch batch{
      {"times", torch::tensor({0.0f, 0.5f, 1.5f, 2.0f, 0.0f, 0.3f, 0.9f, 0.9f}).view({2, 4})},
      {"types", torch::tensor({0, 1, 1, 0, 1, 1, 0, 0}, torch::kLong).view({2, 4})},
      {"mask", torch::tensor({1.f, 1.f, 1.f, 1.f, 1.f, 1.f, 1.f, 0.f}).view({2, 4})}};
  auto original = model->forward(batch);
  for (int64_t layer = 0; layer < 2; ++layer) {
    model->set_prefix(layer, torch::zeros({1, 5, 8}), torch::zeros({1, 5, 8}));
    EXPECT_TRUE(model->has_prefix(layer));
    auto prompted = model->forward(batch);
    EXPECT_FALSE(torch::allclose(prompted.at("log_likelihood"), original.at("log_likelihood")))
        << "layer " << layer;
    EXPECT_TRUE(torch::isfinite(prompted.at("log_likelihood")).all().item<bool>());
    // A per-row prefix equal for both rows gives the same as the shared one.
    model->set_prefix(layer, torch::zeros({2, 5, 8}), torch::zeros({2, 5, 8}));
    EXPECT_TRUE(
        torch::equal(model->forward(batch).at("log_likelihood"), prompted.at("log_likelihood")));
    // A layer's input depends on the prefixes below it only.
    auto mean0 = model->layer_input_mean(batch, 0), mean1 = model->layer_input_mean(batch, 1);
    model->clear_prefix();
    EXPECT_FALSE(model->has_prefix(layer));
    EXPECT_TRUE(torch::equal(model->layer_input_mean(batch, 0), mean0));
    EXPECT_EQ(torch::equal(model->layer_input_mean(batch, 1), mean1), layer == 1);
    auto restored = model->forward(batch);
    EXPECT_TRUE(torch::equal(restored.at("log_likelihood"), original.at("log_likelihood")));
    EXPECT_TRUE(torch::equal(restored.at("hint"), original.at("hint")));
  }
  EXPECT_THROW(model->set_prefix(2, torch::zeros({1, 5, 8}), torch::zeros({1, 5, 8})), InputError);
  EXPECT_THROW(model->set_prefix(0, torch::zeros({1, 5, 7}), torch::zeros({1, 5, 7})), InputError);
}

TEST(AttentiveNeuralHawkes, TrainingLowersTheNll) {
  // Unmarked events at rate 2 (gaps 0.5 exactly): the best constant-rate model has
  // NLL per event = 1 - log(2) = 0.307.
  torch::manual_seed(7);
  AttentiveNeuralHawkes model(
      AttentiveNeuralHawkesOptions(1).hidden_size(16).time_embedding_size(8));
  std::vector<double> times;
  for (int i = 0; i < 30; ++i) times.push_back(0.5 * i);
  Batch batch = one_sequence(times, std::vector<int64_t>(30, 0));
  double before = model->evaluate(batch).at("nll_per_event");
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(0.02));
  for (int step = 0; step < 100; ++step) {
    adam.zero_grad();
    model->loss(batch, model->forward(batch)).backward();
    adam.step();
  }
  double after = model->evaluate(batch).at("nll_per_event");
  EXPECT_LT(after, before - 0.1);
  EXPECT_LT(after, 1.0 - std::log(2.0) + 0.1);
}

}  // namespace
}  // namespace evergreen
