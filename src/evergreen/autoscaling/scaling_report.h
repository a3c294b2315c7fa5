// Files a scaling simulation leaves behind: the per-step trace (CSV), its plot, and the outcome
// as JSON for summary.json.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "evergreen/autoscaling/scaling_policy.h"

namespace evergreen {

/// Writes the per-step trace with columns step,time_hours,demand,forecast,predictive_capacity,
/// reactive_capacity (capacity = replicas * capacity_per_replica, in demand units; time_hours is
/// the start of the step). All four series must have the same length. Written atomically.
///
/// Example:
///   write_scaling_trace_csv(dir + "/scaling.csv", demand, forecast, predicted, reacted, options,
///                           900);
void write_scaling_trace_csv(const std::string& file, const std::vector<double>& demand,
                             const std::vector<double>& forecast,
                             const std::vector<int64_t>& predictive_replicas,
                             const std::vector<int64_t>& reactive_replicas,
                             const ScalingOptions& options, double step_seconds);

/// Plots a trace written by write_scaling_trace_csv to `png_file` (demand and forecast as lines,
/// both capacities as steps, hours on x, demand units on y) and leaves the gnuplot script beside
/// it as `png_file` with a `.gp` suffix. Returns false when gnuplot is missing or fails.
///
/// Example:
///   plot_scaling_trace(dir + "/scaling.csv", dir + "/scaling.png",
///                      "Alibaba 2018, DMSHM forecaster (after Hao et al., CIKM 2023)");
bool plot_scaling_trace(const std::string& csv_file, const std::string& png_file,
                        const std::string& title);

/// {"slo_violation_rate", "over_provisioning_capacity_hours", "under_provisioned_demand",
///  "replica_hours", "scaling_actions", "steps"}.
///
/// Example:
///   summary["scaling"]["predictive"] = to_json(evaluate_scaling(demand, replicas, options, 900));
nlohmann::json to_json(const ScalingOutcome& outcome);

}  // namespace evergreen
