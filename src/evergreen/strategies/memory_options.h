// The options every strategy with a memory reads, declared once so that their names, defaults,
// checks and messages agree across strategies.
#pragma once

#include <cstdint>

#include "evergreen/core/options.h"
#include "evergreen/strategies/replay_memory.h"

namespace evergreen {

constexpr const char* kMemorySizeHelp = "rows kept in memory";
constexpr const char* kReplayBatchSizeHelp = "rows replayed per step (0: the training batch size)";

/// Reads `memory_size` (default 200); InputError below `minimum`. `help` names what the memory
/// holds when a strategy's memory is not plain rows (e.g. exemplars shared by the classes).
int64_t read_memory_size(Options& options, int64_t minimum = 1, const char* help = kMemorySizeHelp);

/// Reads `replay_batch_size` (default 0: as large as the training batch); InputError below 0.
int64_t read_replay_batch_size(Options& options, const char* help = kReplayBatchSizeHelp);

/// Reads memory_size and the selection rule with its options (selection: reservoir,
/// class_balanced or density_shift; candidates, density_weight, shift_weight).
ReplayMemoryOptions read_replay_memory_options(Options& options);

}  // namespace evergreen
