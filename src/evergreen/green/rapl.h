// Intel RAPL (Running Average Power Limit) package energy counters, read through the Linux
// powercap interface as CodeCarbon, carbontracker and Zeus do. On most VMs and containers the
// files are absent or root-only (since CVE-2020-8694), and the reader then says it is not
// available so the meter falls back to an estimate and labels it as one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace evergreen {

/// Energy in microjoules between two readings of a RAPL counter that counts from 0 up to
/// `max_range` and then wraps to 0. When `after < before` the counter wrapped once:
/// `max_range - before + after`. A reading above `max_range` cannot come from this counter
/// (it was reset or replaced), so the delta is then taken as `after`.
///
/// Example:
///   rapl_delta(100, 250, 1000);  // 150
///   rapl_delta(900, 50, 1000);   // 150 (wrapped)
uint64_t rapl_delta(uint64_t before, uint64_t after, uint64_t max_range);

/// Sums the energy of every top-level RAPL package domain (`<root>/intel-rapl:N`) since
/// construction. Sub-zones (`intel-rapl:N:M`: core, uncore, dram) are skipped because the
/// package already includes core and uncore, and a `psys` domain is skipped because it spans
/// the packages too. A counter wraps every few tens of minutes under load, so read at least
/// that often (the green meter reads at each phase start and stop).
///
/// Example:
///   RaplReader rapl;  // /sys/class/powercap
///   if (rapl.available()) {
///     double before = rapl.read_joules();
///     train();
///     double joules = rapl.read_joules() - before;
///   }
class RaplReader {
 public:
  explicit RaplReader(std::string root = "/sys/class/powercap");

  /// True when at least one package domain exists and every one of them is readable.
  bool available() const { return available_; }

  /// Joules counted by all packages since construction (0 when not available). Each call adds
  /// the wrap-corrected delta since the previous call; a counter that cannot be read at one call
  /// is caught up at the next call where it can.
  double read_joules();

  /// The package domain directories found, e.g. "/sys/class/powercap/intel-rapl:0".
  std::vector<std::string> domains() const;

 private:
  struct Domain {
    std::string directory;
    uint64_t max_range_uj = 0;
    uint64_t last_uj = 0;
  };

  std::string root_;
  std::vector<Domain> domains_;
  bool available_ = false;
  uint64_t total_uj_ = 0;
};

}  // namespace evergreen
