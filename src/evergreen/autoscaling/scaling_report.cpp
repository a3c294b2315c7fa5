#include "evergreen/autoscaling/scaling_report.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/core/gnuplot.h"
#include "evergreen/core/shell_command.h"

namespace evergreen {
namespace {

// A gnuplot single-quoted string, where '' stands for one quote and nothing else is special.
std::string gnuplot_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

void write_scaling_trace_csv(const std::string& file, const std::vector<double>& demand,
                             const std::vector<double>& forecast,
                             const std::vector<int64_t>& predictive_replicas,
                             const std::vector<int64_t>& reactive_replicas,
                             const ScalingOptions& options, double step_seconds) {
  EVERGREEN_CHECK_INPUT(forecast.size() == demand.size(),
                        "forecast: expected one value per demand step ({}), got {}", demand.size(),
                        forecast.size());
  EVERGREEN_CHECK_INPUT(predictive_replicas.size() == demand.size(),
                        "predictive_replicas: expected one count per demand step ({}), got {}",
                        demand.size(), predictive_replicas.size());
  EVERGREEN_CHECK_INPUT(reactive_replicas.size() == demand.size(),
                        "reactive_replicas: expected one count per demand step ({}), got {}",
                        demand.size(), reactive_replicas.size());
  EVERGREEN_CHECK_INPUT(std::isfinite(step_seconds) && step_seconds > 0,
                        "step_seconds: expected a number > 0, got {}", step_seconds);
  EVERGREEN_CHECK_INPUT(options.capacity_per_replica > 0,
                        "scaling option 'capacity_per_replica': expected a number > 0 for the "
                        "trace, got {}",
                        options.capacity_per_replica);
  std::string csv = "step,time_hours,demand,forecast,predictive_capacity,reactive_capacity\n";
  for (size_t t = 0; t < demand.size(); ++t) {
    csv += fmt::format("{},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n", t,
                       static_cast<double>(t) * step_seconds / 3600.0, demand[t], forecast[t],
                       static_cast<double>(predictive_replicas[t]) * options.capacity_per_replica,
                       static_cast<double>(reactive_replicas[t]) * options.capacity_per_replica);
  }
  write_file_atomically(file, csv);
}

bool plot_scaling_trace(const std::string& csv_file, const std::string& png_file,
                        const std::string& title) {
  if (!command_available("gnuplot")) return false;
  // Capacities are held for a whole step, so they are drawn as steps starting at the step's time;
  // demand and forecast are per-step values, drawn as lines through those same times.
  std::string data = gnuplot_quote(csv_file);
  std::string script = fmt::format(
      "set terminal png noenhanced size 1100,520\n"
      "set output {1}\n"
      "set datafile separator ','\n"
      "set key autotitle columnhead\n"
      "set key outside right\n"
      "set grid\n"
      "set offsets 0, 0, graph 0.05, 0\n"
      "set title {2}\n"
      "set xlabel 'time (hours)'\n"
      "set ylabel 'demand and capacity (demand units)'\n"
      "plot {0} using 2:3 with lines lw 2 lc rgb '#000000' title 'demand', \\\n"
      "     {0} using 2:4 with lines dt 2 lc rgb '#1f77b4' title 'forecast', \\\n"
      "     {0} using 2:5 with steps lc rgb '#2ca02c' title 'predictive capacity', \\\n"
      "     {0} using 2:6 with steps lc rgb '#d62728' title 'reactive capacity'\n",
      data, gnuplot_quote(png_file), gnuplot_quote(title));
  std::string script_file = std::filesystem::path(png_file).replace_extension(".gp").string();
  return run_gnuplot(script_file, script) && std::filesystem::exists(png_file);
}

nlohmann::json to_json(const ScalingOutcome& outcome) {
  return {
      {"slo_violation_rate", outcome.slo_violation_rate},
      {"over_provisioning_capacity_hours", outcome.over_provisioning_capacity_hours},
      {"under_provisioned_demand", outcome.under_provisioned_demand},
      {"replica_hours", outcome.replica_hours},
      {"scaling_actions", outcome.scaling_actions},
      {"steps", outcome.steps},
  };
}

}  // namespace evergreen
