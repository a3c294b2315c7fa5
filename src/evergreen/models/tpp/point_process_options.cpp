#include "evergreen/models/tpp/point_process_options.h"

#include <cmath>

#include "evergreen/core/error.h"

namespace evergreen {

int64_t event_types(const Stream& stream, const std::string& model) {
  EVERGREEN_CHECK_INPUT(
      stream.spec.kind == StreamKind::kEventSequences && stream.spec.num_event_types >= 1,
      "model '{}' needs an event stream (batches with times, types, mask)", model);
  return stream.spec.num_event_types;
}

IntegralRule read_integral_options(Options& options) {
  auto rule = options.get_choice(
      "integral_rule", "log_gauss", {"log_gauss", "trapezoid", "mean"},
      "quadrature per inter-event interval: Gauss-Legendre on a log scale of the time since the "
      "event (accurate for fast-decaying intensities), evenly spaced points, or midpoints");
  auto points = options.get<int64_t>("integral_points", 20, "points per inter-event interval");
  EVERGREEN_CHECK_INPUT(points >= 2, "{}: must be >= 2", options.where("integral_points"));
  auto resolution = options.get<double>(
      "integral_resolution", 1e-3,
      "log_gauss: the shortest time after an event it resolves, in units of the time scale");
  EVERGREEN_CHECK_INPUT(resolution > 0 && std::isfinite(resolution), "{}: must be > 0",
                        options.where("integral_resolution"));
  return IntegralRule::make(rule, points, resolution);
}

void configure_point_process(Options& options, PointProcessModel& model) {
  auto scale = options.get<double>(
      "time_scale", 0.0,
      "data time units per model time unit; 0 learns the first experience's mean gap");
  EVERGREEN_CHECK_INPUT(scale >= 0 && std::isfinite(scale), "{}: must be >= 0 (0: learn it)",
                        options.where("time_scale"));
  model.fix_time_scale(scale);
  auto samples = options.get<int64_t>(
      "next_event_samples", 16,
      "thinning chains per next-event prediction when evaluating (0: no time RMSE / accuracy)");
  EVERGREEN_CHECK_INPUT(samples >= 0, "{}: must be >= 0", options.where("next_event_samples"));
  auto targets = options.get<int64_t>("next_event_targets", 256,
                                      "events predicted per evaluated split (the first ones)");
  EVERGREEN_CHECK_INPUT(targets >= 1, "{}: must be >= 1", options.where("next_event_targets"));
  model.evaluate_next_events(samples, targets);
}

}  // namespace evergreen
