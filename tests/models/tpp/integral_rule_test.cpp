// The compensator rule checked against closed forms: integrals it must get exactly, and true
// Hawkes intensities with decays from 0.1 to 100 per unit time, scored between events as training
// scores a model (in model time: the data divided by its mean gap).
#include "evergreen/models/tpp/integral_rule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/data/tpp/hawkes.h"

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
      if (p > 0) EXPECT_GT(offsets[p], offsets[p - 1]);
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

// A univariate Hawkes process (mu, alpha, beta) simulated on [0, horizon]; every interval between
// consecutive events integrated by the rule in model time (gaps / the mean gap) and compared with
// the closed form mu gap + sum_j alpha (exp(-beta (a - t_j)) - exp(-beta (b - t_j))).
CompensatorError hawkes_compensator_error(double mu, double alpha, double beta, double horizon) {
  HawkesParameters parameters{{mu}, {{alpha}}, {{beta}}};
  EventSequence events = simulate_hawkes(parameters, horizon, /*seed=*/11);
  const int64_t n = events.size();
  EXPECT_GT(n, 200);
  const double scale = (events.times.back() - events.times.front()) / static_cast<double>(n - 1);
  auto log_gauss = IntegralRule::make("log_gauss", 20, 1e-3);
  auto trapezoid = IntegralRule::make("trapezoid", 20);
  CompensatorError error;
  for (int64_t i = 1; i < n; ++i) {
    const double a = events.times[i - 1], b = events.times[i];
    double exact = mu * (b - a);
    for (int64_t j = 0; j < i; ++j)
      exact += alpha *
               (std::exp(-beta * (a - events.times[j])) - std::exp(-beta * (b - events.times[j])));
    // The intensity in model time at offset u after a: lambda_model(u) = scale lambda(a + u s).
    auto model_intensity = [&](double u) {
      double rate = mu, t = a + u * scale;
      for (int64_t j = 0; j < i; ++j)
        rate += alpha * beta * std::exp(-beta * (t - events.times[j]));
      return scale * rate;
    };
    error.log_gauss += rule_sum(log_gauss, (b - a) / scale, model_intensity) - exact;
    error.trapezoid += rule_sum(trapezoid, (b - a) / scale, model_intensity) - exact;
  }
  error.log_gauss /= static_cast<double>(n - 1);
  error.trapezoid /= static_cast<double>(n - 1);
  return error;
}

// The training rule is within 0.001 nats per event of the exact compensator for every decay; 20
// trapezoid points are not once the kernel is sharp (beta x mean gap >> 1).
TEST(IntegralRule, TrueHawkesCompensatorWithinOneThousandthNatPerEvent) {
  for (double beta : {0.1, 1.0, 20.0, 100.0}) {
    auto error = hawkes_compensator_error(0.2, 0.4, beta, 1500.0);
    EXPECT_LT(std::fabs(error.log_gauss), 1e-3) << "beta " << beta;
    if (beta >= 20) EXPECT_GT(error.trapezoid, 0.1) << "beta " << beta;
  }
}

}  // namespace
}  // namespace evergreen
