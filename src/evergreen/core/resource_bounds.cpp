#include "evergreen/core/resource_bounds.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

std::atomic<double> budget_override{0};

double physical_memory_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 8.0 * (1ull << 30);  // unknown: assume 8 GiB
  return static_cast<double>(pages) * static_cast<double>(page_size);
}

}  // namespace

int64_t max_threads() {
  int64_t hardware = std::max<int64_t>(1, std::thread::hardware_concurrency());
  return kThreadsPerHardwareThread * hardware;
}

void check_thread_count(int64_t threads, bool forced, const std::string& where) {
  EVERGREEN_CHECK_INPUT(threads >= 1, "{}: expected a thread count >= 1, got {}", where, threads);
  EVERGREEN_CHECK_INPUT(forced || threads <= max_threads(),
                        "{}: {} threads is more than {} ({} x the {} hardware threads here); "
                        "set force_threads: true (or --force-threads) to use them anyway",
                        where, threads, max_threads(), kThreadsPerHardwareThread,
                        max_threads() / kThreadsPerHardwareThread);
  // Even forced, a count the OS cannot start is refused rather than tried until killed.
  EVERGREEN_CHECK_INPUT(threads <= 4096, "{}: {} threads is more than 4096, the most allowed",
                        where, threads);
}

double memory_budget_bytes() {
  double set = budget_override.load();
  if (set > 0) return set;
  if (const char* text = std::getenv("EVERGREEN_MEMORY_BUDGET_GB")) {
    char* end = nullptr;
    double gigabytes = std::strtod(text, &end);
    EVERGREEN_CHECK_INPUT(end != text && *end == '\0' && std::isfinite(gigabytes) && gigabytes > 0,
                          "EVERGREEN_MEMORY_BUDGET_GB={}: expected a number of GiB > 0", text);
    return gigabytes * static_cast<double>(1ull << 30);
  }
  return 0.75 * physical_memory_bytes();
}

void set_memory_budget_bytes(double bytes) { budget_override.store(bytes); }

void check_allocation(double bytes, const std::string& what) {
  double budget = memory_budget_bytes();
  EVERGREEN_CHECK_INPUT(std::isfinite(bytes) && bytes <= budget,
                        "{}: would allocate about {}, more than the memory budget of {} "
                        "(memory_budget_gb in the config, or EVERGREEN_MEMORY_BUDGET_GB)",
                        what, std::isfinite(bytes) ? format_bytes(bytes) : std::string("inf B"),
                        format_bytes(budget));
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 6) {
    bytes /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.3g} {}", bytes, units[unit]);
}

}  // namespace evergreen
