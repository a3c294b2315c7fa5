// Every stream by name: one line each in stream_registry.cpp.
#pragma once

#include <functional>

#include "evergreen/core/options.h"
#include "evergreen/core/registry.h"
#include "evergreen/data/experience.h"

namespace evergreen {

using StreamFactory = std::function<Stream(Options& options)>;

const Registry<StreamFactory>& stream_registry();

}  // namespace evergreen
