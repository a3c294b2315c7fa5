#include "evergreen/models/tpp/integral_rule.h"

#include <algorithm>

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

// Gauss-Legendre nodes and weights on [-1, 1] (Newton's method on the Legendre polynomial).
std::pair<std::vector<double>, std::vector<double>> gauss_legendre(int64_t count) {
  std::vector<double> nodes(count), weights(count);
  for (int64_t i = 0; i < count; ++i) {
    double x =
        std::cos(M_PI * (static_cast<double>(i) + 0.75) / (static_cast<double>(count) + 0.5));
    double slope = 1;
    for (int iteration = 0; iteration < 100; ++iteration) {
      double p0 = 1, p1 = x;  // P_0, P_1, then P_{n-1}, P_n by the three-term recurrence
      for (int64_t n = 2; n <= count; ++n) {
        double p2 = ((2.0 * n - 1) * x * p1 - (n - 1.0) * p0) / static_cast<double>(n);
        p0 = p1;
        p1 = p2;
      }
      if (count == 1) p0 = 1, p1 = x;
      slope = static_cast<double>(count) * (x * p1 - p0) / (x * x - 1);
      double step = p1 / slope;
      x -= step;
      if (std::abs(step) < 1e-15) break;
    }
    nodes[count - 1 - i] = x;
    weights[count - 1 - i] = 2.0 / ((1 - x * x) * slope * slope);
  }
  return {nodes, weights};
}

}  // namespace

IntegralRule IntegralRule::make(const std::string& name, int64_t points, double resolution) {
  EVERGREEN_CHECK_INPUT(points >= 2, "integral_points must be >= 2, got {}", points);
  EVERGREEN_CHECK_INPUT(resolution > 0 && std::isfinite(resolution),
                        "integral_resolution must be > 0, got {}", resolution);
  IntegralRule rule;
  rule.name_ = name;
  rule.resolution_ = resolution;
  const auto count = static_cast<double>(points);
  if (name == "trapezoid" || name == "mean") {
    for (int64_t p = 0; p < points; ++p) {
      if (name == "trapezoid") {
        rule.unit_nodes_.push_back(static_cast<double>(p) / (count - 1));
        rule.unit_weights_.push_back((p == 0 || p == points - 1 ? 0.5 : 1.0) / (count - 1));
      } else {
        rule.unit_nodes_.push_back((static_cast<double>(p) + 0.5) / count);
        rule.unit_weights_.push_back(1.0 / count);
      }
    }
    return rule;
  }
  EVERGREEN_CHECK_INPUT(name == "log_gauss",
                        "integral_rule must be 'log_gauss', 'trapezoid' or 'mean', got '{}'", name);
  // Panels of at most 5 nodes (5-node Gauss-Legendre integrates degree 9 exactly), the points
  // spread over them as evenly as possible.
  const int64_t panels = (points + 4) / 5;
  for (int64_t panel = 0; panel < panels; ++panel) {
    const int64_t size = points / panels + (panel < points % panels ? 1 : 0);
    auto [x, w] = gauss_legendre(size);
    for (int64_t i = 0; i < size; ++i) {
      rule.unit_nodes_.push_back((static_cast<double>(panel) + (x[i] + 1) / 2) /
                                 static_cast<double>(panels));
      rule.unit_weights_.push_back(w[i] / 2 / static_cast<double>(panels));
    }
  }
  return rule;
}

std::pair<torch::Tensor, torch::Tensor> IntegralRule::nodes(const torch::Tensor& gaps) const {
  auto options = gaps.options();
  auto unit = torch::tensor(unit_nodes_, torch::kDouble).to(options);
  auto weight = torch::tensor(unit_weights_, torch::kDouble).to(options);
  auto gap = gaps.detach().unsqueeze(-1);
  if (name_ != "log_gauss") return {gap * unit, gap * weight};
  auto log_span = torch::log1p(gap / resolution_);
  auto offsets = torch::expm1(log_span * unit) * resolution_;
  return {offsets, weight * log_span * (offsets + resolution_)};
}

}  // namespace evergreen
