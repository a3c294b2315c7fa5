// Bounds on what a run may ask of the machine, checked before the work starts: a typo such as
// `threads: 100000` or `dim_process: 1e12` is refused with the estimate, not tried until killed.
#pragma once

#include <cstdint>
#include <string>

namespace evergreen {

/// Threads per hardware thread a run may use without `force_threads` (oversubscribing a little
/// can pay off for I/O-bound work; beyond that it only thrashes).
constexpr int64_t kThreadsPerHardwareThread = 4;

/// The most threads a run may use unless forced: kThreadsPerHardwareThread x hardware threads.
int64_t max_threads();

/// Throws InputError "{where}: {threads} threads, more than ..." when threads exceeds
/// max_threads() and `forced` is false.
void check_thread_count(int64_t threads, bool forced, const std::string& where);

/// The memory budget in bytes: set_memory_budget_bytes(), else the environment variable
/// EVERGREEN_MEMORY_BUDGET_GB, else 3/4 of the machine's physical memory.
double memory_budget_bytes();
/// Sets the budget for this process; 0 restores the default.
void set_memory_budget_bytes(double bytes);

/// Throws InputError "{what}: would allocate about X GiB, more than the memory budget of Y GiB
/// (memory_budget_gb)" when `bytes` exceeds the budget (or is not finite). Call it before
/// allocating anything whose size the input decides.
void check_allocation(double bytes, const std::string& what);

/// "1.5 GiB", "320 MiB", "12 KiB", "17 B".
std::string format_bytes(double bytes);

}  // namespace evergreen
