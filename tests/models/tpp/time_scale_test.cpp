// Point processes work in model time t / s and report data units: the identities that follow
// from lambda_data(t) = lambda_model(t / s) / s, checked on NHP and AttNHP.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/models/tpp/attentive_neural_hawkes.h"
#include "evergreen/models/tpp/neural_hawkes.h"
#include "evergreen/models/tpp/point_process_model.h"
#include "models/tpp/event_batch.h"

namespace evergreen {
namespace {

using testing::one_sequence;

// A Poisson process of rate 2: 60 events with exponential gaps.
std::vector<double> poisson_times(double time_unit) {
  std::mt19937_64 engine(3);
  std::exponential_distribution<double> gap(2.0);
  std::vector<double> times;
  double t = 0;
  for (int i = 0; i < 60; ++i) times.push_back((t += gap(engine)) * time_unit);
  return times;
}

// The same process at two scales: the same weights read times x 1,000 with s = 1,000 exactly as
// the raw times with s = 1, their NLL per event log 1,000 higher (a density per millisecond is
// a thousandth of one per second), in both conventions; the gradient is the same.
TEST(TimeScale, NllInDataUnitsAddsLogScalePerEvent) {
  std::vector<int64_t> types(60, 0);
  Batch raw = one_sequence(poisson_times(1.0), types, torch::kDouble);
  Batch milli = one_sequence(poisson_times(1000.0), types, torch::kDouble);
  torch::manual_seed(4);
  NeuralHawkes model(NeuralHawkesOptions(1).hidden_size(4));
  model->to(torch::kDouble);
  auto at_raw = model->evaluate(raw);
  model->fix_time_scale(1000.0);
  auto at_milli = model->evaluate(milli);
  EXPECT_NEAR(at_milli.at("nll_per_event"), at_raw.at("nll_per_event") + std::log(1000.0), 1e-9);
  EXPECT_NEAR(at_milli.at("nll_per_event_full"), at_raw.at("nll_per_event_full") + std::log(1000.0),
              1e-9);
  auto gradient_of = [&](const Batch& batch) {
    model->zero_grad();
    model->loss(batch, model->forward(batch)).backward();
    return model->named_parameters()["intensity.bias"].grad().clone();
  };
  auto milli_gradient = gradient_of(milli);
  model->fix_time_scale(1.0);
  EXPECT_TRUE(torch::allclose(gradient_of(raw), milli_gradient, 1e-9, 1e-12));
}

// With the output gate shut NHP has the constant intensity softplus(b) per model time unit, so
// rate = softplus(b) / s per data time unit, and EasyTPP's NLL per event is
// (rate (t_N - t_1) - (N - 1) log rate) / (N - 1).
TEST(TimeScale, ConstantIntensityClosedFormInDataUnits) {
  torch::manual_seed(0);
  NeuralHawkes model(NeuralHawkesOptions(1).hidden_size(4));
  model->to(torch::kDouble);
  {
    torch::NoGradGuard no_grad;
    model->named_parameters()["gates.bias"].slice(0, 3 * 4, 4 * 4).fill_(-1e4);  // output gate
    model->named_parameters()["intensity.bias"].fill_(0.5);
  }
  const double s = 250.0, rate = std::log1p(std::exp(0.5)) / s;  // per data time unit
  model->fix_time_scale(s);
  Batch batch = one_sequence({100.0, 350.0, 400.0, 1000.0}, {0, 0, 0, 0}, torch::kDouble);
  double expected = (rate * 900.0 - 3 * std::log(rate)) / 3;
  EXPECT_NEAR(model->evaluate(batch).at("nll_per_event"), expected, 1e-9);
  // The intensity function answers in data units too: lambda = rate at any offset.
  auto after = model->intensity_function()->intensities_after(batch);
  auto lambdas = after(torch::tensor({0L}), torch::tensor({1L}),
                       torch::tensor({{10.0, 500.0}}, torch::kDouble));
  EXPECT_NEAR(lambdas[0][0][0].item<double>(), rate, 1e-12);
  EXPECT_NEAR(lambdas[0][1][0].item<double>(), rate, 1e-12);
}

// prepare() learns s from the first experience's training sequences only (padding excluded);
// a fixed scale survives it; the scale is a buffer, so checkpoints carry it.
TEST(TimeScale, LearnedFromTheFirstExperienceOnly) {
  Stream stream;
  stream.spec.kind = StreamKind::kEventSequences;
  stream.spec.num_event_types = 2;
  Experience first, second;
  // Gaps 2, 4 in row 0 and 6 in row 1 (then padding that repeats the last time): mean 4.
  first.train = Batch{{"times", torch::tensor({{1.0f, 3.0f, 7.0f}, {0.0f, 6.0f, 6.0f}})},
                      {"types", torch::zeros({2, 3}, torch::kLong)},
                      {"mask", torch::tensor({{1.0f, 1.0f, 1.0f}, {1.0f, 1.0f, 0.0f}})}};
  second.train = Batch{{"times", torch::tensor({{0.0f, 100.0f}})},
                       {"types", torch::zeros({1, 2}, torch::kLong)},
                       {"mask", torch::ones({1, 2})}};
  stream.experiences = {first, second};
  AttentiveNeuralHawkes attentive(
      AttentiveNeuralHawkesOptions(2).hidden_size(4).time_embedding_size(4));
  EXPECT_DOUBLE_EQ(attentive->time_scale(), 1.0);
  attentive->prepare(stream);
  EXPECT_DOUBLE_EQ(attentive->time_scale(), 4.0);
  bool found = false;
  for (const auto& buffer : attentive->named_buffers())
    if (buffer.key() == "time_scale") found = buffer.value().item<double>() == 4.0;
  EXPECT_TRUE(found);
  NeuralHawkes fixed(NeuralHawkesOptions(2).hidden_size(4));
  fixed->fix_time_scale(0.5);
  fixed->prepare(stream);
  EXPECT_DOUBLE_EQ(fixed->time_scale(), 0.5);
  EXPECT_THROW(fixed->fix_time_scale(-1.0), InputError);
}

}  // namespace
}  // namespace evergreen
