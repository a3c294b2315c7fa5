// A model's NLL per event against the closed form it must equal: NHP with its output gate shut has
// the constant intensity softplus(b), a Poisson process, whose NLL data/tpp/ground_truth.h knows.
#include "evergreen/eval/point_process_nll.h"

#include <gtest/gtest.h>

#include <cmath>

#include "evergreen/core/error.h"
#include "evergreen/data/tpp/sequence_windows.h"
#include "evergreen/models/tpp/neural_hawkes.h"

namespace evergreen {
namespace {

const double kRate = 1.5;

/// NHP (one type) whose intensity is the constant kRate.
std::shared_ptr<Model> constant_rate_nhp(int64_t points, uint64_t seed) {
  torch::manual_seed(seed);
  NeuralHawkes model(NeuralHawkesOptions(1).hidden_size(4).integral_points(points));
  torch::NoGradGuard no_grad;
  model->named_parameters()["gates.bias"].slice(0, 3 * 4, 4 * 4).fill_(-1e4);  // output gate
  model->named_parameters()["intensity.bias"].fill_(std::log(std::expm1(kRate)));
  return model.ptr();
}

std::vector<MarkedSequence> sequences() {
  // Different lengths, so the padded batch has padding; times exact in float32.
  return {{{0.5, 1.25, 3.0, 3.5, 6.0}, {0, 0, 0, 0, 0}},
          {{0.25, 2.0}, {0, 0}},
          {{1.0, 1.5, 4.25, 5.0}, {0, 0, 0, 0}}};
}

TEST(PointProcessNll, PoolsSequencesAcrossBlocksAsTheClosedForm) {
  auto expected = poisson_nll_per_event(kRate, sequences());
  auto model = constant_rate_nhp(20, 0);
  for (int64_t block : {1, 2, 8}) {
    auto nll = model_nll_per_event(*model, pad_to_longest(sequences()), block);
    EXPECT_NEAR(nll.easytpp, expected.easytpp, 1e-5) << block;
    EXPECT_NEAR(nll.full, expected.full, 1e-5) << block;
  }
}

TEST(PointProcessNll, MorePointsEvaluateTheTrainedParameters) {
  auto expected = poisson_nll_per_event(kRate, sequences());
  auto trained = constant_rate_nhp(5, 0);
  // The evaluation model starts from other weights: only the copied ones give the closed form.
  auto make = [](int64_t points) -> std::shared_ptr<Model> {
    torch::manual_seed(7);
    return NeuralHawkes(NeuralHawkesOptions(1).hidden_size(4).integral_points(points)).ptr();
  };
  auto nll = model_nll_per_event_with_points(*trained, make, 200, pad_to_longest(sequences()), 2);
  EXPECT_NEAR(nll.easytpp, expected.easytpp, 1e-5);
  EXPECT_NEAR(nll.full, expected.full, 1e-5);
  EXPECT_GT(std::fabs(model_nll_per_event(*make(200), pad_to_longest(sequences())).easytpp -
                      expected.easytpp),
            1e-3);
}

// Sequences of one event score nothing; NLL 0 over no event read as a perfect model.
TEST(PointProcessNll, SequencesWithoutAScoredEventAreRefused) {
  auto model = constant_rate_nhp(20, 0);
  const Batch singles = pad_to_longest({{{0.5}, {0}}, {{1.25}, {0}}, {{2.0}, {0}}});
  std::string message = "no error";
  try {
    model_nll_per_event(*model, singles);
  } catch (const InputError& error) {
    message = error.what();
  }
  EXPECT_EQ(message,
            "NLL per event: the 3 sequences hold no scored event (each has fewer than 2 events; "
            "the first only starts the history)");
  message = "no error";
  try {
    model->evaluate(singles);
  } catch (const InputError& error) {
    message = error.what();
  }
  EXPECT_NE(message.find("nll_per_event: the 3 evaluated sequences hold no scored event"),
            std::string::npos)
      << message;
  // One sequence with a scored event is enough.
  EXPECT_TRUE(std::isfinite(model->evaluate(pad_to_longest(sequences())).at("nll_per_event")));
}

}  // namespace
}  // namespace evergreen
