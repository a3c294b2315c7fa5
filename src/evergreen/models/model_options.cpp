#include "evergreen/models/model_options.h"

#include "evergreen/core/error.h"

namespace evergreen {

int64_t read_positive(Options& options, const std::string& key, int64_t fallback,
                      const std::string& help) {
  auto value = options.get<int64_t>(key, fallback, help);
  EVERGREEN_CHECK_INPUT(value >= 1, "{}: must be >= 1, got {}", options.where(key), value);
  return value;
}

}  // namespace evergreen
