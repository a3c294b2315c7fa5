// What the point-process model factories read alike: the event stream's number of types and the
// likelihood integral's options.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "evergreen/core/options.h"
#include "evergreen/models/model.h"

namespace evergreen {

/// The number of event types of an event stream; InputError for any other stream (naming
/// `model`, the registry name asking).
int64_t event_types(const Stream& stream, const std::string& model);

/// The likelihood integral's options: {integral_points, integral_rule}.
std::pair<int64_t, std::string> read_integral_options(Options& options);

}  // namespace evergreen
