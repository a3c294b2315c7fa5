#include "evergreen/models/tpp/point_process_options.h"

#include "evergreen/core/error.h"

namespace evergreen {

int64_t event_types(const Stream& stream, const std::string& model) {
  EVERGREEN_CHECK_INPUT(
      stream.spec.kind == StreamKind::kEventSequences && stream.spec.num_event_types >= 1,
      "model '{}' needs an event stream (batches with times, types, mask)", model);
  return stream.spec.num_event_types;
}

std::pair<int64_t, std::string> read_integral_options(Options& options) {
  auto rule = options.get_choice("integral_rule", "trapezoid", {"trapezoid", "mean"},
                                 "quadrature per inter-event interval; mean uses midpoints");
  auto points = options.get<int64_t>("integral_points", 20, "points per inter-event interval");
  EVERGREEN_CHECK_INPUT(points >= 2, "{}: must be >= 2", options.where("integral_points"));
  return {points, rule};
}

}  // namespace evergreen
