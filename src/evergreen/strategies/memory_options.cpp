#include "evergreen/strategies/memory_options.h"

#include "evergreen/core/error.h"

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

}  // namespace evergreen
