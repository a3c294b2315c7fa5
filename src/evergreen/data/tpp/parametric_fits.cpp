#include "evergreen/data/tpp/parametric_fits.h"

#include <cmath>

#include "evergreen/core/error.h"
#include "evergreen/data/tpp/basic_processes.h"
#include "evergreen/data/tpp/hawkes_fit.h"
#include "evergreen/data/tpp/hawkes_kernel_sum.h"

namespace evergreen {
namespace {

std::shared_ptr<const KnownPointProcess> with_marks(std::shared_ptr<const KnownPointProcess> ground,
                                                    const std::vector<MarkedSequence>& sequences,
                                                    int64_t num_types) {
  return std::make_shared<IndependentMarksProcess>(std::move(ground),
                                                   smoothed_type_frequencies(sequences, num_types));
}

}  // namespace

std::vector<double> smoothed_type_frequencies(const std::vector<MarkedSequence>& sequences,
                                              int64_t num_types) {
  EVERGREEN_CHECK_INPUT(num_types >= 1, "type frequencies of {} types: expected >= 1", num_types);
  std::vector<double> counts(static_cast<size_t>(num_types), 0.5);
  double total = 0.5 * static_cast<double>(num_types);
  for (const auto& sequence : sequences)
    for (int64_t type : sequence.types) {
      EVERGREEN_CHECK_INPUT(type >= 0 && type < num_types,
                            "type frequencies: type {}: expected 0..{}", type, num_types - 1);
      counts[static_cast<size_t>(type)] += 1;
      total += 1;
    }
  for (double& count : counts) count /= total;
  return counts;
}

ParametricFit fit_poisson_reference(const std::vector<MarkedSequence>& sequences,
                                    int64_t num_types) {
  double events = 0, span = 0;
  for (const auto& sequence : sequences) {
    if (sequence.size() == 0) continue;
    events += static_cast<double>(sequence.size());
    span += sequence.times.back();
  }
  EVERGREEN_CHECK_INPUT(events > 0 && span > 0,
                        "Poisson fit: {} events over a total span of {}: expected some events "
                        "after time 0",
                        events, span);
  auto ground = std::make_shared<PoissonProcess>(std::vector<double>{events / span});
  return {"poisson", with_marks(ground, sequences, num_types)};
}

ParametricFit fit_lognormal_reference(const std::vector<MarkedSequence>& sequences,
                                      int64_t num_types) {
  double count = 0, sum = 0, sum_squares = 0;
  for (const auto& sequence : sequences) {
    double last = 0;
    for (double time : sequence.times) {
      const double gap = time - last;
      last = time;
      if (!(gap > 0)) continue;
      const double log_gap = std::log(gap);
      count += 1;
      sum += log_gap;
      sum_squares += log_gap * log_gap;
    }
  }
  EVERGREEN_CHECK_INPUT(count >= 2, "log-normal fit: {} positive gaps: expected at least 2", count);
  const double mean = sum / count;
  const double variance = std::max(sum_squares / count - mean * mean, 0.0);
  auto ground =
      std::make_shared<LogNormalRenewalProcess>(mean, std::max(std::sqrt(variance), 1e-6));
  return {"lognormal", with_marks(ground, sequences, num_types)};
}

ParametricFit fit_hawkes_reference(const std::vector<MarkedSequence>& sequences,
                                   int64_t num_types) {
  HawkesFitResult fit = fit_univariate_hawkes(sequences);
  auto ground = std::make_shared<HawkesProcess>(hawkes_kernel_sum(fit.parameters));
  return {"hawkes", with_marks(ground, sequences, num_types)};
}

std::vector<ParametricFit> fit_parametric_references(const std::vector<MarkedSequence>& sequences,
                                                     int64_t num_types) {
  return {fit_poisson_reference(sequences, num_types),
          fit_lognormal_reference(sequences, num_types),
          fit_hawkes_reference(sequences, num_types)};
}

}  // namespace evergreen
