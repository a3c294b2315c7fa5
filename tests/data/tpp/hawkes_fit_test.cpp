#include "evergreen/data/tpp/hawkes_fit.h"

#include <gtest/gtest.h>

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

// A generator whose true parameters are recovered: about 4,000 events from a known process.
TEST(HawkesFit, RecoversTheGeneratingParameters) {
  HawkesParameters truth{{0.5}, {{0.6}}, {{2.0}}};
  std::vector<EventSequence> sequences;
  for (uint64_t seed = 0; seed < 16; ++seed) sequences.push_back(simulate_hawkes(truth, 200, seed));
  HawkesFitResult fit = fit_univariate_hawkes(sequences);
  EXPECT_NEAR(fit.parameters.mu[0], 0.5, 0.1);
  EXPECT_NEAR(fit.parameters.alpha[0][0], 0.6, 0.08);
  EXPECT_NEAR(fit.parameters.beta[0][0], 2.0, 0.5);
  // The optimum is at least as likely as the truth.
  double truth_log_likelihood = 0;
  for (const auto& sequence : sequences)
    truth_log_likelihood += hawkes_log_likelihood_to_last_event(truth, sequence);
  EXPECT_GE(fit.log_likelihood, truth_log_likelihood - 1e-6);
}

TEST(HawkesFit, NeedsEvents) {
  EXPECT_THROW(fit_univariate_hawkes({EventSequence{{1.0}, {0}}}), InputError);
}

}  // namespace
}  // namespace evergreen
