// The compensator rule checked against closed forms: integrals it must get exactly, and true
// Hawkes intensities with decays from 0.1 to 100 per unit time, scored between events as training
// scores a model (in model time: the data divided by its mean gap).
#include "evergreen/models/tpp/integral_rule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/data/tpp/hawkes_kernel_sum.h"
#include "evergreen/data/tpp/self_correcting.h"

namespace evergreen {
namespace {

double rule_sum(const IntegralRule& rule, double gap, const std::function<double(double)>& f) {
  std::vector<double> offsets(rule.points()), weights(rule.points());
  rule.nodes(gap, offsets.data(), weights.data());
  double sum = 0;
  for (int64_t p = 0; p < rule.points(); ++p) sum += weights[p] * f(offsets[p]);
  return sum;
}

// On the log scale 1 / (s + r) is constant, so the rule gives log(1 + gap / r) exactly; the
// length of the interval (an exponential in u) to 1e-8 relative even 40,000 r long; trapezoid and
// midpoints are exact for straight lines.
TEST(IntegralRule, ClosedFormIntegrals) {
  const double r = 1e-3;
  auto log_gauss = IntegralRule::make("log_gauss", 20, r);
  for (double gap : {1e-5, 0.3, 2.0, 40.0}) {
    EXPECT_NEAR(rule_sum(log_gauss, gap, [&](double s) { return 1.0 / (s + r); }),
                std::log1p(gap / r), 1e-12);
    EXPECT_NEAR(rule_sum(log_gauss, gap, [](double) { return 1.0; }), gap, 1e-8 * gap);
    for (const char* name : {"trapezoid", "mean"}) {
      auto rule = IntegralRule::make(name, 7);
      EXPECT_NEAR(rule_sum(rule, gap, [](double s) { return 2 + 3 * s; }),
                  2 * gap + 1.5 * gap * gap, 1e-12 * (1 + gap * gap))
          << name;
    }
  }
  // Nodes lie inside the interval, increasing; points spread over panels of at most 5.
  for (int64_t points : {2, 5, 7, 12, 20, 23}) {
    auto rule = IntegralRule::make("log_gauss", points);
    ASSERT_EQ(rule.points(), points);
    std::vector<double> offsets(points), weights(points);
    rule.nodes(3.0, offsets.data(), weights.data());
    for (int64_t p = 0; p < points; ++p) {
      EXPECT_GT(offsets[p], 0.0);
      EXPECT_LT(offsets[p], 3.0);
      EXPECT_GT(weights[p], 0.0);
      if (p > 0) {
        EXPECT_GT(offsets[p], offsets[p - 1]);
      }
    }
  }
  EXPECT_THROW(IntegralRule::make("simpson", 20), InputError);
  EXPECT_THROW(IntegralRule::make("log_gauss", 1), InputError);
  EXPECT_THROW(IntegralRule::make("log_gauss", 20, 0.0), InputError);
}

// The tensor form gives the scalar form's nodes.
TEST(IntegralRule, TensorNodesEqualScalarNodes) {
  for (const char* name : {"log_gauss", "trapezoid", "mean"}) {
    auto rule = IntegralRule::make(name, 12, 0.01);
    auto gaps = torch::tensor({0.0, 0.02, 1.5, 30.0}, torch::kDouble).view({2, 2});
    auto [offsets, weights] = rule.nodes(gaps);
    ASSERT_EQ(offsets.sizes(), (std::vector<int64_t>{2, 2, 12}));
    for (int64_t i = 0; i < 4; ++i) {
      std::vector<double> o(12), w(12);
      rule.nodes(gaps.view({4})[i].item<double>(), o.data(), w.data());
      for (int64_t p = 0; p < 12; ++p) {
        EXPECT_NEAR(offsets.view({4, 12})[i][p].item<double>(), o[p], 1e-12) << name;
        EXPECT_NEAR(weights.view({4, 12})[i][p].item<double>(), w[p], 1e-12) << name;
      }
    }
  }
}

struct CompensatorError {
  double log_gauss = 0, trapezoid = 0;  // mean (rule - exact) per scored event
};

// One realisation of `process` on [0, horizon]; every interval between consecutive events
// integrated by the rule in model time (gaps / the mean gap, as training sees them) and compared
// with the process's exact compensator.
CompensatorError compensator_error(const KnownPointProcess& process, double horizon) {
  MarkedSequence events = process.simulate(horizon, /*seed=*/11);
  const int64_t n = events.size();
  EXPECT_GT(n, 300) << process.describe();
  const double scale = (events.times.back() - events.times.front()) / static_cast<double>(n - 1);
  CompensatorError error;
  for (const char* name : {"log_gauss", "trapezoid"}) {
    auto rule = IntegralRule::make(name, 20, 1e-3);
    std::vector<double> offsets(20), weights(20);
    double total = 0;
    for (int64_t j = 0; j + 1 < n; ++j) {
      const double a = events.times[j], b = events.times[j + 1];
      rule.nodes((b - a) / scale, offsets.data(), weights.data());
      for (double& offset : offsets) offset *= scale;  // back to data time
      auto rates = process.total_intensities_after(events, j, offsets);
      double sum = 0;
      for (int64_t p = 0; p < 20; ++p) sum += weights[p] * scale * rates[p];
      total += sum - process.compensator(events, a, b);
    }
    (std::string(name) == "log_gauss" ? error.log_gauss : error.trapezoid) =
        total / static_cast<double>(n - 1);
  }
  return error;
}

HawkesProcess exponential_hawkes(double beta) {
  return HawkesProcess(HawkesKernelSumParameters{{0.2}, {{{{0.4}}, {{beta}}}}});
}

// The training rule is within 0.001 nats per event of the exact compensator for kernels decaying
// at 0.1 to 100 per unit time, a sum of two kernels and the self-correcting process, whose
// intensity grows between events; 20 trapezoid points are not once a kernel is sharp.
TEST(IntegralRule, TrueCompensatorsWithinOneThousandthNatPerEvent) {
  for (double beta : {0.1, 1.0, 20.0, 100.0}) {
    auto error = compensator_error(exponential_hawkes(beta), 1500.0);
    EXPECT_LT(std::fabs(error.log_gauss), 1e-3) << "beta " << beta;
    if (beta >= 20) {
      EXPECT_GT(error.trapezoid, 0.1) << "beta " << beta;
    }
  }
  // The case: mu 0.2, alpha 0.4 at decays 1 and 20; trapezoid overstates by ~0.15.
  HawkesProcess two(HawkesKernelSumParameters{{0.2}, {{{{0.4}}, {{1.0}}}, {{{0.4}}, {{20.0}}}}});
  auto two_error = compensator_error(two, 800.0);
  EXPECT_LT(std::fabs(two_error.log_gauss), 1e-3);
  EXPECT_GT(two_error.trapezoid, 0.1);
  auto growing = compensator_error(SelfCorrectingProcess(), 1000.0);
  EXPECT_LT(std::fabs(growing.log_gauss), 1e-3);
}

}  // namespace
}  // namespace evergreen
