#include "evergreen/data/tpp/ground_truth.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "evergreen/core/error.h"
#include "evergreen/data/tpp/basic_processes.h"
#include "evergreen/data/tpp/event_streams.h"
#include "evergreen/data/tpp/hawkes_kernel_sum.h"
#include "evergreen/data/tpp/self_correcting.h"

namespace evergreen {

NllPerEvent hawkes_nll_per_event(const HawkesParameters& parameters,
                                 const std::vector<MarkedSequence>& sequences) {
  double nll = 0, nll_full = 0, events = 0, events_full = 0;
  for (const auto& sequence : sequences) {
    if (sequence.size() == 0) continue;
    events += static_cast<double>(sequence.size() - 1);
    events_full += static_cast<double>(sequence.size());
    nll -= hawkes_log_likelihood_easytpp(parameters, sequence);
    nll_full -= hawkes_log_likelihood_to_last_event(parameters, sequence);
  }
  return {nll / events, nll_full / events_full};
}

NllPerEvent poisson_nll_per_event(double rate, const std::vector<MarkedSequence>& sequences) {
  EVERGREEN_CHECK_INPUT(rate > 0 && std::isfinite(rate), "Poisson rate {}: expected > 0", rate);
  const double log_rate = std::log(rate);
  double nll = 0, nll_full = 0, events = 0, events_full = 0;
  for (const auto& sequence : sequences) {
    if (sequence.size() == 0) continue;
    const auto scored = static_cast<double>(sequence.size() - 1);
    const auto scored_full = static_cast<double>(sequence.size());
    events += scored;
    events_full += scored_full;
    nll += rate * (sequence.times.back() - sequence.times.front()) - scored * log_rate;
    nll_full += rate * sequence.times.back() - scored_full * log_rate;
  }
  return {nll / events, nll_full / events_full};
}

NllPerEvent lognormal_renewal_nll_per_event(double mean_gap, double std_gap,
                                            const std::vector<MarkedSequence>& sequences) {
  EVERGREEN_CHECK_INPUT(
      mean_gap > 0 && std_gap > 0 && std::isfinite(mean_gap) && std::isfinite(std_gap),
      "log-normal gaps of mean {} and std {}: expected both > 0", mean_gap, std_gap);
  const double sigma = std::sqrt(std::log(1.0 + (std_gap * std_gap) / (mean_gap * mean_gap)));
  const double mu = std::log(mean_gap) - sigma * sigma / 2;
  auto log_density = [&](double gap) {
    gap = std::max(gap, 1e-300);
    double z = (std::log(gap) - mu) / sigma;
    return -std::log(gap * sigma * std::sqrt(2 * M_PI)) - 0.5 * z * z;
  };
  double nll = 0, nll_full = 0, events = 0, events_full = 0;
  for (const auto& sequence : sequences) {
    if (sequence.size() == 0) continue;
    events += static_cast<double>(sequence.size() - 1);
    events_full += static_cast<double>(sequence.size());
    double gaps = 0;
    for (int64_t i = 1; i < sequence.size(); ++i)
      gaps -= log_density(sequence.times[i] - sequence.times[i - 1]);
    nll += gaps;
    nll_full += gaps - log_density(sequence.times.front());
  }
  return {nll / events, nll_full / events_full};
}

const std::vector<std::string>& synthetic_tpp_sets() {
  static const std::vector<std::string> sets = {"hawkes1", "poisson", "renewal"};
  return sets;
}

NllPerEvent synthetic_tpp_true_nll_per_event(const std::string& set,
                                             const std::vector<MarkedSequence>& sequences) {
  if (set == "hawkes1")
    return hawkes_nll_per_event(HawkesParameters{{0.2}, {{0.8}}, {{1.0}}}, sequences);
  if (set == "poisson") return poisson_nll_per_event(1.0, sequences);
  if (set == "renewal") return lognormal_renewal_nll_per_event(1.0, 6.0, sequences);
  throw InputError(fmt::format("unknown synthetic TPP set '{}' (known: {})", set,
                               fmt::join(synthetic_tpp_sets(), ", ")));
}

namespace {

std::shared_ptr<const KnownPointProcess> exponential_hawkes(double mu, double alpha, double beta) {
  return std::make_shared<HawkesProcess>(
      hawkes_kernel_sum(HawkesParameters{{mu}, {{alpha}}, {{beta}}}));
}

}  // namespace

const std::vector<GeneratedTppSet>& generated_tpp_sets() {
  static const std::vector<GeneratedTppSet> sets = [] {
    HawkesKernelSumParameters two_kernels{{0.2}, {{{{0.4}}, {{1.0}}}, {{{0.4}}, {{20.0}}}}};
    return std::vector<GeneratedTppSet>{
        {"hawkes_slow", "Hawkes, mu 0.2, alpha 0.8, decay 0.1 per unit time (memory of ~10 gaps)",
         exponential_hawkes(0.2, 0.8, 0.1), 64, 1024, 101},
        {"hawkes_fast20", "Hawkes, mu 0.2, alpha 0.8, decay 20 (kernel 1/20 of a mean gap)",
         exponential_hawkes(0.2, 0.8, 20.0), 64, 1024, 102},
        {"hawkes_fast100", "Hawkes, mu 0.2, alpha 0.8, decay 100",
         exponential_hawkes(0.2, 0.8, 100.0), 64, 1024, 103},
        {"hawkes_two_kernels", "Hawkes, mu 0.2, kernel 0.4 x decay 1 + 0.4 x decay 20",
         std::make_shared<HawkesProcess>(two_kernels), 64, 1024, 104},
        {"self_correcting", "self-correcting, lambda(t) = exp(t - N(t)) (Isham & Westcott)",
         std::make_shared<SelfCorrectingProcess>(SelfCorrectingParameters{1.0, 1.0}), 64, 1024,
         105},
    };
  }();
  return sets;
}

const GeneratedTppSet* find_generated_tpp_set(const std::string& name) {
  for (const auto& set : generated_tpp_sets())
    if (set.name == name) return &set;
  return nullptr;
}

EventDataset simulate_generated_tpp_set(const GeneratedTppSet& set) {
  EventDataset data;
  data.sequences = simulate_sequences(*set.process, set.sequences, set.horizon, set.seed);
  data.num_types = set.process->num_types();
  for (int64_t k = 0; k < data.num_types; ++k) data.original_type_ids.push_back(k);
  return data;
}

std::shared_ptr<const KnownPointProcess> synthetic_tpp_true_process(const std::string& set) {
  if (set == "hawkes1") return exponential_hawkes(0.2, 0.8, 1.0);
  if (set == "poisson") return std::make_shared<PoissonProcess>(std::vector<double>{1.0});
  if (set == "renewal")
    return std::make_shared<LogNormalRenewalProcess>(
        LogNormalRenewalProcess::from_moments(1.0, 6.0));
  if (const GeneratedTppSet* generated = find_generated_tpp_set(set)) return generated->process;
  std::vector<std::string> known = synthetic_tpp_sets();
  for (const auto& generated : generated_tpp_sets()) known.push_back(generated.name);
  throw InputError(
      fmt::format("unknown synthetic TPP set '{}' (known: {})", set, fmt::join(known, ", ")));
}

}  // namespace evergreen
