#include "evergreen/data/tpp/hawkes_fit.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

using Point = std::array<double, 3>;  // log mu, logit alpha, log beta

HawkesParameters to_parameters(const Point& point) {
  double alpha = 1.0 / (1.0 + std::exp(-point[1]));
  return {{std::exp(point[0])}, {{alpha}}, {{std::exp(point[2])}}};
}

}  // namespace

HawkesFitResult fit_univariate_hawkes(const std::vector<EventSequence>& sequences,
                                      int64_t max_evaluations) {
  std::vector<EventSequence> unmarked;
  double events = 0, span = 0;
  for (const auto& sequence : sequences) {
    if (sequence.size() < 2) continue;
    unmarked.push_back({sequence.times, std::vector<int64_t>(sequence.times.size(), 0)});
    events += static_cast<double>(sequence.size());
    span += sequence.times.back();
  }
  EVERGREEN_CHECK_INPUT(!unmarked.empty(), "hawkes fit: no sequence with two or more events");

  HawkesFitResult result;
  auto objective = [&](const Point& point) {
    ++result.evaluations;
    double total = 0;
    HawkesParameters parameters = to_parameters(point);
    for (const auto& sequence : unmarked)
      total += hawkes_log_likelihood_to_last_event(parameters, sequence);
    return std::isfinite(total) ? -total : INFINITY;
  };

  // Start: a Poisson process at the observed rate with weak excitation.
  const double rate = events / std::max(span, 1e-12);
  std::array<Point, 4> simplex = {
      Point{std::log(rate * 0.5), 0.0, 0.0}, Point{std::log(rate * 0.8), 0.0, 0.0},
      Point{std::log(rate * 0.5), 1.0, 0.0}, Point{std::log(rate * 0.5), 0.0, 1.0}};
  std::array<double, 4> values{};
  for (size_t i = 0; i < 4; ++i) values[i] = objective(simplex[i]);
  auto combine = [](const Point& a, const Point& b, double weight) {
    Point point{};
    for (size_t d = 0; d < 3; ++d) point[d] = a[d] + weight * (b[d] - a[d]);
    return point;
  };
  while (result.evaluations < max_evaluations) {
    std::array<size_t, 4> order = {0, 1, 2, 3};
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return values[a] < values[b]; });
    const size_t best = order[0], worst = order[3], second_worst = order[2];
    if (std::fabs(values[worst] - values[best]) <= 1e-10 * (1 + std::fabs(values[best]))) break;
    Point centroid{};
    for (size_t i : {order[0], order[1], order[2]})
      for (size_t d = 0; d < 3; ++d) centroid[d] += simplex[i][d] / 3.0;
    Point reflected = combine(centroid, simplex[worst], -1.0);
    double reflected_value = objective(reflected);
    if (reflected_value < values[best]) {
      Point expanded = combine(centroid, simplex[worst], -2.0);
      double expanded_value = objective(expanded);
      bool expand = expanded_value < reflected_value;
      simplex[worst] = expand ? expanded : reflected;
      values[worst] = expand ? expanded_value : reflected_value;
    } else if (reflected_value < values[second_worst]) {
      simplex[worst] = reflected;
      values[worst] = reflected_value;
    } else {
      Point contracted = combine(centroid, simplex[worst], 0.5);
      double contracted_value = objective(contracted);
      if (contracted_value < values[worst]) {
        simplex[worst] = contracted;
        values[worst] = contracted_value;
      } else {  // shrink towards the best point
        for (size_t i = 0; i < 4; ++i) {
          if (i == best) continue;
          simplex[i] = combine(simplex[best], simplex[i], 0.5);
          values[i] = objective(simplex[i]);
        }
      }
    }
  }
  size_t best =
      static_cast<size_t>(std::min_element(values.begin(), values.end()) - values.begin());
  result.parameters = to_parameters(simplex[best]);
  result.log_likelihood = -values[best];
  return result;
}

}  // namespace evergreen
