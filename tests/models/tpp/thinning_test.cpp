#include "evergreen/models/tpp/thinning.h"

#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/models/tpp/attentive_neural_hawkes.h"
#include "evergreen/models/tpp/neural_hawkes.h"
#include "models/tpp/event_batch.h"

namespace evergreen {
namespace {

// Intensities that do not depend on time: [N, G, K] filled with `rates`.
OffsetIntensityFunction constant_intensity(std::vector<double> rates) {
  auto values = torch::tensor(rates, torch::kDouble);
  return [values](const torch::Tensor& offsets) {
    return values.view({1, 1, -1}).expand({offsets.size(0), offsets.size(1), values.size(0)});
  };
}

double mean_of(const torch::Tensor& tensor) { return tensor.mean().item<double>(); }

// Standard error of the mean of all values in `samples`.
double standard_error(const torch::Tensor& samples) {
  return samples.std().item<double>() / std::sqrt(static_cast<double>(samples.numel()));
}

// (a) Constant total rate 3: the next event is Exp(3), mean 1/3, and the type is the largest rate.
TEST(Thinning, ConstantIntensityGivesTheExponentialMean) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(11);
  auto prediction = thinning_predict(constant_intensity({0.5, 1.5, 1.0}), /*histories=*/8,
                                     generator, ThinningOptions().samples(1000));
  const double expected = 1.0 / 3.0;
  EXPECT_NEAR(mean_of(prediction.samples), expected, 4 * standard_error(prediction.samples));
  for (int64_t n = 0; n < 8; ++n) {
    // Each history's prediction is a mean of 1,000 samples of standard deviation 1/3.
    EXPECT_NEAR(prediction.offset[n].item<double>(), expected, 5 * expected / std::sqrt(1000.0));
    EXPECT_EQ(prediction.type[n].item<int64_t>(), 1);
  }
  // The tail too: P(T > 1/3) = e^-1.
  double beyond = mean_of((prediction.samples > expected).to(torch::kDouble));
  EXPECT_NEAR(beyond, std::exp(-1.0), 4 * std::sqrt(0.25 / 8000.0));
  EXPECT_FALSE(prediction.censored.any().item<bool>());
  EXPECT_EQ(prediction.violations.sum().item<int64_t>(), 0);
  EXPECT_NEAR(prediction.bound[0].item<double>(), 5 * 3.0, 1e-12);
}

// The median estimate of Exp(3) is log(2) / 3.
TEST(Thinning, MedianEstimateOfAConstantIntensity) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(12);
  auto prediction = thinning_predict(constant_intensity({3.0}), /*histories=*/4, generator,
                                     ThinningOptions().samples(2000).estimate("median"));
  for (int64_t n = 0; n < 4; ++n) {
    // Standard error of a sample median: 1 / (2 f(m) sqrt(S)), f(m) = 3/2 at the median.
    EXPECT_NEAR(prediction.offset[n].item<double>(), std::log(2.0) / 3.0,
                5 / (3.0 * std::sqrt(2000.0)));
  }
}

// (b) lambda(s) = a e^{-b s} + c: the mean of the samples matches
// E[T] = integral_0^inf exp(-Lambda(s)) ds, Lambda(s) = (a / b)(1 - e^{-b s}) + c s.
TEST(Thinning, DecayingIntensityMatchesTheClosedFormMean) {
  const double a = 3.0, b = 2.0, c = 0.5;
  OffsetIntensityFunction intensity_at = [&](const torch::Tensor& offsets) {
    return torch::stack({a * torch::exp(-b * offsets), torch::full_like(offsets, c)}, 2);
  };
  // Simpson's rule on [0, 60]; the integrand is below e^-30 past it.
  const int intervals = 60000;
  const double step = 60.0 / intervals;
  double expected = 0;
  for (int j = 0; j <= intervals; ++j) {
    double s = j * step;
    double weight = (j == 0 || j == intervals) ? 1 : (j % 2 == 1 ? 4 : 2);
    expected += weight * std::exp(-(a / b) * (1 - std::exp(-b * s)) - c * s);
  }
  expected *= step / 3;

  auto generator = at::make_generator<at::CPUGeneratorImpl>(13);
  auto prediction = thinning_predict(intensity_at, /*histories=*/8, generator,
                                     ThinningOptions().samples(1000).look_ahead(30.0));
  EXPECT_NEAR(mean_of(prediction.samples), expected, 4 * standard_error(prediction.samples));
  EXPECT_NEAR(mean_of(prediction.offset), expected, 4 * standard_error(prediction.samples));
  // Decreasing: the grid's first point is the maximum, so the bound is exact and never beaten.
  EXPECT_NEAR(prediction.bound[0].item<double>(), 5 * (a + c), 1e-12);
  EXPECT_EQ(prediction.violations.sum().item<int64_t>(), 0);
  EXPECT_FALSE(prediction.censored.any().item<bool>());
}

// A window too short for the intensity: chains that leave it are censored at the window's end.
TEST(Thinning, SamplesPastTheWindowAreCensoredAtItsEnd) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(14);
  auto prediction = thinning_predict(constant_intensity({1.0}), /*histories=*/2, generator,
                                     ThinningOptions().samples(2000).look_ahead(0.5));
  auto censored = prediction.censored.to(torch::kDouble);
  EXPECT_NEAR(mean_of(censored), std::exp(-0.5), 4 * std::sqrt(0.25 / 4000.0));
  auto at_end = prediction.samples.masked_select(prediction.censored);
  EXPECT_TRUE(torch::all(at_end == 0.5).item<bool>());
  EXPECT_TRUE(torch::all(prediction.samples <= 0.5).item<bool>());
}

// (d) The generator is the only random source.
TEST(Thinning, SameSeedGivesIdenticalPredictions) {
  OffsetIntensityFunction intensity_at = [](const torch::Tensor& offsets) {
    return torch::stack({1 + torch::sin(3 * offsets).pow(2), 0.5 * torch::exp(-offsets)}, 2);
  };
  auto options = ThinningOptions().samples(50);
  auto first = at::make_generator<at::CPUGeneratorImpl>(7);
  auto second = at::make_generator<at::CPUGeneratorImpl>(7);
  auto other = at::make_generator<at::CPUGeneratorImpl>(8);
  auto a = thinning_predict(intensity_at, 3, first, options);
  auto b = thinning_predict(intensity_at, 3, second, options);
  auto c = thinning_predict(intensity_at, 3, other, options);
  EXPECT_TRUE(torch::equal(a.samples, b.samples));
  EXPECT_TRUE(torch::equal(a.offset, b.offset));
  EXPECT_TRUE(torch::equal(a.type, b.type));
  EXPECT_FALSE(torch::equal(a.samples, c.samples));
}

TEST(Thinning, RejectsBadOptions) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  auto intensity_at = constant_intensity({1.0});
  EXPECT_THROW(thinning_predict(intensity_at, 1, generator, ThinningOptions().look_ahead(0)),
               InputError);
  EXPECT_THROW(thinning_predict(intensity_at, 1, generator, ThinningOptions().estimate("mode")),
               InputError);
  OffsetIntensityFunction flat = [](const torch::Tensor& offsets) { return offsets; };
  EXPECT_THROW(thinning_predict(flat, 1, generator, ThinningOptions()), InputError);
}

// The thinning tests work in double precision.
Batch one_sequence(const std::vector<double>& times, const std::vector<int64_t>& types) {
  return testing::one_sequence(times, types, torch::kDouble);
}

NeuralHawkesStates states_at(const NeuralHawkesStates& states, int64_t position) {
  auto at = [&](const torch::Tensor& state) { return state.select(1, position); };
  return {at(states.cell), at(states.cell_target), at(states.decay), at(states.output_gate)};
}

// event_states() is the recurrence forward() scores: reading the intensities from the state
// after event i - 1 at offset t_i - t_{i-1} rebuilds the log-likelihood with the same rule.
TEST(NeuralHawkesThinning, EventStatesReproduceTheLikelihood) {
  torch::manual_seed(21);
  NeuralHawkes model(
      NeuralHawkesOptions(3).hidden_size(5).integral_points(20).integral_rule("trapezoid"));
  model->to(torch::kDouble);
  std::vector<double> times = {0.0, 0.6, 0.7, 2.1, 2.2, 3.9};
  std::vector<int64_t> types = {2, 0, 1, 1, 0, 2};
  Batch batch = one_sequence(times, types);
  torch::NoGradGuard no_grad;
  auto states = model->event_states(batch);
  ASSERT_EQ(states.cell.sizes(), (torch::IntArrayRef{1, 6, 5}));
  double log_likelihood = 0;
  auto fractions = torch::linspace(0, 1, 20, torch::kDouble);
  for (size_t i = 1; i < times.size(); ++i) {
    double gap = times[i] - times[i - 1];
    auto state = states_at(states, static_cast<int64_t>(i) - 1);
    auto lambdas = model->intensities(state.cell, state.cell_target, state.decay, state.output_gate,
                                      (gap * fractions).view({1, 20}));
    auto total = lambdas.sum(2).view({20});
    double integral = gap * ((total.sum() - 0.5 * (total[0] + total[19])) / 19).item<double>();
    log_likelihood += std::log(lambdas[0][19][types[i]].item<double>()) - integral;
  }
  EXPECT_NEAR(model->forward(batch).at("log_likelihood").item<double>(), log_likelihood, 1e-10);

  // Padding after a sequence leaves the states of its events as they were.
  Batch padded{{"times", torch::tensor({0.0, 0.6, 0.7, 0.7}, torch::kDouble).view({1, 4})},
               {"types", torch::tensor({2, 0, 1, 0}, torch::kLong).view({1, 4})},
               {"mask", torch::tensor({1.0, 1.0, 1.0, 0.0}, torch::kDouble).view({1, 4})}};
  auto padded_states = model->event_states(padded);
  EXPECT_TRUE(torch::allclose(padded_states.cell.slice(1, 0, 3), states.cell.slice(1, 0, 3)));
  EXPECT_TRUE(torch::allclose(padded_states.decay.slice(1, 0, 3), states.decay.slice(1, 0, 3)));
}

// An NHP with the output gate shut has h(t) = 0 and constant intensities softplus(b_k).
NeuralHawkes constant_rate_model(const std::vector<double>& biases) {
  const int64_t hidden = 4;
  NeuralHawkes model(NeuralHawkesOptions(static_cast<int64_t>(biases.size())).hidden_size(hidden));
  model->to(torch::kDouble);
  torch::NoGradGuard no_grad;
  model->named_parameters()["gates.bias"].slice(0, 3 * hidden, 4 * hidden).fill_(-1e4);
  model->named_parameters()["intensity.bias"].copy_(torch::tensor(biases, torch::kDouble));
  return model;
}

// A model whose intensities are the constants softplus(biases) = {0.3, -1.2, 0.8} predicts, from
// every history, a gap near 1 / sum_k lambda_k and type 2 (the largest rate); so the RMSE is the
// spread of the true gaps around that gap, and the accuracy the share of next events of type 2.
constexpr double kConstantBiases[] = {0.3, -1.2, 0.8};

void expect_constant_rate_predictions(Model& model, uint64_t seed) {
  double total = 0;
  for (double bias : kConstantBiases) total += std::log1p(std::exp(bias));
  const double expected = 1.0 / total;
  std::vector<double> times = {0.0, 0.3, 1.4, 1.5, 2.6, 2.9};
  std::vector<int64_t> types = {2, 2, 0, 1, 2, 0};
  Batch batch = one_sequence(times, types);
  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto intensities_after = history_intensities(model, batch);
  for (int64_t position = 0; position < 6; ++position) {
    OffsetIntensityFunction intensity_at = [&](const torch::Tensor& offsets) {
      return intensities_after(torch::tensor({0L}), torch::tensor({position}), offsets);
    };
    auto prediction = thinning_predict(intensity_at, 1, generator, ThinningOptions().samples(2000));
    EXPECT_NEAR(prediction.offset[0].item<double>(), expected, 5 * expected / std::sqrt(2000.0));
    EXPECT_EQ(prediction.type[0].item<int64_t>(), 2);
  }

  auto options = NextEventOptions().thinning(ThinningOptions().samples(2000)).block_size(2);
  auto metrics = next_event_metrics(model, batch, generator, options);
  double squared = 0, correct = 0;
  for (size_t i = 1; i < times.size(); ++i) {
    squared += std::pow(times[i] - times[i - 1] - expected, 2);
    correct += types[i] == 2 ? 1 : 0;
  }
  EXPECT_NEAR(metrics.at("rmse"), std::sqrt(squared / 5), 0.02);
  EXPECT_DOUBLE_EQ(metrics.at("type_accuracy"), correct / 5);
  EXPECT_DOUBLE_EQ(metrics.at("events"), 5.0);
  EXPECT_DOUBLE_EQ(metrics.at("censored_fraction"), 0.0);
  EXPECT_NEAR(metrics.at("look_ahead"), 10 * 2.9 / 5, 1e-12);
}

// (c) Gaps near 1 / sum_k lambda_k and the type of the largest intensity, from every history.
TEST(NeuralHawkesThinning, ShutOutputGatePredictsTheConstantRateGap) {
  torch::manual_seed(22);
  NeuralHawkes model = constant_rate_model(
      std::vector<double>(std::begin(kConstantBiases), std::end(kConstantBiases)));
  expect_constant_rate_predictions(*model, 23);
}

// Padding and several sequences: one prediction per real event after the first.
TEST(NeuralHawkesThinning, MetricsSkipPaddingAndFirstEvents) {
  NeuralHawkes model = constant_rate_model({1.0, -1.0});
  Batch batch{
      {"times",
       torch::tensor({0.0, 0.5, 0.9, 0.9, 0.0, 2.0, 2.5, 3.0}, torch::kDouble).view({2, 4})},
      {"types", torch::tensor({0, 1, 0, 0, 1, 0, 0, 0}, torch::kLong).view({2, 4})},
      {"mask",
       torch::tensor({1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0}, torch::kDouble).view({2, 4})}};
  auto generator = at::make_generator<at::CPUGeneratorImpl>(24);
  auto metrics = next_event_metrics(*model, batch, generator,
                                    NextEventOptions().thinning(ThinningOptions().samples(200)));
  EXPECT_DOUBLE_EQ(metrics.at("events"), 5.0);
  // The largest intensity is type 0; four of the five targets are type 0.
  EXPECT_DOUBLE_EQ(metrics.at("type_accuracy"), 4.0 / 5.0);
  EXPECT_TRUE(std::isfinite(metrics.at("rmse")));
}

// evaluate() adds the next-event metrics of the first `targets` targets, drawn from a generator
// seeded 0: the same numbers as next_event_metrics on the batch with its later events masked,
// the same in every evaluation; none when turned off.
TEST(NeuralHawkesThinning, EvaluateReportsNextEventMetricsOfTheFirstTargets) {
  NeuralHawkes model = constant_rate_model({1.0, -1.0});
  Batch batch{
      {"times",
       torch::tensor({0.0, 0.5, 0.9, 0.9, 0.0, 2.0, 2.5, 3.0}, torch::kDouble).view({2, 4})},
      {"types", torch::tensor({0, 1, 0, 0, 1, 0, 0, 1}, torch::kLong).view({2, 4})},
      {"mask",
       torch::tensor({1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0}, torch::kDouble).view({2, 4})}};
  model->evaluate_next_events(/*samples=*/16, /*targets=*/3);
  auto metrics = model->evaluate(batch);
  // Targets row by row: events 1, 2 of row 0, then event 1 of row 1.
  Batch cut = batch;
  cut.set("mask",
          torch::tensor({1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0}, torch::kDouble).view({2, 4}));
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  auto expected = next_event_metrics(*model, cut, generator,
                                     NextEventOptions().thinning(ThinningOptions().samples(16)));
  EXPECT_DOUBLE_EQ(expected.at("events"), 3.0);
  EXPECT_DOUBLE_EQ(metrics.at("next_event_time_rmse"), expected.at("rmse"));
  EXPECT_DOUBLE_EQ(metrics.at("next_event_type_accuracy"), 2.0 / 3.0);  // type 0 is likelier
  EXPECT_DOUBLE_EQ(model->evaluate(batch).at("next_event_time_rmse"), expected.at("rmse"));
  model->evaluate_next_events(0, 3);
  EXPECT_EQ(model->evaluate(batch).count("next_event_time_rmse"), 0u);
}

// An AttNHP with the read-out weight zeroed has constant intensities softplus(b_k).
AttentiveNeuralHawkes constant_rate_attentive(const std::vector<double>& biases) {
  AttentiveNeuralHawkes model(AttentiveNeuralHawkesOptions(static_cast<int64_t>(biases.size()))
                                  .hidden_size(8)
                                  .time_embedding_size(6));
  model->to(torch::kDouble);
  torch::NoGradGuard no_grad;
  model->named_parameters()["intensity.weight"].zero_();
  model->named_parameters()["intensity.bias"].copy_(torch::tensor(biases, torch::kDouble));
  return model;
}

// The same checks as for NHP.
TEST(AttentiveNeuralHawkesThinning, ZeroReadOutPredictsTheConstantRateGap) {
  torch::manual_seed(25);
  AttentiveNeuralHawkes model = constant_rate_attentive(
      std::vector<double>(std::begin(kConstantBiases), std::end(kConstantBiases)));
  expect_constant_rate_predictions(*model, 26);
}

// history_intensities reads each model through its own pass: for NHP the states after each
// event, for AttNHP the intensities forward() scores the next event with.
TEST(AttentiveNeuralHawkesThinning, HistoryIntensitiesMatchTheModels) {
  torch::manual_seed(27);
  Batch batch{
      {"times",
       torch::tensor({0.0, 0.5, 0.9, 0.9, 0.2, 2.0, 2.5, 3.0}, torch::kDouble).view({2, 4})},
      {"types", torch::tensor({0, 1, 0, 0, 1, 0, 1, 0}, torch::kLong).view({2, 4})},
      {"mask",
       torch::tensor({1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0}, torch::kDouble).view({2, 4})}};
  auto rows = torch::tensor({1L, 0L, 1L, 0L}), positions = torch::tensor({2L, 1L, 0L, 0L});
  const auto& times = batch.at("times");
  auto gaps = (times.index({rows, positions + 1}) - times.index({rows, positions})).view({4, 1});
  torch::NoGradGuard no_grad;

  AttentiveNeuralHawkes attentive(
      AttentiveNeuralHawkesOptions(2).hidden_size(8).time_embedding_size(6));
  attentive->to(torch::kDouble);
  auto lambdas = history_intensities(*attentive, batch)(rows, positions, gaps).squeeze(1);
  auto types = batch.at("types").index({rows, positions + 1});
  auto scored = attentive->forward(batch).at("event_log_intensity").index({rows, positions + 1});
  EXPECT_TRUE(torch::allclose(lambdas.gather(1, types.unsqueeze(1)).squeeze(1), scored.exp(), 1e-10,
                              1e-12));

  NeuralHawkes neural(NeuralHawkesOptions(2).hidden_size(5));
  neural->to(torch::kDouble);
  auto states = neural->event_states(batch);
  auto pick = [&](const torch::Tensor& state) { return state.index({rows, positions}); };
  auto expected = neural->intensities(pick(states.cell), pick(states.cell_target),
                                      pick(states.decay), pick(states.output_gate), gaps);
  EXPECT_TRUE(torch::equal(history_intensities(*neural, batch)(rows, positions, gaps), expected));
}

// A point process of no model class thinning knows: constant rates, reached only through
// Model::intensity_function(). `declared_types` is what it claims K is, `offered` whether it
// offers the seam at all.
class ConstantRateProcess : public PointProcessModel, public IntensityFunction {
 public:
  ConstantRateProcess(std::vector<double> rates, int64_t declared_types, bool offered)
      : rates_(torch::tensor(rates, torch::kDouble)),
        declared_types_(declared_types),
        offered_(offered) {}
  int64_t forward_macs_per_row() const override { return 0; }
  int64_t num_event_types() const override { return declared_types_; }
  HistoryIntensityFunction intensities_after(const Batch& batch) override {
    return [rates = rates_](const torch::Tensor& rows, const torch::Tensor& positions,
                            const torch::Tensor& offsets) {
      return rates.view({1, 1, -1}).expand({offsets.size(0), offsets.size(1), rates.size(0)});
    };
  }

 private:
  torch::Tensor rates_;
  int64_t declared_types_;
  bool offered_;

 protected:
  Batch forward_model_time(const Batch& batch) override { return {}; }
  IntensityFunction* model_time_intensity() override { return offered_ ? this : nullptr; }
};

std::vector<double> constant_rates() {
  std::vector<double> rates;
  for (double bias : kConstantBiases) rates.push_back(std::log1p(std::exp(bias)));
  return rates;
}

// The same predictions as NHP's and AttNHP's with those rates: the seam is all thinning needs.
TEST(IntensityFunctionSeam, AnyModelOfferingItIsPredicted) {
  ConstantRateProcess process(constant_rates(), 3, /*offered=*/true);
  expect_constant_rate_predictions(process, 28);
}

TEST(IntensityFunctionSeam, ModelsWithoutItOrWithWrongShapesAreRefused) {
  Batch batch = one_sequence({0.0, 0.5, 1.0}, {0, 1, 2});
  auto generator = at::make_generator<at::CPUGeneratorImpl>(29);
  ConstantRateProcess hidden(constant_rates(), 3, /*offered=*/false);
  EXPECT_THROW(history_intensities(hidden, batch), InputError);
  EXPECT_THROW(next_event_metrics(hidden, batch, generator, NextEventOptions()), InputError);
  // Claims four types but returns three: caught where the intensities are read.
  ConstantRateProcess miscounted(constant_rates(), 4, /*offered=*/true);
  auto after = history_intensities(miscounted, batch);
  EXPECT_THROW(
      after(torch::tensor({0L}), torch::tensor({1L}), torch::zeros({1, 2}, torch::kDouble)),
      InputError);
}

// The declared capability and the offered seam agree for both point-process models.
TEST(IntensityFunctionSeam, CapabilitiesMatchTheSeams) {
  NeuralHawkes neural(NeuralHawkesOptions(2).hidden_size(4));
  AttentiveNeuralHawkes attentive(
      AttentiveNeuralHawkesOptions(2).hidden_size(4).time_embedding_size(2).num_heads(1));
  for (Model* model : std::initializer_list<Model*>{neural.get(), attentive.get()}) {
    EXPECT_TRUE(model->capabilities().intensity);
    ASSERT_NE(model->intensity_function(), nullptr);
    EXPECT_EQ(model->intensity_function()->num_event_types(), 2);
    EXPECT_EQ(model->capabilities().prompts, model->prompt_attachment() != nullptr);
  }
  EXPECT_EQ(neural->prompt_attachment(), nullptr);
  ASSERT_NE(attentive->prompt_attachment(), nullptr);
  EXPECT_EQ(attentive->prompt_attachment()->prompt_layers(), 2);
  EXPECT_EQ(attentive->prompt_attachment()->prompt_row_size(), 2 + 4);
}

}  // namespace
}  // namespace evergreen
