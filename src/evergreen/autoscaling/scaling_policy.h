// Turning demand forecasts (or observed demand) into replica counts, and measuring what a replica
// schedule costs and misses. Time is discrete: step t is one interval of `step_seconds`, the
// replicas of step t are running throughout it, and demand[t] is the load that arrives during it.
// docs/autoscaling.md ("Scaling simulation") states both controllers and every metric precisely.
#pragma once

#include <cstdint>
#include <vector>

#include "evergreen/core/options.h"

namespace evergreen {

/// How demand maps to replicas, and how eagerly a controller moves. Demand and capacity share one
/// unit (requests/s, CPU cores, ...); a replica serves `capacity_per_replica` of it at 100% load.
///
/// Example:
///   ScalingOptions options;
///   options.capacity_per_replica = 50;   // requests/s one replica serves at full load
///   options.target_utilisation = 0.7;    // plan for 70% load, as an HPA CPU target would
///   auto replicas = predictive_replicas(forecast, options);
struct ScalingOptions {
  /// Demand one replica serves at 100% utilisation. 0 means "derive it from the data" with
  /// `resolve_capacity_per_replica` before simulating; the simulators require it > 0.
  double capacity_per_replica = 1;
  /// Planned load per replica as a fraction of its capacity, in (0, 1].
  double target_utilisation = 0.7;
  int64_t min_replicas = 1;
  int64_t max_replicas = 1000;
  /// A scale-down takes effect only this many steps after it was first recommended (0: at once).
  int64_t scale_down_stabilisation_steps = 5;
  /// Reactive controller: no change while |observed / target utilisation - 1| <= tolerance.
  double tolerance = 0.1;
  /// Reactive controller: at step t it sees the demand of step t - reaction_delay_steps (>= 1).
  int64_t reaction_delay_steps = 1;
  /// When capacity_per_replica is 0: the capacity is chosen so that the median demand needs this
  /// many replicas at the target utilisation.
  double replicas_at_median = 10;
};

/// Reads the options from `options` (defaults written back, help recorded) and validates them;
/// a bad value throws InputError naming the file, line and field.
///
/// Example:
///   Options options(config["scaling"], "scaling", "run.yaml");
///   ScalingOptions scaling = read_scaling_options(options);
ScalingOptions read_scaling_options(Options& options);

/// Throws InputError naming the first invalid field (capacity_per_replica may be 0 here).
void validate_scaling_options(const ScalingOptions& options);

/// The replicas needed to serve `demand` at the target utilisation: ceil(demand / (capacity *
/// target)), clamped to [min_replicas, max_replicas]. A quotient within 1e-12 (relative) of an
/// integer counts as that integer, so rounding noise (14 / 0.7 = 20.000...004) adds no replica.
int64_t replicas_for_demand(double demand, const ScalingOptions& options);

/// Predictive controller: forecast[t] is the demand of step t as forecast before step t.
/// Recommendation r[t] = replicas_for_demand(forecast[t]); applied replicas
/// a[t] = max(r[t - W], ..., r[t]) with W = scale_down_stabilisation_steps (indices < 0 skipped):
/// a rise is applied at once, a fall exactly W steps after it is first recommended, and only if
/// nothing higher was recommended since (Kubernetes' scale-down stabilisation window).
///
/// Example:
///   // capacity 1, target 0.5, W = 2: forecast {1, 3.1, 1, 1, 1} -> {2, 7, 7, 7, 2}
///   auto replicas = predictive_replicas(forecast, options);
std::vector<int64_t> predictive_replicas(const std::vector<double>& forecast,
                                         const ScalingOptions& options);

/// Reactive controller in the manner of the Kubernetes HPA, acting `d = reaction_delay_steps`
/// late. For t < d nothing has been observed: r[t] = initial_replicas (clamped). For t >= d it
/// sees the demand of step t - d and the replicas a[t - d] that served it:
///   utilisation = demand[t - d] / (a[t - d] * capacity), ratio = utilisation / target;
///   r[t] = a[t - 1] (keep what runs now) when |ratio - 1| <= tolerance,
///   else r[t] = ceil(a[t - d] * ratio) (HPA: ceil(current * metric / target)), clamped.
/// With a[t - d] = 0 the ratio is undefined and r[t] = replicas_for_demand(demand[t - d]), the
/// limit of the same formula. Applied replicas a[t] use the same stabilisation as the predictive
/// controller. Scaling by a[t - d] (not a[t - 1]) keeps a delay d > 1 from compounding a ratio
/// that was measured on fewer replicas than now run.
///
/// Example:
///   auto replicas = reactive_replicas(demand, options, /*initial_replicas=*/2);
std::vector<int64_t> reactive_replicas(const std::vector<double>& demand,
                                       const ScalingOptions& options, int64_t initial_replicas);

/// What a replica schedule costs and misses against the demand that actually came.
/// Capacity at step t = replicas[t] * capacity_per_replica (full capacity, not the target), in
/// demand units; hours = step_seconds / 3600 per step.
///
/// Example:
///   ScalingOutcome outcome = evaluate_scaling(demand, replicas, options, 900);
///   fmt::print("{:.1%} of steps under-provisioned\n", outcome.slo_violation_rate);
struct ScalingOutcome {
  /// Fraction of steps with demand > capacity.
  double slo_violation_rate = 0;
  /// Sum over steps of max(0, capacity - demand) * step hours: idle capacity, demand units x h.
  double over_provisioning_capacity_hours = 0;
  /// Sum over steps of max(0, demand - capacity) * step hours: unserved demand, demand units x h.
  double under_provisioned_demand = 0;
  /// Sum over steps of replicas * step hours.
  double replica_hours = 0;
  /// Steps t >= 1 whose replica count differs from step t - 1's.
  int64_t scaling_actions = 0;
  int64_t steps = 0;
};

/// Scores `replicas` against `demand` (same length, at least one step); see ScalingOutcome.
ScalingOutcome evaluate_scaling(const std::vector<double>& demand,
                                const std::vector<int64_t>& replicas, const ScalingOptions& options,
                                double step_seconds);

/// The capacity per replica at which the median demand needs `replicas_at_median` replicas at
/// utilisation `target`: median / (replicas_at_median * target). The median (mean of the two
/// middle values for an even count) ignores spikes; if it is 0 (a mostly idle series) the mean
/// is used instead, and a series that is 0 throughout is an InputError.
///
/// Example:
///   // demand {1, 2, 3, 4, 100}: median 3; 10 replicas at 50% -> capacity 0.6
///   double capacity = capacity_for_replicas(demand, 10, 0.5);
double capacity_for_replicas(const std::vector<double>& demand, double replicas_at_median,
                             double target);

/// `options` with capacity_per_replica derived from `demand` by capacity_for_replicas (using
/// options.replicas_at_median and options.target_utilisation) when it is 0; unchanged otherwise.
ScalingOptions resolve_capacity_per_replica(ScalingOptions options,
                                            const std::vector<double>& demand);

}  // namespace evergreen
