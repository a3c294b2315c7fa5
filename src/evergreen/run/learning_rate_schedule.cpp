#include "evergreen/run/learning_rate_schedule.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"

namespace evergreen {

std::string learning_rate_schedule_name(LearningRateSchedule schedule) {
  return schedule == LearningRateSchedule::kCosine ? "cosine" : "constant";
}

LearningRateSchedule parse_learning_rate_schedule(const std::string& name,
                                                  const std::string& where) {
  if (name == "constant") return LearningRateSchedule::kConstant;
  if (name == "cosine") return LearningRateSchedule::kCosine;
  throw InputError(
      fmt::format("{}: must be one of constant, cosine, got '{}'", where, quote(name)));
}

double scheduled_learning_rate(LearningRateSchedule schedule, double base, int64_t warmup_steps,
                               int64_t total_steps, int64_t step) {
  if (step < warmup_steps)
    return base * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  if (schedule == LearningRateSchedule::kConstant) return base;
  const int64_t decay_steps = std::max<int64_t>(1, total_steps - warmup_steps);
  const double progress =
      std::min(1.0, static_cast<double>(step - warmup_steps) / static_cast<double>(decay_steps));
  return base * 0.5 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace evergreen
