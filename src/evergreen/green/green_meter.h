// The green meter: time, CPU, peak memory, MACs, energy and CO2 of each phase of a run
// ("train", "eval", ...), reported in summary.json's "green" object and in green.csv. Energy is
// measured with RAPL where the counters are readable and otherwise estimated from CPU seconds
// and resident memory, and the output always says which (`energy_source`). docs/green.md gives
// the formulas and where each constant comes from.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "evergreen/core/options.h"
#include "evergreen/green/rapl.h"

namespace evergreen {

/// Watts drawn by one fully busy core when energy is estimated: CodeCarbon's 85 W TDP for an
/// unknown CPU, at its 50% default load, over a typical 4-core package (85 * 0.5 / 4).
inline constexpr double kDefaultCpuWattsPerCore = 10.625;

/// The largest values read_green_options accepts. Generous bounds on what exists, so that a typo
/// (1e308) is refused instead of making the CO2 infinite: the most carbon-intensive generation
/// (lignite) emits about 1,200 gCO2/kWh; the worst data centres surveyed have a PUE near 3; a
/// server CPU core draws tens of watts; DRAM draws well under 1 W per GB.
inline constexpr double kMostGridIntensityGPerKwh = 2000;
inline constexpr double kMostPue = 10;
inline constexpr double kMostCpuWattsPerCore = 1000;
inline constexpr double kMostRamWattsPerGb = 100;

/// Constants of the energy and carbon model (the `green` section of a config).
///
/// Example:
///   GreenOptions green;
///   green.grid_intensity_g_per_kwh = 56;  // France, IEA 2019
///   green.pue = 1.58;                     // carbontracker's data-centre average
///   GreenMeter meter(green);
struct GreenOptions {
  /// Grams of CO2 per kWh of electricity; 475 is the world average (IEA 2019, CodeCarbon).
  double grid_intensity_g_per_kwh = 475;
  /// Power usage effectiveness of the data centre: facility energy / IT energy, >= 1.
  double pue = 1.0;
  /// Estimated watts per fully busy core (used when RAPL is off or unreadable).
  double cpu_watts_per_core = kDefaultCpuWattsPerCore;
  /// Watts per GB of resident memory (CodeCarbon v2: 3/8 W per GB).
  double ram_watts_per_gb = 0.375;
  /// Measure CPU energy with RAPL when the counters are readable.
  bool use_rapl = true;
};

/// Reads and validates GreenOptions from `options` (keys `grid_intensity`, `pue`,
/// `cpu_watts_per_core`, `ram_watts_per_gb`, `use_rapl`); InputError names the bad field, which
/// must be finite and lie in [0 (1 for pue), kMost...].
///
/// Example:
///   Options options(config["green"], "green", "run.yaml");
///   GreenOptions green = read_green_options(options);
GreenOptions read_green_options(Options& options);

/// What one phase (or the total) cost. Energies in kWh, carbon in kg.
///
/// Example:
///   PhaseMeasure train = meter.phase("train");
///   fmt::print("{:.1f} s, {:.3g} kWh ({})\n", train.wall_s, train.energy_kwh,
///              train.energy_source);
struct PhaseMeasure {
  std::string name;
  int64_t intervals = 0;      ///< completed start/stop pairs (a running one is counted as well)
  double wall_s = 0;          ///< steady-clock seconds between start and stop, summed
  double cpu_s = 0;           ///< process user + system CPU seconds (all threads), summed
  double peak_rss_mb = 0;     ///< process peak resident set (MiB) as of the last stop
  int64_t flops = 0;          ///< multiply-accumulates (one fused multiply-add = one FLOP)
  double cpu_energy_kwh = 0;  ///< RAPL package energy, or cpu_s * cpu_watts_per_core; no PUE
  double ram_energy_kwh = 0;  ///< ram_watts_per_gb * peak_rss_gb * wall_s; no PUE
  double energy_kwh = 0;      ///< (cpu + ram) * pue
  double co2_kg = 0;          ///< energy_kwh * grid_intensity / 1000
  std::string energy_source = "estimate";  ///< "rapl", "estimate", or "mixed" after a resume

  nlohmann::json to_json() const;
};

/// Measures named phases of a run. Call it per phase (per experience's training, per
/// evaluation), never per step: each start and stop costs a few system calls and, with RAPL, a
/// few small file reads. Not thread-safe; use one meter from the thread that drives the run.
///
/// Phases should not overlap if total() is to mean the run's total, since it sums them. A phase
/// that is still running is included up to now by phase(), total(), summary_json() and state().
///
/// Example:
///   GreenMeter meter(read_green_options(options));
///   for (const Experience& experience : stream) {
///     meter.start("train");
///     train_on(experience);
///     meter.stop("train");
///     meter.add_flops("train", training_macs(forward_macs) * steps);
///     auto evaluating = meter.measure("eval");  // stops at the end of the loop body
///     evaluate_all();
///   }
///   summary["green"] = meter.summary_json();
///   meter.write_csv(out + "/green.csv", "default", run_id);
class GreenMeter {
 public:
  /// Stops its phase when it goes out of scope (unless it was stopped already).
  class Scope {
   public:
    Scope(GreenMeter& meter, std::string phase);
    Scope(Scope&& other) noexcept;
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    Scope& operator=(Scope&&) = delete;
    ~Scope();

   private:
    GreenMeter* meter_;
    std::string phase_;
  };

  /// `rapl_root` is where the powercap tree lives; tests point it at fake counters.
  explicit GreenMeter(GreenOptions options = {},
                      const std::string& rapl_root = "/sys/class/powercap");

  /// Starts (or restarts) accumulating `phase`. Starting a running phase is a bug.
  void start(const std::string& phase);
  /// Adds the time, CPU and energy since start(phase) to the phase.
  void stop(const std::string& phase);
  /// start(phase) now and stop(phase) when the returned Scope dies.
  [[nodiscard]] Scope measure(const std::string& phase);
  /// Adds `macs` multiply-accumulates to `phase` (which need not be running).
  void add_flops(const std::string& phase, int64_t macs);

  bool running(const std::string& phase) const { return running_.count(phase) > 0; }
  /// Phases in the order they first appeared.
  const std::vector<std::string>& phase_names() const { return order_; }
  /// Where new measurements come from: "rapl" or "estimate".
  std::string energy_source() const { return rapl_used_ ? "rapl" : "estimate"; }
  const GreenOptions& options() const { return options_; }

  /// The measures of `name` (all zero if it never ran).
  PhaseMeasure phase(const std::string& name) const;
  /// Sums over all phases; peak RSS is the maximum.
  PhaseMeasure total() const;

  /// summary.json's "green" object: {"wall_s", "cpu_s", "peak_rss_mb", "train_flops",
  /// "energy_kwh", "energy_source", "co2_kg"} over all phases (train_flops: the "train" phase's
  /// MACs), plus "phases" (each phase's PhaseMeasure) and "constants" (the model's constants).
  /// InputError naming the green constants when an energy or CO2 total is not finite (JSON
  /// would write it as null); write_csv checks the same.
  nlohmann::json summary_json() const;

  /// Writes CodeCarbon-like rows, one per phase and a `total` row, through a temporary file.
  void write_csv(const std::string& file, const std::string& experiment,
                 const std::string& run_id) const;

  /// What a checkpoint needs so a resumed run keeps its accumulated times, energy and MACs.
  nlohmann::json state() const;
  /// Replaces every phase by those in `state` (phases running now are dropped); InputError if
  /// `state` is not one that state() wrote.
  void restore(const nlohmann::json& state);

 private:
  struct Accumulated {
    int64_t intervals = 0;
    double wall_s = 0;
    double cpu_s = 0;
    double peak_rss_mb = 0;
    int64_t flops = 0;
    double cpu_energy_j = 0;
    bool rapl_used = false;
    bool estimate_used = false;
  };
  struct Running {
    std::chrono::steady_clock::time_point wall_start;
    double cpu_start = 0;
    double rapl_start_j = 0;
  };

  Accumulated& entry(const std::string& phase);
  Accumulated with_running(const std::string& phase) const;
  PhaseMeasure derive(const std::string& name, const Accumulated& accumulated) const;
  void add_interval(const Running& running, Accumulated& accumulated) const;

  GreenOptions options_;
  // Reading the counters only folds their progress into the reader's running total, so const
  // snapshots (phase(), state()) may read them too.
  mutable RaplReader rapl_;
  bool rapl_used_ = false;
  std::vector<std::string> order_;
  std::map<std::string, Accumulated> phases_;
  std::map<std::string, Running> running_;
};

}  // namespace evergreen
