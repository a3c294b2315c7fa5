// The true processes' NLL against hand-worked closed forms and against the published floors of
// the synthetic sets (data/README.md).
#include "evergreen/data/tpp/ground_truth.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "evergreen/core/error.h"
#include "evergreen/data/tpp/event_streams.h"
#include "test_support.h"

namespace evergreen {
namespace {

// Rate 2 on {0.5, 1, 2} and {0.25, 1.25}: over [0, t_N] N (-log 2) + 2 t_N per sequence,
// (3 + 2) events; in EasyTPP's convention (N - 1) (-log 2) + 2 (t_N - t_1), (2 + 1) events.
TEST(GroundTruth, PoissonClosedForm) {
  std::vector<MarkedSequence> sequences = {{{0.5, 1.0, 2.0}, {0, 0, 0}}, {{0.25, 1.25}, {0, 0}}};
  auto nll = poisson_nll_per_event(2.0, sequences);
  const double log2 = std::log(2.0);
  EXPECT_NEAR(nll.full, (-3 * log2 + 4.0 - 2 * log2 + 2.5) / 5, 1e-14);
  EXPECT_NEAR(nll.easytpp, (-2 * log2 + 3.0 - log2 + 2.0) / 3, 1e-14);
  // Rate 1: the NLL is the elapsed time per event.
  auto unit = poisson_nll_per_event(1.0, sequences);
  EXPECT_DOUBLE_EQ(unit.full, (2.0 + 1.25) / 5);
  EXPECT_DOUBLE_EQ(unit.easytpp, (1.5 + 1.0) / 3);
  EXPECT_THROW(poisson_nll_per_event(0.0, sequences), InputError);
}

// One excitation: mu 0.5, alpha 0.5, beta 1 on {1, 2}. lambda(1) = 0.5, lambda(2) = 0.5 +
// 0.5 e^-1; the integral to 2 is 0.5 * 2 + 0.5 (1 - e^-1). EasyTPP's convention drops the first
// event's log 0.5 and its integral 0.5 * 1.
TEST(GroundTruth, HawkesClosedForm) {
  const HawkesParameters parameters{{0.5}, {{0.5}}, {{1.0}}};
  const double e = std::exp(-1.0);
  auto nll = hawkes_nll_per_event(parameters, {MarkedSequence{{1.0, 2.0}, {0, 0}}});
  EXPECT_NEAR(nll.full, -(std::log(0.5) + std::log(0.5 + 0.5 * e) - 1.0 - 0.5 * (1 - e)) / 2,
              1e-12);
  EXPECT_NEAR(nll.easytpp, -(std::log(0.5 + 0.5 * e) - 0.5 - 0.5 * (1 - e)), 1e-12);
  // Without excitation a Hawkes process is Poisson with rate mu.
  std::vector<MarkedSequence> sequences = {{{0.5, 1.0, 2.0}, {0, 0, 0}}, {{0.25, 1.25}, {0, 0}}};
  auto hawkes = hawkes_nll_per_event(HawkesParameters{{0.7}, {{0.0}}, {{1.0}}}, sequences);
  auto poisson = poisson_nll_per_event(0.7, sequences);
  EXPECT_NEAR(hawkes.full, poisson.full, 1e-12);
  EXPECT_NEAR(hawkes.easytpp, poisson.easytpp, 1e-12);
}

// Mean and std sqrt(2): sigma^2 = log 2, mu = 0, so log f(1) = -log(sigma sqrt(2 pi)) and
// log f(e) = -1 - log(sigma sqrt(2 pi)) - 1 / (2 sigma^2). On {1, 1 + e} the gaps are 1 (from 0)
// and e.
TEST(GroundTruth, LogNormalRenewalClosedForm) {
  const double sigma = std::sqrt(std::log(2.0));
  const double log_f1 = -std::log(sigma * std::sqrt(2 * M_PI));
  const double log_fe = -1.0 + log_f1 - 1.0 / (2 * sigma * sigma);
  auto nll = lognormal_renewal_nll_per_event(std::sqrt(2.0), std::sqrt(2.0),
                                             {MarkedSequence{{1.0, 1.0 + M_E}, {0, 0}}});
  EXPECT_NEAR(nll.easytpp, -log_fe, 1e-12);
  EXPECT_NEAR(nll.full, -(log_f1 + log_fe) / 2, 1e-12);
}

TEST(GroundTruth, EmptySequencesScoreNothing) {
  std::vector<MarkedSequence> sequences = {{{0.5, 1.0, 2.0}, {0, 0, 0}}};
  auto alone = poisson_nll_per_event(2.0, sequences);
  sequences.push_back({});
  auto with_empty = poisson_nll_per_event(2.0, sequences);
  EXPECT_DOUBLE_EQ(alone.full, with_empty.full);
  EXPECT_DOUBLE_EQ(alone.easytpp, with_empty.easytpp);
}

TEST(GroundTruth, SyntheticSetsNameTheirProcesses) {
  std::vector<MarkedSequence> sequences = {{{0.5, 1.0, 2.0}, {0, 0, 0}}};
  EXPECT_DOUBLE_EQ(synthetic_tpp_true_nll_per_event("poisson", sequences).full,
                   poisson_nll_per_event(1.0, sequences).full);
  EXPECT_DOUBLE_EQ(
      synthetic_tpp_true_nll_per_event("hawkes1", sequences).easytpp,
      hawkes_nll_per_event(HawkesParameters{{0.2}, {{0.8}}, {{1.0}}}, sequences).easytpp);
  EXPECT_DOUBLE_EQ(synthetic_tpp_true_nll_per_event("renewal", sequences).full,
                   lognormal_renewal_nll_per_event(1.0, 6.0, sequences).full);
  auto message = testing::input_error_of([&] { synthetic_tpp_true_nll_per_event("x", sequences); });
  EXPECT_NE(message.find("hawkes1, poisson, renewal"), std::string::npos) << message;
}

// data/README.md: the true models' NLL per event over all 64 sequences (integral from 0 to the
// last event) is 0.4999, 0.9950 and 0.2602.
TEST(GroundTruth, ReproducesThePublishedFloors) {
  if (testing::shared_data_dir().empty()) GTEST_SKIP() << "../shared/data not found";
  const std::vector<std::pair<std::string, double>> floors = {
      {"hawkes1", 0.4999}, {"poisson", 0.9950}, {"renewal", 0.2602}};
  for (const auto& [set, floor] : floors) {
    auto file = testing::shared_data_dir() + "/tpp/synth/" + set + ".npz";
    if (!std::filesystem::exists(file)) GTEST_SKIP() << file << " not found";
    auto data = read_npz_arrival_times(file);
    EXPECT_NEAR(synthetic_tpp_true_nll_per_event(set, data.sequences).full, floor, 5e-5) << set;
  }
}

}  // namespace
}  // namespace evergreen
