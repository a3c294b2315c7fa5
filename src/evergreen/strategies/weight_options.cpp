#include "evergreen/strategies/weight_options.h"

#include <cmath>

#include "evergreen/core/error.h"

namespace evergreen {

double read_weight(Options& options, const std::string& key, double default_value,
                   const char* help) {
  auto weight = options.get<double>(key, default_value, help);
  EVERGREEN_CHECK_INPUT(std::isfinite(weight) && weight >= 0,
                        "{}: expected a finite weight >= 0, got {}", options.where(key), weight);
  return weight;
}

}  // namespace evergreen
