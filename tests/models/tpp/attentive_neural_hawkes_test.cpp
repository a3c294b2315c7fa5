#include "evergreen/models/tpp/attentive_neural_hawkes.h"

#include <gtest/gtest.h>

#include <cmath>

#include "evergreen/core/error.h"
#include "evergreen/models/flat_parameters.h"
#include "models/tpp/event_batch.h"

namespace evergreen {
namespace {

using testing::one_sequence;

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

// Two sequences, the second padded, with the end of each observation window: A from 0.4 to
// 2.75 (observed until 4.0), B from 0.0 to 1.2 (observed until its last event).
Batch two_windows(torch::Dtype dtype, bool with_end_time) {
  Batch batch{
      {"times", torch::tensor({0.4, 1.0, 1.5, 2.75, 0.0, 0.3, 1.2, 1.2}, torch::kDouble)
                    .to(dtype)
                    .view({2, 4})},
      {"types", torch::tensor({0, 2, 1, 2, 1, 1, 0, 0}, torch::kLong).view({2, 4})},
      {"mask", torch::tensor({1, 1, 1, 1, 1, 1, 1, 0}, torch::kDouble).to(dtype).view({2, 4})}};
  if (with_end_time) batch.set("end_time", torch::tensor({4.0, 1.2}, torch::kDouble).to(dtype));
  return batch;
}

// An AttNHP whose read-out ignores the state: lambda_k(t) = softplus(b_k) at every time.
AttentiveNeuralHawkes constant_rate_model(const std::vector<double>& biases) {
  AttentiveNeuralHawkes model(small_options(static_cast<int64_t>(biases.size())));
  model->to(torch::kDouble);
  torch::NoGradGuard no_grad;
  model->named_parameters()["intensity.weight"].zero_();
  model->named_parameters()["intensity.bias"].copy_(torch::tensor(biases, torch::kDouble));
  return model;
}

double softplus(double x) { return std::log1p(std::exp(x)); }

// Constant intensities: both conventions in closed form, N log-intensities minus T times the
// total rate over [0, T], and EasyTPP's from the first to the last event without the first.
TEST(AttentiveNeuralHawkes, FullLikelihoodOfConstantIntensitiesIsClosedForm) {
  torch::manual_seed(11);
  const std::vector<double> biases = {0.3, -1.2, 0.8};
  AttentiveNeuralHawkes model = constant_rate_model(biases);
  double total = 0;
  for (double bias : biases) total += softplus(bias);
  auto log_rate = [&](int64_t type) { return std::log(softplus(biases[type])); };
  // Sequence A: types 0, 2, 1, 2 at 0.4 ... 2.75; B: types 1, 1, 0 at 0.0 ... 1.2.
  const double a_events = log_rate(0) + 2 * log_rate(2) + log_rate(1);
  const double b_events = 2 * log_rate(1) + log_rate(0);
  torch::NoGradGuard no_grad;
  for (bool with_end_time : {false, true}) {
    auto out = model->forward(two_windows(torch::kDouble, with_end_time));
    const double a_end = with_end_time ? 4.0 : 2.75;
    EXPECT_NEAR(out.at("log_likelihood_full")[0].item<double>(), a_events - a_end * total, 1e-8);
    EXPECT_NEAR(out.at("log_likelihood_full")[1].item<double>(), b_events - 1.2 * total, 1e-8);
    EXPECT_NEAR(out.at("log_likelihood")[0].item<double>(),
                a_events - log_rate(0) - (2.75 - 0.4) * total, 1e-8);
    EXPECT_NEAR(out.at("log_likelihood")[1].item<double>(), b_events - log_rate(1) - 1.2 * total,
                1e-8);
    EXPECT_DOUBLE_EQ(out.at("events_full")[0].item<double>(), 4.0);
    EXPECT_DOUBLE_EQ(out.at("events_full")[1].item<double>(), 3.0);
    EXPECT_DOUBLE_EQ(out.at("events")[1].item<double>(), 2.0);
    // The difference is the first event's term and the tail's integral.
    auto difference = out.at("log_likelihood_full") - out.at("log_likelihood");
    EXPECT_NEAR(difference[0].item<double>(), log_rate(0) - 0.4 * total - (a_end - 2.75) * total,
                1e-8);
    auto metrics = model->evaluate(two_windows(torch::kDouble, with_end_time));
    EXPECT_NEAR(metrics.at("nll_per_event_full"),
                -(a_events - a_end * total + b_events - 1.2 * total) / 7, 1e-8);
    EXPECT_DOUBLE_EQ(metrics.at("events_full"), 7.0);
  }
}

// Any intensity: the full likelihood adds to EasyTPP's the first event's term with an empty
// history (the prefix only) and the tail, both recomputed here from intensities() with Simpson's
// rule on 2,000 intervals, against the model's 200 trapezoid points.
TEST(AttentiveNeuralHawkes, FullLikelihoodAddsTheFirstEventAndTheTail) {
  torch::manual_seed(12);
  AttentiveNeuralHawkes model(small_options(3).integral_points(200));
  model->to(torch::kDouble);
  model->set_prefix(0, torch::randn({1, 2, 8}, torch::kDouble),
                    torch::randn({1, 2, 8}, torch::kDouble));
  torch::NoGradGuard no_grad;
  Batch batch = two_windows(torch::kDouble, /*with_end_time=*/true);
  auto out = model->forward(batch);
  auto history = model->encode_history(batch);
  // Simpson's rule for the total intensity over `span` after `position` of sequence `row`.
  auto integral_after = [&](int64_t row, int64_t position, double span) {
    const int64_t intervals = 2000;
    auto offsets = torch::linspace(0, span, intervals + 1, torch::kDouble).view({1, -1});
    auto total =
        model->intensities(history, torch::tensor({row}), torch::tensor({position}), offsets)
            .sum(2)
            .view({-1});
    auto weights = torch::full({intervals + 1}, 2.0, torch::kDouble);
    weights.slice(0, 1, intervals, 2).fill_(4.0);
    weights[0] = weights[intervals] = 1.0;
    return (total * weights).sum().item<double>() * span / (3.0 * intervals);
  };
  const double first_time[] = {0.4, 0.0}, last_time[] = {2.75, 1.2}, end_time[] = {4.0, 1.2};
  const int64_t first_type[] = {0, 1}, lengths[] = {4, 3};
  for (int64_t row = 0; row < 2; ++row) {
    auto at_first = model->intensities(history, torch::tensor({row}), torch::tensor({-1L}),
                                       torch::full({1, 1}, first_time[row], torch::kDouble));
    double first_term = std::log(at_first[0][0][first_type[row]].item<double>()) -
                        integral_after(row, -1, first_time[row]);
    double tail = integral_after(row, lengths[row] - 1, end_time[row] - last_time[row]);
    double difference =
        (out.at("log_likelihood_full")[row] - out.at("log_likelihood")[row]).item<double>();
    EXPECT_NEAR(difference, first_term - tail, 1e-5) << "row " << row;
    if (row == 0) {
      EXPECT_GT(tail, 0.1);  // not vacuous
    }
  }
}

// end_time lengthens the integral by the tail and leaves EasyTPP's likelihood alone; an end
// before the last event is an input error.
TEST(AttentiveNeuralHawkes, EndTimeEnlargesTheIntegral) {
  torch::manual_seed(13);
  AttentiveNeuralHawkes model(small_options(3));
  torch::NoGradGuard no_grad;
  auto without = model->forward(two_windows(torch::kFloat, false));
  auto with = model->forward(two_windows(torch::kFloat, true));
  EXPECT_TRUE(torch::equal(with.at("log_likelihood"), without.at("log_likelihood")));
  EXPECT_LT(with.at("log_likelihood_full")[0].item<double>(),
            without.at("log_likelihood_full")[0].item<double>() - 0.1);
  // B ends at its last event: no tail.
  EXPECT_NEAR(with.at("log_likelihood_full")[1].item<double>(),
              without.at("log_likelihood_full")[1].item<double>(), 1e-6);
  // A later end adds more.
  Batch later = two_windows(torch::kFloat, true);
  later.set("end_time", torch::tensor({5.0f, 1.2f}));
  EXPECT_LT(model->forward(later).at("log_likelihood_full")[0].item<double>(),
            with.at("log_likelihood_full")[0].item<double>());
  Batch early = two_windows(torch::kFloat, true);
  early.set("end_time", torch::tensor({2.5f, 1.2f}));
  EXPECT_THROW(model->forward(early), InputError);
  early.set("end_time", torch::tensor({4.0f}));
  EXPECT_THROW(model->forward(early), InputError);
}

// Blocks of one interval (or one event, one tail) give what one block gives: outputs, the
// gradients and the intensities at arbitrary queries.
TEST(AttentiveNeuralHawkes, BlockedAndUnblockedAgree) {
  Batch batch{
      {"times", torch::tensor({0.2f, 0.5f, 1.5f, 2.0f, 2.2f, 3.1f, 0.0f, 0.3f, 0.9f, 0.9f, 0.9f,
                               0.9f, 0.1f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f})
                    .view({3, 6})},
      {"types", torch::tensor({0, 1, 1, 0, 2, 1, 1, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0}, torch::kLong)
                    .view({3, 6})},
      {"mask", torch::tensor({1.f, 1.f, 1.f, 1.f, 1.f, 1.f, 1.f, 1.f, 1.f, 0.f, 0.f, 0.f, 1.f, 1.f,
                              0.f, 0.f, 0.f, 0.f})
                   .view({3, 6})},
      {"end_time", torch::tensor({3.5f, 1.4f, 2.0f})}};
  struct Run {
    Batch out;
    torch::Tensor gradients, mean, lambdas;
  };
  auto run = [&](int64_t block_scores) {
    torch::manual_seed(14);
    AttentiveNeuralHawkes model(small_options(3).block_scores(block_scores));
    model->set_prefix(1, torch::randn({3, 2, 8}), torch::randn({3, 2, 8}));
    FlatParameters parameters(*model);
    parameters.zero_gradients();
    Run result;
    result.out = model->forward(batch);
    (-result.out.at("log_likelihood_full").sum() - result.out.at("log_likelihood").sum())
        .backward();
    result.gradients = parameters.gradients().clone();
    torch::NoGradGuard no_grad;
    result.mean = model->layer_input_mean(batch, 1);
    auto history = model->encode_history(batch);
    result.lambdas = model->intensities(history, torch::tensor({2L, 0L, 1L, 0L}),
                                        torch::tensor({1L, 5L, -1L, 2L}), torch::rand({4, 30}) * 2);
    return result;
  };
  Run whole = run(int64_t{1} << 40), blocked = run(1);
  for (const char* key :
       {"log_likelihood", "log_likelihood_full", "event_log_intensity", "event_integral", "hint"}) {
    EXPECT_TRUE(torch::allclose(blocked.out.at(key), whole.out.at(key), 1e-6, 1e-6)) << key;
  }
  EXPECT_TRUE(torch::allclose(blocked.gradients, whole.gradients, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(blocked.mean, whole.mean, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(blocked.lambdas, whole.lambdas, 1e-6, 1e-6));
}

// intensities() at position i and offset t_{i+1} - t_i is the intensity forward() scores event
// i + 1 with, for every sequence, padding included, and with the prompts the provider sets.
TEST(AttentiveNeuralHawkes, IntensitiesReproduceForwardAtEventTimes) {
  torch::manual_seed(15);
  AttentiveNeuralHawkes model(small_options(3));
  model->to(torch::kDouble);
  auto prompt = torch::randn({2, 3, 8}, torch::kDouble);
  int64_t provided = 0;
  model->set_prompt_provider([&](PromptAttachment& attachment, const Batch& batch) {
    ++provided;
    attachment.set_prefix(0, prompt * batch.at("times").select(1, 1).view({2, 1, 1}), prompt);
  });
  Batch batch = two_windows(torch::kDouble, false);
  torch::NoGradGuard no_grad;
  auto out = model->forward(batch);
  model->clear_prefix();  // encode_history must set it again
  auto history = model->encode_history(batch);
  EXPECT_EQ(provided, 2);
  auto rows = torch::tensor({0L, 0L, 0L, 1L, 1L});
  auto positions = torch::tensor({0L, 1L, 2L, 0L, 1L});
  const auto& times = batch.at("times");
  auto gaps = (times.index({rows, positions + 1}) - times.index({rows, positions})).view({5, 1});
  auto lambdas = model->intensities(history, rows, positions, gaps).squeeze(1);  // [5, K]
  auto types = batch.at("types").index({rows, positions + 1});
  auto scored = out.at("event_log_intensity").index({rows, positions + 1});
  EXPECT_TRUE(
      torch::allclose(lambdas.gather(1, types.unsqueeze(1)).squeeze(1), scored.exp(), 1e-5, 1e-10));
  EXPECT_THROW(
      model->intensities(history, torch::tensor({1L}), torch::tensor({3L}), gaps.slice(0, 0, 1)),
      InputError);
  model->set_prompt_provider({});
  model->clear_prefix();
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
  // The gaps are deterministic, so a model that reads its history beats every constant rate.
  EXPECT_LT(after, before - 0.05);
  EXPECT_LT(after, 1.0 - std::log(2.0));
}

}  // namespace
}  // namespace evergreen
