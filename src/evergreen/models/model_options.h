// Option readers shared by the model factories.
#pragma once

#include <cstdint>
#include <string>

#include "evergreen/core/options.h"

namespace evergreen {

/// Reads the integer option `key` (default `fallback`); InputError below 1.
int64_t read_positive(Options& options, const std::string& key, int64_t fallback,
                      const std::string& help);

}  // namespace evergreen
