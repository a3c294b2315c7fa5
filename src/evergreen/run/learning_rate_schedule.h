// The learning rate of each training step: constant, or a linear warm-up followed by a cosine
// decay to zero over the steps of one experience (the schedule of language-model training,
// restarted at every experience of a stream).
#pragma once

#include <cstdint>
#include <string>

namespace evergreen {

enum class LearningRateSchedule { kConstant, kCosine };

/// "constant" / "cosine"; and back (InputError naming `where` and the valid names).
std::string learning_rate_schedule_name(LearningRateSchedule schedule);
LearningRateSchedule parse_learning_rate_schedule(const std::string& name,
                                                  const std::string& where);

/// The rate of 0-based `step` of `total_steps`: during the first `warmup_steps` steps
/// base x (step + 1) / warmup_steps; after them base (constant) or
/// base x (1 + cos(pi x (step - warmup) / (total - warmup))) / 2 (cosine, reaching 0 after the
/// last step).
///
/// Example:
///   scheduled_learning_rate(LearningRateSchedule::kCosine, 1e-3, 10, 110, 60)  // 5e-4
double scheduled_learning_rate(LearningRateSchedule schedule, double base, int64_t warmup_steps,
                               int64_t total_steps, int64_t step);

}  // namespace evergreen
