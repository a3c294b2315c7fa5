// The weights strategies put on their loss and score terms, read alike by every strategy.
#pragma once

#include <string>

#include "evergreen/core/options.h"

namespace evergreen {

/// Reads the loss or score weight `key`: a finite number >= 0 (InputError naming the field). A
/// negative weight would reward what its term penalises: DMSHM would keep the windows it means
/// to drop, a distillation or penalty term would push the model away from what it knew.
///
/// Example:
///   double alpha = read_weight(options, "alpha", 0.3, "weight of matching stored outputs");
double read_weight(Options& options, const std::string& key, double default_value,
                   const char* help);

}  // namespace evergreen
