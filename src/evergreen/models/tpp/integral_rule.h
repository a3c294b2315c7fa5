// Where a point process's compensator, the integral of its total intensity over the time between
// two events, is evaluated. Intensities after an event often change fastest right after it (an
// exciting kernel decays at rate beta) and slowest far from it, so evenly spaced points bias the
// likelihood once beta x gap is large: with 20 trapezoid points a Hawkes kernel of decay 20 per
// unit time (mean gap 3) overstates the integral by 0.5 nats per event. The default rule,
// "log_gauss", puts Gauss-Legendre panels on a logarithmic scale of the time since the event,
//   s(u) = r (exp(u log(1 + gap / r)) - 1),  u in [0, 1],  ds = log(1 + gap / r) (s + r) du,
// so every factor-of-e stretch of time between the resolution r and the gap gets about the same
// number of nodes: the integral of exp(-beta s) is exact to ~1e-6 relative for any beta between
// 1 / gap and 1 / r, and a growing intensity still gets several nodes per e-fold (docs/tpp.md,
// "Likelihood integrals").
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace evergreen {

class IntegralRule {
 public:
  /// "log_gauss" (Gauss-Legendre panels of at most 5 nodes on the log scale above, `resolution`
  /// r > 0 in the model's time units), "trapezoid" (`points` evenly spaced points, both ends
  /// included) or "mean" (the midpoints of `points` equal parts). InputError otherwise, or for
  /// points < 2.
  static IntegralRule make(const std::string& name, int64_t points, double resolution = 1e-3);
  IntegralRule() = default;  ///< no nodes: use make()

  const std::string& name() const { return name_; }
  int64_t points() const { return static_cast<int64_t>(unit_nodes_.size()); }
  double resolution() const { return resolution_; }
  /// True when the last node is the interval's end (trapezoid), where the event itself is read.
  bool last_node_at_end() const { return name_ == "trapezoid"; }

  /// The nodes of an interval of length `gap` >= 0: integral_0^gap f(s) ds ~ sum_p weights[p]
  /// f(offsets[p]), offsets in [0, gap] increasing; points() values each.
  template <typename T>
  void nodes(T gap, T* offsets, T* weights) const {
    const auto count = unit_nodes_.size();
    if (name_ != "log_gauss") {
      for (size_t p = 0; p < count; ++p) {
        offsets[p] = gap * T(unit_nodes_[p]);
        weights[p] = gap * T(unit_weights_[p]);
      }
      return;
    }
    const double r = resolution_, log_span = std::log1p(static_cast<double>(gap) / r);
    for (size_t p = 0; p < count; ++p) {
      const double offset = r * std::expm1(log_span * unit_nodes_[p]);
      offsets[p] = T(offset);
      weights[p] = T(unit_weights_[p] * log_span * (offset + r));
    }
  }

  /// The nodes of many intervals at once: gaps [...] (>= 0) -> {offsets, weights} [..., points()]
  /// in the gaps' dtype and device. Not differentiable (the gaps are data).
  std::pair<torch::Tensor, torch::Tensor> nodes(const torch::Tensor& gaps) const;

 private:
  std::string name_;
  double resolution_ = 1e-3;
  // trapezoid and mean: fractions of the gap and weights summing to 1; log_gauss: the nodes u in
  // [0, 1] of the panels and their weights.
  std::vector<double> unit_nodes_, unit_weights_;
};

}  // namespace evergreen
