#include "evergreen/strategies/memory_options.h"

#include "evergreen/core/error.h"
#include "evergreen/strategies/weight_options.h"

namespace evergreen {

int64_t read_memory_size(Options& options, int64_t minimum, const char* help) {
  auto size = options.get<int64_t>("memory_size", 200, help);
  EVERGREEN_CHECK_INPUT(size >= minimum, "{}: must be >= {}, got {}", options.where("memory_size"),
                        minimum, size);
  return size;
}

int64_t read_replay_batch_size(Options& options, const char* help) {
  auto size = options.get<int64_t>("replay_batch_size", 0, help);
  EVERGREEN_CHECK_INPUT(size >= 0, "{}: must be >= 0, got {}", options.where("replay_batch_size"),
                        size);
  return size;
}

ReplayMemoryOptions read_replay_memory_options(Options& options) {
  ReplayMemoryOptions defaults;
  const int64_t capacity = read_memory_size(options);
  const auto name =
      options.get_choice("selection", to_string(defaults.selection()),
                         {"reservoir", "class_balanced", "density_shift"},
                         "the rule that picks the rows kept (density_shift: DMSHM's)");
  MemorySelection selection = MemorySelection::kReservoir;
  for (auto candidate : {MemorySelection::kClassBalanced, MemorySelection::kDensityShift})
    if (name == to_string(candidate)) selection = candidate;
  ReplayMemoryOptions result;
  result.capacity(capacity).selection(selection);
  if (selection != MemorySelection::kDensityShift) return result;
  auto candidates = options.get<int64_t>(
      "candidates", defaults.candidates(),
      "density_shift: rows of one experience weighed at its end (0: 10 x memory_size)");
  EVERGREEN_CHECK_INPUT(candidates >= 0, "{}: must be >= 0, got {}", options.where("candidates"),
                        candidates);
  return result.candidates(candidates)
      .density_weight(read_weight(options, "density_weight", defaults.density_weight(),
                                  "density_shift: weight of the KDE density score"))
      .shift_weight(read_weight(options, "shift_weight", defaults.shift_weight(),
                                "density_shift: weight of the shift-level score"));
}

}  // namespace evergreen
