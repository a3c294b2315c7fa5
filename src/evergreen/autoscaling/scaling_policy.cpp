#include "evergreen/autoscaling/scaling_policy.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <optional>
#include <string>
#include <utility>

namespace evergreen {
namespace {

// Quotients such as 14 / 0.7 come out a few ulps above the integer they stand for; without this
// slack they would cost a whole extra replica. 1e-12 is thousands of ulps yet far below any
// meaningful difference in demand.
constexpr double kRelativeRoundingSlack = 1e-12;

int64_t ceil_with_slack(double value) {
  return static_cast<int64_t>(
      std::ceil(value - kRelativeRoundingSlack * std::max(1.0, std::abs(value))));
}

int64_t clamp_replicas(int64_t replicas, const ScalingOptions& options) {
  return std::clamp(replicas, options.min_replicas, options.max_replicas);
}

// The first invalid field and what it should have been, so that read_scaling_options (which knows
// the file and line) and validate_scaling_options (which does not) report the same rule.
std::optional<std::pair<std::string, std::string>> first_invalid_field(
    const ScalingOptions& options) {
  if (!(std::isfinite(options.capacity_per_replica) && options.capacity_per_replica >= 0))
    return std::make_pair("capacity_per_replica",
                          fmt::format("expected a number > 0 (or 0 to derive it from the data), "
                                      "got {}",
                                      options.capacity_per_replica));
  if (!(options.target_utilisation > 0 && options.target_utilisation <= 1))
    return std::make_pair("target_utilisation", fmt::format("expected a fraction in (0, 1], got {}",
                                                            options.target_utilisation));
  if (options.min_replicas < 0)
    return std::make_pair("min_replicas",
                          fmt::format("expected an integer >= 0, got {}", options.min_replicas));
  if (options.max_replicas < std::max<int64_t>(options.min_replicas, 1))
    return std::make_pair("max_replicas",
                          fmt::format("expected an integer >= 1 and >= min_replicas ({}), got {}",
                                      options.min_replicas, options.max_replicas));
  if (options.scale_down_stabilisation_steps < 0)
    return std::make_pair(
        "scale_down_stabilisation_steps",
        fmt::format("expected an integer >= 0, got {}", options.scale_down_stabilisation_steps));
  if (!(std::isfinite(options.tolerance) && options.tolerance >= 0))
    return std::make_pair("tolerance",
                          fmt::format("expected a number >= 0, got {}", options.tolerance));
  if (options.reaction_delay_steps < 1)
    return std::make_pair("reaction_delay_steps",
                          fmt::format("expected an integer >= 1 (a step's demand is known only "
                                      "once it is over), got {}",
                                      options.reaction_delay_steps));
  if (!(std::isfinite(options.replicas_at_median) && options.replicas_at_median > 0))
    return std::make_pair("replicas_at_median",
                          fmt::format("expected a number > 0, got {}", options.replicas_at_median));
  return std::nullopt;
}

// The simulators need a concrete capacity; 0 ("derive it") must have been resolved by then.
void validate_for_simulation(const ScalingOptions& options) {
  validate_scaling_options(options);
  EVERGREEN_CHECK_INPUT(options.capacity_per_replica > 0,
                        "scaling option 'capacity_per_replica': expected a number > 0 when "
                        "simulating, got 0 (derive it first with resolve_capacity_per_replica)");
}

void check_finite_series(const std::vector<double>& values, const char* name) {
  for (size_t t = 0; t < values.size(); ++t)
    EVERGREEN_CHECK_INPUT(std::isfinite(values[t]), "{}[{}]: expected a finite number, got {}",
                          name, t, values[t]);
}

// Kubernetes' scale-down stabilisation: the applied count is the highest recommendation of the
// current step and the `window` before it, so a fall waits exactly `window` steps.
class StabilisationWindow {
 public:
  explicit StabilisationWindow(int64_t window) : window_(window) {}

  int64_t apply(int64_t recommendation) {
    // A monotonic queue (values decreasing from front to back) keeps each step O(1) amortised,
    // so a long window (W = 20 for HPA defaults at 15 s steps, or more) costs nothing extra.
    while (!candidates_.empty() && candidates_.back().second <= recommendation)
      candidates_.pop_back();
    candidates_.emplace_back(step_, recommendation);
    if (candidates_.front().first < step_ - window_) candidates_.pop_front();
    ++step_;
    return candidates_.front().second;
  }

 private:
  int64_t window_;
  int64_t step_ = 0;
  std::deque<std::pair<int64_t, int64_t>> candidates_;  // (step, recommendation)
};

}  // namespace

void validate_scaling_options(const ScalingOptions& options) {
  if (auto invalid = first_invalid_field(options))
    throw InputError(fmt::format("scaling option '{}': {}", invalid->first, invalid->second));
}

ScalingOptions read_scaling_options(Options& options) {
  ScalingOptions defaults;
  ScalingOptions result;
  result.capacity_per_replica = options.get<double>(
      "capacity_per_replica", defaults.capacity_per_replica,
      "demand one replica serves at 100% utilisation (0: derive from the data's median)");
  result.target_utilisation =
      options.get<double>("target_utilisation", defaults.target_utilisation,
                          "planned load per replica as a fraction of its capacity, in (0, 1]");
  result.min_replicas =
      options.get<int64_t>("min_replicas", defaults.min_replicas, "fewest replicas ever run");
  result.max_replicas =
      options.get<int64_t>("max_replicas", defaults.max_replicas, "most replicas ever run");
  result.scale_down_stabilisation_steps = options.get<int64_t>(
      "scale_down_stabilisation_steps", defaults.scale_down_stabilisation_steps,
      "steps a lower recommendation must wait before replicas are removed (0: none)");
  result.tolerance = options.get<double>(
      "tolerance", defaults.tolerance,
      "reactive controller: keep replicas while |utilisation / target - 1| is at most this");
  result.reaction_delay_steps = options.get<int64_t>(
      "reaction_delay_steps", defaults.reaction_delay_steps,
      "reactive controller: steps between a demand and the controller seeing it (>= 1)");
  result.replicas_at_median = options.get<double>(
      "replicas_at_median", defaults.replicas_at_median,
      "when capacity_per_replica is 0: replicas the median demand needs at the target");
  if (auto invalid = first_invalid_field(result))
    throw InputError(fmt::format("{}: {}", options.where(invalid->first), invalid->second));
  return result;
}

int64_t replicas_for_demand(double demand, const ScalingOptions& options) {
  EVERGREEN_ASSERT(options.capacity_per_replica > 0, "capacity_per_replica must be resolved");
  // A negative forecast (a regression model undershooting) needs no replicas, and a huge one
  // must not overflow int64 before the clamp.
  double needed = demand / (options.capacity_per_replica * options.target_utilisation);
  if (needed <= 0) return clamp_replicas(0, options);
  if (needed >= static_cast<double>(options.max_replicas)) return options.max_replicas;
  return clamp_replicas(ceil_with_slack(needed), options);
}

std::vector<int64_t> predictive_replicas(const std::vector<double>& forecast,
                                         const ScalingOptions& options) {
  validate_for_simulation(options);
  check_finite_series(forecast, "forecast");
  StabilisationWindow window(options.scale_down_stabilisation_steps);
  std::vector<int64_t> replicas;
  replicas.reserve(forecast.size());
  for (double value : forecast)
    replicas.push_back(window.apply(replicas_for_demand(value, options)));
  return replicas;
}

std::vector<int64_t> reactive_replicas(const std::vector<double>& demand,
                                       const ScalingOptions& options, int64_t initial_replicas) {
  validate_for_simulation(options);
  check_finite_series(demand, "demand");
  EVERGREEN_CHECK_INPUT(initial_replicas >= 0, "initial_replicas: expected an integer >= 0, got {}",
                        initial_replicas);
  const auto steps = static_cast<int64_t>(demand.size());
  const int64_t delay = options.reaction_delay_steps;
  StabilisationWindow window(options.scale_down_stabilisation_steps);
  std::vector<int64_t> replicas;
  replicas.reserve(demand.size());
  for (int64_t t = 0; t < steps; ++t) {
    int64_t recommendation;
    if (t < delay) {
      recommendation = clamp_replicas(initial_replicas, options);
    } else {
      const double observed_demand = demand[t - delay];
      const int64_t observed_replicas = replicas[t - delay];
      if (observed_replicas == 0) {
        recommendation = replicas_for_demand(observed_demand, options);
      } else {
        const double utilisation = observed_demand / (static_cast<double>(observed_replicas) *
                                                      options.capacity_per_replica);
        const double ratio = utilisation / options.target_utilisation;
        if (std::abs(ratio - 1) <= options.tolerance) {
          recommendation = replicas[t - 1];
        } else {
          const double scaled = static_cast<double>(observed_replicas) * ratio;
          recommendation = scaled >= static_cast<double>(options.max_replicas)
                               ? options.max_replicas
                               : clamp_replicas(ceil_with_slack(std::max(scaled, 0.0)), options);
        }
      }
    }
    replicas.push_back(window.apply(recommendation));
  }
  return replicas;
}

ScalingOutcome evaluate_scaling(const std::vector<double>& demand,
                                const std::vector<int64_t>& replicas, const ScalingOptions& options,
                                double step_seconds) {
  validate_for_simulation(options);
  check_finite_series(demand, "demand");
  EVERGREEN_CHECK_INPUT(!demand.empty(), "demand: expected at least one step, got none");
  EVERGREEN_CHECK_INPUT(replicas.size() == demand.size(),
                        "replicas: expected one count per demand step ({}), got {}", demand.size(),
                        replicas.size());
  EVERGREEN_CHECK_INPUT(std::isfinite(step_seconds) && step_seconds > 0,
                        "step_seconds: expected a number > 0, got {}", step_seconds);
  const double step_hours = step_seconds / 3600.0;
  ScalingOutcome outcome;
  outcome.steps = static_cast<int64_t>(demand.size());
  int64_t violations = 0;
  for (size_t t = 0; t < demand.size(); ++t) {
    EVERGREEN_CHECK_INPUT(replicas[t] >= 0, "replicas[{}]: expected a count >= 0, got {}", t,
                          replicas[t]);
    const double capacity = static_cast<double>(replicas[t]) * options.capacity_per_replica;
    if (demand[t] > capacity) ++violations;
    outcome.over_provisioning_capacity_hours += std::max(0.0, capacity - demand[t]) * step_hours;
    outcome.under_provisioned_demand += std::max(0.0, demand[t] - capacity) * step_hours;
    outcome.replica_hours += static_cast<double>(replicas[t]) * step_hours;
    if (t > 0 && replicas[t] != replicas[t - 1]) ++outcome.scaling_actions;
  }
  outcome.slo_violation_rate = static_cast<double>(violations) / static_cast<double>(outcome.steps);
  return outcome;
}

double capacity_for_replicas(const std::vector<double>& demand, double replicas_at_median,
                             double target) {
  EVERGREEN_CHECK_INPUT(!demand.empty(),
                        "demand: expected at least one step to derive "
                        "capacity_per_replica from, got none");
  check_finite_series(demand, "demand");
  EVERGREEN_CHECK_INPUT(std::isfinite(replicas_at_median) && replicas_at_median > 0,
                        "replicas_at_median: expected a number > 0, got {}", replicas_at_median);
  EVERGREEN_CHECK_INPUT(target > 0 && target <= 1,
                        "target_utilisation: expected a fraction in (0, 1], got {}", target);
  std::vector<double> sorted = demand;
  std::sort(sorted.begin(), sorted.end());
  const size_t middle = sorted.size() / 2;
  double typical =
      sorted.size() % 2 == 1 ? sorted[middle] : 0.5 * (sorted[middle - 1] + sorted[middle]);
  if (typical <= 0) {
    double sum = 0;
    for (double value : demand) sum += value;
    typical = sum / static_cast<double>(demand.size());
  }
  EVERGREEN_CHECK_INPUT(typical > 0,
                        "demand: median and mean are both <= 0, so capacity_per_replica cannot "
                        "be derived from it; set capacity_per_replica explicitly");
  return typical / (replicas_at_median * target);
}

ScalingOptions resolve_capacity_per_replica(ScalingOptions options,
                                            const std::vector<double>& demand) {
  validate_scaling_options(options);
  if (options.capacity_per_replica == 0)
    options.capacity_per_replica =
        capacity_for_replicas(demand, options.replicas_at_median, options.target_utilisation);
  return options;
}

}  // namespace evergreen
