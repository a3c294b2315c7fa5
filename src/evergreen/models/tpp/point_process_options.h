// What the point-process model factories read alike: the event stream's number of types and the
// likelihood integral's options.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "evergreen/core/options.h"
#include "evergreen/models/model.h"
#include "evergreen/models/tpp/integral_rule.h"
#include "evergreen/models/tpp/point_process_model.h"

namespace evergreen {

/// The number of event types of an event stream; InputError for any other stream (naming
/// `model`, the registry name asking).
int64_t event_types(const Stream& stream, const std::string& model);

/// The likelihood integral's rule from the options integral_rule, integral_points and
/// integral_resolution (integral_rule.h).
IntegralRule read_integral_options(Options& options);

/// The options every point process shares (point_process_model.h), applied to `model`:
/// `time_scale` (0, the default, learns the mean inter-event gap of the first experience's
/// training data; a value > 0 fixes the scale in data units, 1 keeps the raw times),
/// `next_event_samples` (thinning chains per next-event prediction in evaluation; 0: none) and
/// `next_event_targets` (events predicted per evaluated split, the first ones).
void configure_point_process(Options& options, PointProcessModel& model);

}  // namespace evergreen
