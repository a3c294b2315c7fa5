#include "evergreen/models/tpp/transformer_hawkes.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "evergreen/core/error.h"
#include "evergreen/models/flat_parameters.h"
#include "evergreen/models/tpp/integral_rule.h"
#include "evergreen/models/tpp/thinning.h"
#include "models/tpp/event_batch.h"
#include "strategies/strategy_test_support.h"

namespace evergreen {
namespace {

using testing::one_sequence;

TransformerHawkesOptions tiny_options(int64_t num_types) {
  return TransformerHawkesOptions(num_types).hidden_size(4).feed_forward_size(6);
}

// A double-precision model whose time slopes alpha_k and softness beta_k are not the neutral
// 0 and 1 they start from, so that every term of the intensity is exercised.
TransformerHawkes tiny_model(const TransformerHawkesOptions& options, uint64_t seed) {
  torch::manual_seed(seed);
  TransformerHawkes model(options);
  model->to(torch::kDouble);
  torch::NoGradGuard no_grad;
  const int64_t types = options.num_types();
  model->named_parameters()["time_slope"].copy_(torch::linspace(-0.7, 0.4, types, torch::kDouble));
  model->named_parameters()["log_softness"].copy_(
      torch::linspace(0.3, -0.5, types, torch::kDouble));
  return model;
}

double sum_of(const Batch& out, const char* key) {
  return out.at(key).to(torch::kDouble).sum().item<double>();
}

// ---- The model written out by hand, event by event, from its own sub-modules' weights ----

torch::Tensor affine(const torch::nn::Linear& linear, const torch::Tensor& x) {
  return torch::mv(linear->weight, x) + linear->bias;
}

torch::Tensor layer_norm(const torch::nn::LayerNorm& norm, const torch::Tensor& x) {
  auto centred = x - x.mean();
  auto variance = (centred * centred).mean();
  return centred / torch::sqrt(variance + 1e-5) * norm->weight + norm->bias;
}

// The encoder state after each event: row j attends to events 0..j, one head at a time.
std::vector<torch::Tensor> hand_states(TransformerHawkes& model, const std::vector<double>& times,
                                       const std::vector<int64_t>& types) {
  const int64_t hidden = model->options().hidden_size(), heads = model->options().num_heads();
  const int64_t head_size = hidden / heads;
  const size_t count = times.size();
  std::vector<torch::Tensor> x;
  for (size_t j = 0; j < count; ++j) {
    auto row = model->type_embedding()->weight[types[j]].clone();
    for (int64_t m = 0; m < hidden / 2; ++m) {
      const double frequency = std::pow(10000.0, -2.0 * static_cast<double>(m) / hidden);
      row[m] += std::sin(frequency * times[j]);
      row[hidden / 2 + m] += std::cos(frequency * times[j]);
    }
    x.push_back(row);
  }
  for (const auto& layer : model->layers()) {
    std::vector<torch::Tensor> queries, keys, values, next;
    for (const auto& row : x) {
      queries.push_back(affine(layer->query, row));
      keys.push_back(affine(layer->key, row));
      values.push_back(affine(layer->value, row));
    }
    for (size_t i = 0; i < count; ++i) {
      auto attended = torch::zeros({hidden}, torch::kDouble);
      for (int64_t head = 0; head < heads; ++head) {
        auto part = torch::indexing::Slice(head * head_size, (head + 1) * head_size);
        std::vector<double> scores;
        double largest = -1e300, normaliser = 0;
        for (size_t j = 0; j <= i; ++j) {
          scores.push_back(
              torch::dot(queries[i].index({part}), keys[j].index({part})).item<double>() /
              std::sqrt(static_cast<double>(head_size)));
          largest = std::max(largest, scores.back());
        }
        for (double& score : scores) normaliser += (score = std::exp(score - largest));
        for (size_t j = 0; j <= i; ++j)
          attended.index({part}) += scores[j] / normaliser * values[j].index({part});
      }
      auto y = layer_norm(layer->attention_norm, x[i] + affine(layer->output, attended));
      auto inner = torch::relu(affine(layer->feed_forward_in, y));
      next.push_back(
          layer_norm(layer->feed_forward_norm, y + affine(layer->feed_forward_out, inner)));
    }
    x = next;
  }
  return x;
}

// lambda_k(t_j + s) = beta_k log(1 + exp((alpha_k s + w_k . h_j + b_k) / beta_k)); an undefined
// state is the empty history (h = 0).
double hand_intensity(TransformerHawkes& model, const torch::Tensor& state, int64_t type,
                      double offset) {
  const auto& read_out = model->read_out();
  double pre =
      read_out->bias[type].item<double>() + model->time_slope()[type].item<double>() * offset;
  if (state.defined()) pre += torch::dot(read_out->weight[type], state).item<double>();
  const double softness = model->softness()[type].item<double>();
  return softness * std::log1p(std::exp(pre / softness));
}

double hand_integral(TransformerHawkes& model, const torch::Tensor& state, double gap,
                     const IntegralRule& rule) {
  std::vector<double> offsets(rule.points()), weights(rule.points());
  rule.nodes(gap, offsets.data(), weights.data());
  double total = 0;
  for (int64_t p = 0; p < rule.points(); ++p)
    for (int64_t k = 0; k < model->options().num_types(); ++k)
      total += weights[p] * hand_intensity(model, state, k, offsets[p]);
  return total;
}

// forward() equals the likelihood computed by hand from the model's weights: the encoder
// written as loops, the intensities from their formula and the integrals over the same nodes,
// in both conventions (the first event from the empty history, the tail up to end_time), for
// both a log-scale and an evenly spaced rule.
TEST(TransformerHawkes, LikelihoodEqualsTheHandComputation) {
  const std::vector<double> times = {0.3, 0.8, 0.8, 2.1, 2.6};
  const std::vector<int64_t> types = {1, 0, 2, 2, 1};
  const double end_time = 3.4;
  for (const char* rule_name : {"log_gauss", "trapezoid"}) {
    auto options = tiny_options(3).integral_rule(rule_name).integral_points(7);
    TransformerHawkes model = tiny_model(options, 1);
    auto rule = IntegralRule::make(rule_name, 7, options.integral_resolution());
    torch::NoGradGuard no_grad;
    auto states = hand_states(model, times, types);
    double easytpp = 0;
    for (size_t i = 1; i < times.size(); ++i) {
      const double gap = times[i] - times[i - 1];
      easytpp += std::log(hand_intensity(model, states[i - 1], types[i], gap)) -
                 hand_integral(model, states[i - 1], gap, rule);
    }
    const double first = std::log(hand_intensity(model, {}, types[0], times[0])) -
                         hand_integral(model, {}, times[0], rule);
    const double tail = hand_integral(model, states.back(), end_time - times.back(), rule);

    Batch batch = one_sequence(times, types, torch::kDouble);
    batch.set("end_time", torch::tensor({end_time}, torch::kDouble));
    auto out = model->forward(batch);
    EXPECT_NEAR(sum_of(out, "log_likelihood"), easytpp, 1e-10) << rule_name;
    EXPECT_NEAR(sum_of(out, "log_likelihood_full"), first + easytpp - tail, 1e-10) << rule_name;
    EXPECT_DOUBLE_EQ(sum_of(out, "events"), 4.0);
    EXPECT_DOUBLE_EQ(sum_of(out, "events_full"), 5.0);
    EXPECT_TRUE(torch::allclose(out.at("hint")[0], states.back(), 1e-10, 1e-12));
    EXPECT_TRUE(torch::allclose(model->encode(batch)[0], torch::stack(states), 1e-10, 1e-12));
    EXPECT_GT(tail, 0.1);  // the tail is not vacuous
  }
}

// With the read-out weight and the time slopes zero, lambda_k = beta_k softplus(b_k / beta_k) at
// every time: both conventions in closed form, with and without end_time, and the metrics (the
// log-Gauss rule integrates a constant to about 1e-10 relative: its nodes are exact for
// polynomials in the log-scale variable, not for the exponential map).
constexpr double kClosedForm = 1e-8;

TEST(TransformerHawkes, ConstantIntensitiesMatchTheClosedForm) {
  TransformerHawkes model = tiny_model(tiny_options(2), 2);
  torch::NoGradGuard no_grad;
  model->named_parameters()["read_out.weight"].zero_();
  model->named_parameters()["time_slope"].zero_();
  model->named_parameters()["read_out.bias"].copy_(torch::tensor({0.3, -1.2}, torch::kDouble));
  double rates[2];
  for (int64_t k = 0; k < 2; ++k) rates[k] = hand_intensity(model, {}, k, 0.0);
  const double total = rates[0] + rates[1];
  // A: types 0, 1, 1 at 0.5, 1.0, 2.5; B: types 1, 0 at 0.2, 0.9 (padded).
  Batch batch{{"times", torch::tensor({0.5, 1.0, 2.5, 0.2, 0.9, 0.9}, torch::kDouble).view({2, 3})},
              {"types", torch::tensor({0, 1, 1, 1, 0, 0}, torch::kLong).view({2, 3})},
              {"mask", torch::tensor({1.0, 1.0, 1.0, 1.0, 1.0, 0.0}, torch::kDouble).view({2, 3})}};
  const double a_events = std::log(rates[0]) + 2 * std::log(rates[1]);
  const double b_events = std::log(rates[1]) + std::log(rates[0]);
  for (bool with_end_time : {false, true}) {
    if (with_end_time) batch.set("end_time", torch::tensor({4.0, 0.9}, torch::kDouble));
    const double a_end = with_end_time ? 4.0 : 2.5;
    auto out = model->forward(batch);
    EXPECT_NEAR(out.at("log_likelihood")[0].item<double>(),
                a_events - std::log(rates[0]) - 2.0 * total, kClosedForm);
    EXPECT_NEAR(out.at("log_likelihood")[1].item<double>(),
                b_events - std::log(rates[1]) - 0.7 * total, kClosedForm);
    EXPECT_NEAR(out.at("log_likelihood_full")[0].item<double>(), a_events - a_end * total,
                kClosedForm);
    EXPECT_NEAR(out.at("log_likelihood_full")[1].item<double>(), b_events - 0.9 * total,
                kClosedForm);
    auto metrics = model->evaluate(batch);
    EXPECT_NEAR(
        metrics.at("nll_per_event"),
        -(a_events - std::log(rates[0]) - 2.0 * total + std::log(rates[0]) - 0.7 * total) / 3,
        kClosedForm);
    EXPECT_DOUBLE_EQ(metrics.at("events"), 3.0);
    EXPECT_DOUBLE_EQ(metrics.at("events_full"), 5.0);
  }
  Batch early = batch;
  early.set("end_time", torch::tensor({2.0, 0.9}, torch::kDouble));
  EXPECT_THROW(model->forward(early), InputError);
  early.set("end_time", torch::tensor({4.0}, torch::kDouble));
  EXPECT_THROW(model->forward(early), InputError);
}

// The default rule with 20 nodes agrees with 4,000 trapezoid points to 1e-5 relative on
// intensities that decay fast after events (alpha = -4).
TEST(TransformerHawkes, IntegralConvergesWithMorePoints) {
  Batch batch = one_sequence({0.1, 0.7, 0.9, 2.4, 2.5, 4.1}, {1, 0, 1, 1, 0, 1}, torch::kDouble);
  batch.set("end_time", torch::tensor({5.0}, torch::kDouble));
  auto run = [&](const char* rule, int64_t points) {
    TransformerHawkes model =
        tiny_model(tiny_options(2).integral_rule(rule).integral_points(points), 3);
    torch::NoGradGuard no_grad;
    model->named_parameters()["time_slope"].fill_(-4.0);
    model->named_parameters()["read_out.bias"].fill_(1.5);
    return model->forward(batch);
  };
  auto fine = run("trapezoid", 4000), coarse = run("log_gauss", 20);
  for (const char* key : {"log_likelihood", "log_likelihood_full"})
    EXPECT_NEAR(sum_of(coarse, key), sum_of(fine, key), 1e-5 * std::fabs(sum_of(fine, key))) << key;
}

TEST(TransformerHawkes, PaddingDoesNotChangeTheResult) {
  TransformerHawkes model = tiny_model(tiny_options(2), 4);
  Batch shorter = one_sequence({0.0, 1.0, 1.5}, {0, 1, 0}, torch::kDouble);
  Batch longer = one_sequence({0.0, 1.0, 1.5, 2.0, 4.0}, {0, 1, 0, 1, 1}, torch::kDouble);
  // Padding with junk times (0, before the last event) and types: it must be ignored.
  Batch padded{
      {"times", torch::tensor({0.0, 1.0, 1.5, 0.0, 0.0, 0.0, 1.0, 1.5, 2.0, 4.0}, torch::kDouble)
                    .view({2, 5})},
      {"types", torch::tensor({0, 1, 0, 1, 1, 0, 1, 0, 1, 1}, torch::kLong).view({2, 5})},
      {"mask", torch::tensor({1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0}, torch::kDouble)
                   .view({2, 5})},
      {"end_time", torch::tensor({3.0, 4.5}, torch::kDouble)}};
  shorter.set("end_time", torch::tensor({3.0}, torch::kDouble));
  longer.set("end_time", torch::tensor({4.5}, torch::kDouble));
  torch::NoGradGuard no_grad;
  auto together = model->forward(padded);
  for (int64_t row = 0; row < 2; ++row) {
    auto alone = model->forward(row == 0 ? shorter : longer);
    for (const char* key : {"log_likelihood", "log_likelihood_full", "events", "events_full"})
      EXPECT_NEAR(together.at(key)[row].item<double>(), alone.at(key)[0].item<double>(), 1e-12)
          << key << " row " << row;
    EXPECT_TRUE(torch::allclose(together.at("hint")[row], alone.at("hint")[0], 1e-12, 1e-12));
  }
  EXPECT_EQ(together.at("event_log_intensity").size(1), 5);
  EXPECT_DOUBLE_EQ(together.at("event_log_intensity")[0][3].item<double>(), 0.0);
}

// Changing later events (their times, types, or an event at the same instant as the one before)
// leaves every earlier encoder state, likelihood term and intensity unchanged.
TEST(TransformerHawkes, FutureEventsDoNotChangeThePast) {
  TransformerHawkes model = tiny_model(tiny_options(3), 5);
  torch::NoGradGuard no_grad;
  Batch base = one_sequence({0.2, 1.0, 1.5, 2.0, 4.0}, {0, 1, 0, 1, 2}, torch::kDouble);
  std::vector<Batch> futures{
      one_sequence({0.2, 1.0, 1.5, 7.0, 7.5}, {0, 1, 0, 0, 0}, torch::kDouble),
      one_sequence({0.2, 1.0, 1.5, 1.5, 1.6}, {0, 1, 0, 2, 1}, torch::kDouble)};
  auto original = model->forward(base);
  auto original_states = model->encode(base);
  auto positions = torch::tensor({0L, 1L, 2L, -1L});
  auto rows = torch::zeros({4}, torch::kLong);
  auto offsets = torch::rand({4, 6}, torch::kDouble) * 3;
  auto original_lambdas =
      model->intensity_function()->intensities_after(base)(rows, positions, offsets);
  auto past = torch::indexing::Slice(0, 3);
  for (const Batch& future : futures) {
    auto changed = model->forward(future);
    for (const char* key : {"event_log_intensity", "event_integral"}) {
      EXPECT_TRUE(torch::allclose(changed.at(key).index({0, past}),
                                  original.at(key).index({0, past}), 1e-12, 1e-12))
          << key;
      EXPECT_FALSE(torch::allclose(changed.at(key).index({0, torch::indexing::Slice(3, 5)}),
                                   original.at(key).index({0, torch::indexing::Slice(3, 5)})))
          << key;
    }
    EXPECT_TRUE(torch::allclose(model->encode(future).index({0, past}),
                                original_states.index({0, past}), 1e-12, 1e-12));
    auto lambdas = model->intensity_function()->intensities_after(future)(rows, positions, offsets);
    EXPECT_TRUE(torch::allclose(lambdas, original_lambdas, 1e-12, 1e-12));
  }
}

// The intensity on (t_{i-1}, t_i] reads h(t_{i-1}) only: changing the type of event 3 changes
// log lambda_{k_3}(t_3) but not the integral up to t_3; the next interval sees it.
TEST(TransformerHawkes, AnEventDoesNotSeeItself) {
  TransformerHawkes model = tiny_model(tiny_options(3), 6);
  torch::NoGradGuard no_grad;
  auto a = model->forward(one_sequence({0.0, 1.0, 1.5, 2.5, 3.0}, {0, 1, 0, 1, 2}, torch::kDouble));
  auto b = model->forward(one_sequence({0.0, 1.0, 1.5, 2.5, 3.0}, {0, 1, 0, 2, 2}, torch::kDouble));
  auto upto3 = torch::indexing::Slice(0, 4);
  EXPECT_TRUE(torch::allclose(a.at("event_integral").index({0, upto3}),
                              b.at("event_integral").index({0, upto3}), 1e-12, 1e-12));
  EXPECT_GT(
      std::fabs(
          (a.at("event_log_intensity")[0][3] - b.at("event_log_intensity")[0][3]).item<double>()),
      1e-6);
  EXPECT_GT(std::fabs((a.at("event_integral")[0][4] - b.at("event_integral")[0][4]).item<double>()),
            1e-9);
}

// Gradients of both conventions (end_time included) match central differences in double.
TEST(TransformerHawkes, GradientMatchesFiniteDifferences) {
  TransformerHawkes model = tiny_model(tiny_options(2).integral_points(5), 7);
  FlatParameters parameters(*model);
  Batch batch = one_sequence({0.1, 0.4, 1.1, 1.3, 2.6}, {1, 0, 0, 1, 1}, torch::kDouble);
  batch.set("end_time", torch::tensor({3.2}, torch::kDouble));
  auto objective = [&]() {
    auto out = model->forward(batch);
    return -(out.at("log_likelihood") + 0.5 * out.at("log_likelihood_full")).sum();
  };
  parameters.zero_gradients();
  objective().backward();
  auto analytic = parameters.gradients().clone();
  EXPECT_GT(analytic.abs().max().item<double>(), 1e-3);
  torch::NoGradGuard no_grad;
  const double step = 1e-6;
  auto flat = parameters.values();
  for (int64_t i = 0; i < flat.numel(); ++i) {
    const double original = flat[i].item<double>();
    flat[i] = original + step;
    const double plus = objective().item<double>();
    flat[i] = original - step;
    const double minus = objective().item<double>();
    flat[i] = original;
    EXPECT_NEAR(analytic[i].item<double>(), (plus - minus) / (2 * step), 1e-6) << "parameter " << i;
  }
}

// The intensity function (what thinning reads) gives, after event i and at offset
// t_{i+1} - t_i, the intensity forward() scores event i + 1 with, padding included, in data
// units also when the model works on another time scale; position -1 is the empty history.
TEST(TransformerHawkes, IntensityFunctionReproducesForward) {
  Batch batch{
      {"times",
       torch::tensor({0.4, 1.0, 1.5, 2.75, 0.3, 0.6, 1.2, 1.2}, torch::kDouble).view({2, 4})},
      {"types", torch::tensor({0, 2, 1, 2, 1, 1, 0, 0}, torch::kLong).view({2, 4})},
      {"mask",
       torch::tensor({1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0}, torch::kDouble).view({2, 4})}};
  auto rows = torch::tensor({0L, 0L, 0L, 1L, 1L});
  auto positions = torch::tensor({0L, 1L, 2L, 0L, 1L});
  const auto& times = batch.at("times");
  auto gaps = (times.index({rows, positions + 1}) - times.index({rows, positions})).view({5, 1});
  auto types = batch.at("types").index({rows, positions + 1}).unsqueeze(1);
  for (double scale : {1.0, 2.5}) {
    TransformerHawkes model = tiny_model(tiny_options(3), 8);
    model->fix_time_scale(scale);
    torch::NoGradGuard no_grad;
    auto out = model->forward(batch);
    IntensityFunction* intensity = model->intensity_function();
    ASSERT_NE(intensity, nullptr);
    EXPECT_EQ(intensity->num_event_types(), 3);
    auto after = intensity->intensities_after(batch);
    auto lambdas = after(rows, positions, gaps).squeeze(1);  // [5, K]
    auto scored = out.at("event_log_intensity").index({rows, positions + 1});
    EXPECT_TRUE(torch::allclose(lambdas.gather(1, types).squeeze(1).log(), scored, 1e-12, 1e-12))
        << "scale " << scale;
    // The empty history: softplus_beta(alpha t / s + b) / s.
    auto first =
        after(torch::tensor({1L}), torch::tensor({-1L}), torch::full({1, 1}, 0.3, torch::kDouble));
    EXPECT_NEAR(first[0][0][1].item<double>(), hand_intensity(model, {}, 1, 0.3 / scale) / scale,
                1e-12);
    EXPECT_THROW(after(torch::tensor({1L}), torch::tensor({3L}), gaps.slice(0, 0, 1)), InputError);
    EXPECT_THROW(after(torch::tensor({0L}), torch::tensor({-2L}), gaps.slice(0, 0, 1)), InputError);
  }
}

// Constant rates read through the seam: thinning predicts the gap 1 / sum_k lambda_k and the
// type of the largest rate (type 0 here: the softness changes the order of the biases).
TEST(TransformerHawkes, ThinningPredictsTheConstantRateGap) {
  TransformerHawkes model = tiny_model(tiny_options(3), 9);
  torch::NoGradGuard no_grad;
  model->named_parameters()["read_out.weight"].zero_();
  model->named_parameters()["time_slope"].zero_();
  model->named_parameters()["read_out.bias"].copy_(torch::tensor({0.3, -1.2, 0.8}, torch::kDouble));
  double total = 0, largest = 0;
  int64_t most_likely = -1;
  for (int64_t k = 0; k < 3; ++k) {
    const double rate = hand_intensity(model, {}, k, 0.0);
    total += rate;
    if (rate > largest) largest = rate, most_likely = k;
  }
  Batch batch = one_sequence({0.0, 0.3, 1.4, 1.5, 2.6}, {2, 2, 0, 1, 2});
  auto generator = at::make_generator<at::CPUGeneratorImpl>(10);
  auto intensities_after = history_intensities(*model, batch);
  for (int64_t position = 0; position < 5; ++position) {
    OffsetIntensityFunction intensity_at = [&](const torch::Tensor& offsets) {
      return intensities_after(torch::tensor({0L}), torch::tensor({position}), offsets);
    };
    auto prediction = thinning_predict(intensity_at, 1, generator, ThinningOptions().samples(2000));
    EXPECT_NEAR(prediction.offset[0].item<double>(), 1 / total, 5 / total / std::sqrt(2000.0));
    EXPECT_EQ(prediction.type[0].item<int64_t>(), most_likely);
  }
}

// Saved and loaded into a model of another initialisation, every parameter and buffer (the time
// scale included) and so every output come back bit for bit.
TEST(TransformerHawkes, CheckpointRoundTripIsBitForBit) {
  auto options = TransformerHawkesOptions(2).hidden_size(8).feed_forward_size(12);
  torch::manual_seed(11);
  TransformerHawkes model(options);
  model->fix_time_scale(1.7);
  Batch batch = one_sequence({0.0, 0.4, 1.1, 1.3, 2.6, 3.0}, {1, 0, 0, 1, 1, 0});
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(0.05));
  for (int step = 0; step < 3; ++step) {
    adam.zero_grad();
    model->loss(batch, model->forward(batch)).backward();
    adam.step();
  }
  torch::serialize::OutputArchive out;
  model->save(out);
  std::stringstream bytes;
  out.save_to(bytes);

  torch::manual_seed(12);
  TransformerHawkes restored(options);
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  restored->load(in);
  auto saved = model->named_parameters(), loaded = restored->named_parameters();
  ASSERT_EQ(saved.size(), loaded.size());
  for (const auto& item : saved)
    EXPECT_TRUE(torch::equal(item.value(), loaded[item.key()])) << item.key();
  EXPECT_DOUBLE_EQ(restored->time_scale(), 1.7);
  torch::NoGradGuard no_grad;
  auto a = model->forward(batch), b = restored->forward(batch);
  for (const char* key : {"log_likelihood", "log_likelihood_full", "hint", "event_integral"})
    EXPECT_TRUE(torch::equal(a.at(key), b.at(key))) << key;
}

// Dropout acts in training mode only: evaluation is deterministic.
TEST(TransformerHawkes, DropoutOnlyInTraining) {
  torch::manual_seed(13);
  TransformerHawkes model(TransformerHawkesOptions(2).hidden_size(8).dropout(0.5));
  Batch batch = one_sequence({0.0, 0.4, 1.1, 1.3, 2.6}, {1, 0, 0, 1, 1});
  torch::NoGradGuard no_grad;
  model->train();
  EXPECT_FALSE(torch::equal(model->forward(batch).at("log_likelihood"),
                            model->forward(batch).at("log_likelihood")));
  model->eval();
  EXPECT_TRUE(torch::equal(model->forward(batch).at("log_likelihood"),
                           model->forward(batch).at("log_likelihood")));
}

// Unmarked Poisson events of rate 2: the true NLL per event in EasyTPP's convention is
// -log 2 + 2 x (mean gap), about 1 - log 2 = 0.307. Each of 300 Adam steps draws fresh
// sequences (on 8 fixed ones the absolute time encoding lets the model memorise where their
// events lie: training NLL 0.04, held-out 0.59), and the held-out NLL reaches the truth.
TEST(TransformerHawkes, LearnsAPoissonRate) {
  const double rate = 2.0;
  torch::manual_seed(14);
  auto sample = [&](int64_t sequences, int64_t events) {
    auto gaps = -torch::log(torch::rand({sequences, events}, torch::kDouble)) / rate;
    return Batch{{"times", gaps.cumsum(1).to(torch::kFloat)},
                 {"types", torch::zeros({sequences, events}, torch::kLong)},
                 {"mask", torch::ones({sequences, events})}};
  };
  Batch test = sample(8, 40);
  auto times = test.at("times").to(torch::kDouble);
  const double truth =
      -std::log(rate) + rate * (times.slice(1, 1) - times.slice(1, 0, -1)).mean().item<double>();
  TransformerHawkes model(
      TransformerHawkesOptions(1).hidden_size(8).feed_forward_size(16).num_layers(1));
  const double before = model->evaluate(test).at("nll_per_event");
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(0.01));
  for (int step = 0; step < 300; ++step) {
    Batch train = sample(8, 40);
    adam.zero_grad();
    model->loss(train, model->forward(train)).backward();
    adam.step();
  }
  const double after = model->evaluate(test).at("nll_per_event");
  EXPECT_LT(after, before - 0.2);
  EXPECT_NEAR(after, truth, 0.01) << "before " << before;
}

// The registry's factory reads the options and refuses bad ones.
TEST(TransformerHawkes, FactoryReadsItsOptions) {
  auto stream = testing::tiny_event_stream(1, 4);
  Options options(YAML::Load("{hidden_size: 16, heads: 4, layers: 1, feed_forward_size: 8, "
                             "dropout: 0.1, integral_rule: trapezoid, integral_points: 9}"),
                  "model");
  auto model =
      std::dynamic_pointer_cast<TransformerHawkesImpl>(make_transformer_hawkes(options, stream));
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->options().hidden_size(), 16);
  EXPECT_EQ(model->options().num_heads(), 4);
  EXPECT_EQ(model->options().num_layers(), 1);
  EXPECT_EQ(model->options().feed_forward_size(), 8);
  EXPECT_DOUBLE_EQ(model->options().dropout(), 0.1);
  EXPECT_EQ(model->options().integral_rule(), "trapezoid");
  EXPECT_EQ(model->options().integral_points(), 9);
  EXPECT_EQ(model->options().num_types(), stream.spec.num_event_types);
  EXPECT_TRUE(TransformerHawkesImpl::kCapabilities.intensity);
  EXPECT_NE(model->intensity_function(), nullptr);
  for (const char* bad : {"{hidden_size: 7}", "{hidden_size: 8, heads: 3}", "{dropout: 1.0}"}) {
    Options wrong(YAML::Load(bad), "model");
    EXPECT_THROW(make_transformer_hawkes(wrong, stream), InputError) << bad;
  }
}

}  // namespace
}  // namespace evergreen
