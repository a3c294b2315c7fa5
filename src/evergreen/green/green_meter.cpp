#include "evergreen/green/green_meter.h"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"

namespace evergreen {
namespace {

constexpr double kJoulesPerKwh = 3.6e6;
constexpr double kMibPerGb = 1024.0;  // RSS is in MiB; the RAM constant is per GiB
constexpr int kStateVersion = 1;
// "total" names the summed row of green.csv, so no phase may take the name.
constexpr const char* kTotalName = "total";

// User + system CPU time of every thread of the process: a model trained on 4 threads for 1 s
// of wall time uses about 4 CPU seconds, and draws about 4 cores' worth of power.
double process_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// The process's peak resident set so far (Linux reports ru_maxrss in KiB).
double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

std::string combine_sources(bool rapl_used, bool estimate_used, const std::string& fallback) {
  if (rapl_used && estimate_used) return "mixed";
  if (rapl_used) return "rapl";
  if (estimate_used) return "estimate";
  return fallback;
}

void check_phase_name(const std::string& phase) {
  EVERGREEN_ASSERT(!phase.empty() && phase != kTotalName,
                   "green meter phase name '{}' is empty or reserved", phase);
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string utc_timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

double per_second(double amount, double seconds) { return seconds > 0 ? amount / seconds : 0.0; }

// The constants whose product is each energy and CO2 figure, named in a refusal.
constexpr const char* kGreenConstants =
    "green.grid_intensity, green.pue, green.cpu_watts_per_core and green.ram_watts_per_gb";

// Every figure written must be a number: summary.json would hold `null` and green.csv `inf`.
void check_finite_measure(const PhaseMeasure& measure) {
  const std::pair<const char*, double> figures[] = {{"CPU energy", measure.cpu_energy_kwh},
                                                    {"RAM energy", measure.ram_energy_kwh},
                                                    {"energy", measure.energy_kwh},
                                                    {"CO2", measure.co2_kg}};
  for (const auto& [figure, value] : figures)
    EVERGREEN_CHECK_INPUT(std::isfinite(value),
                          "green meter: the {} of phase '{}' is not a finite number ({}): check "
                          "{}",
                          figure, measure.name, value, kGreenConstants);
}

}  // namespace

GreenOptions read_green_options(Options& options) {
  GreenOptions green;
  green.grid_intensity_g_per_kwh = options.get<double>(
      "grid_intensity", green.grid_intensity_g_per_kwh,
      "grams of CO2 per kWh of electricity (world average 475, IEA 2019; 0-2000)");
  green.pue =
      options.get<double>("pue", green.pue, "power usage effectiveness of the data centre (1-10)");
  green.cpu_watts_per_core = options.get<double>(
      "cpu_watts_per_core", green.cpu_watts_per_core,
      "watts per busy core when energy is estimated (85 W TDP * 50% load / 4 cores; 0-1000)");
  green.ram_watts_per_gb = options.get<double>("ram_watts_per_gb", green.ram_watts_per_gb,
                                               "watts per GB of resident memory (0-100)");
  green.use_rapl = options.get<bool>("use_rapl", green.use_rapl,
                                     "measure CPU energy with Intel RAPL if readable");

  // Plausible ranges, not just signs: an absurd constant (1e308 gCO2/kWh) would make the CO2
  // infinite, and a run's report must not say `null` where a number was asked for.
  auto check = [&](const char* key, double value, double low, double high, const char* unit) {
    EVERGREEN_CHECK_INPUT(std::isfinite(value) && value >= low && value <= high,
                          "{}: expected a number >= {} and <= {} ({}), got {}", options.where(key),
                          low, high, unit, value);
  };
  check("grid_intensity", green.grid_intensity_g_per_kwh, 0, kMostGridIntensityGPerKwh, "gCO2/kWh");
  check("pue", green.pue, 1, kMostPue, "facility energy / IT energy");
  check("cpu_watts_per_core", green.cpu_watts_per_core, 0, kMostCpuWattsPerCore, "watts");
  check("ram_watts_per_gb", green.ram_watts_per_gb, 0, kMostRamWattsPerGb, "watts per GB");
  return green;
}

nlohmann::json PhaseMeasure::to_json() const {
  return {{"intervals", intervals},
          {"wall_s", wall_s},
          {"cpu_s", cpu_s},
          {"peak_rss_mb", peak_rss_mb},
          {"flops", flops},
          {"cpu_energy_kwh", cpu_energy_kwh},
          {"ram_energy_kwh", ram_energy_kwh},
          {"energy_kwh", energy_kwh},
          {"energy_source", energy_source},
          {"co2_kg", co2_kg}};
}

GreenMeter::Scope::Scope(GreenMeter& meter, std::string phase)
    : meter_(&meter), phase_(std::move(phase)) {
  meter_->start(phase_);
}

GreenMeter::Scope::Scope(Scope&& other) noexcept
    : meter_(other.meter_), phase_(std::move(other.phase_)) {
  other.meter_ = nullptr;
}

GreenMeter::Scope::~Scope() {
  // An exception unwinding through the scope still closes the phase. stop() of a running phase
  // only throws on allocation failure; a destructor must not, so such an interval is dropped.
  if (meter_ == nullptr || !meter_->running(phase_)) return;
  try {
    meter_->stop(phase_);
  } catch (...) {
  }
}

GreenMeter::GreenMeter(GreenOptions options, const std::string& rapl_root)
    : options_(options), rapl_(options.use_rapl ? rapl_root : std::string()) {
  rapl_used_ = options_.use_rapl && rapl_.available();
}

GreenMeter::Accumulated& GreenMeter::entry(const std::string& phase) {
  check_phase_name(phase);
  auto found = phases_.find(phase);
  if (found != phases_.end()) return found->second;
  order_.push_back(phase);
  return phases_[phase];
}

void GreenMeter::start(const std::string& phase) {
  entry(phase);
  EVERGREEN_ASSERT(!running(phase), "green meter phase '{}' started twice", phase);
  Running started;
  started.rapl_start_j = rapl_used_ ? rapl_.read_joules() : 0.0;
  started.cpu_start = process_cpu_seconds();
  started.wall_start = std::chrono::steady_clock::now();
  running_[phase] = started;
}

void GreenMeter::add_interval(const Running& running, Accumulated& accumulated) const {
  auto wall_end = std::chrono::steady_clock::now();
  double cpu_end = process_cpu_seconds();
  double cpu_s = std::max(0.0, cpu_end - running.cpu_start);
  accumulated.intervals += 1;
  accumulated.wall_s += std::chrono::duration<double>(wall_end - running.wall_start).count();
  accumulated.cpu_s += cpu_s;
  accumulated.peak_rss_mb = std::max(accumulated.peak_rss_mb, peak_rss_mb());
  if (rapl_used_) {
    accumulated.cpu_energy_j += std::max(0.0, rapl_.read_joules() - running.rapl_start_j);
    accumulated.rapl_used = true;
  } else {
    accumulated.cpu_energy_j += cpu_s * options_.cpu_watts_per_core;
    accumulated.estimate_used = true;
  }
}

void GreenMeter::stop(const std::string& phase) {
  auto found = running_.find(phase);
  EVERGREEN_ASSERT(found != running_.end(), "green meter phase '{}' stopped but not running",
                   phase);
  add_interval(found->second, phases_.at(phase));
  running_.erase(found);
}

GreenMeter::Scope GreenMeter::measure(const std::string& phase) { return Scope(*this, phase); }

void GreenMeter::add_flops(const std::string& phase, int64_t macs) {
  EVERGREEN_ASSERT(macs >= 0, "green meter: negative MAC count {} for phase '{}'", macs, phase);
  Accumulated& accumulated = entry(phase);
  EVERGREEN_ASSERT(!__builtin_add_overflow(accumulated.flops, macs, &accumulated.flops),
                   "green meter: MAC count of phase '{}' overflows 64 bits", phase);
}

GreenMeter::Accumulated GreenMeter::with_running(const std::string& phase) const {
  Accumulated accumulated;
  auto found = phases_.find(phase);
  if (found != phases_.end()) accumulated = found->second;
  auto running = running_.find(phase);
  if (running != running_.end()) add_interval(running->second, accumulated);
  return accumulated;
}

PhaseMeasure GreenMeter::derive(const std::string& name, const Accumulated& accumulated) const {
  PhaseMeasure measure;
  measure.name = name;
  measure.intervals = accumulated.intervals;
  measure.wall_s = accumulated.wall_s;
  measure.cpu_s = accumulated.cpu_s;
  measure.peak_rss_mb = accumulated.peak_rss_mb;
  measure.flops = accumulated.flops;
  double ram_energy_j =
      options_.ram_watts_per_gb * (accumulated.peak_rss_mb / kMibPerGb) * accumulated.wall_s;
  measure.cpu_energy_kwh = accumulated.cpu_energy_j / kJoulesPerKwh;
  measure.ram_energy_kwh = ram_energy_j / kJoulesPerKwh;
  measure.energy_kwh = (measure.cpu_energy_kwh + measure.ram_energy_kwh) * options_.pue;
  measure.co2_kg = measure.energy_kwh * options_.grid_intensity_g_per_kwh / 1000.0;
  measure.energy_source =
      combine_sources(accumulated.rapl_used, accumulated.estimate_used, energy_source());
  return measure;
}

PhaseMeasure GreenMeter::phase(const std::string& name) const {
  return derive(name, with_running(name));
}

PhaseMeasure GreenMeter::total() const {
  PhaseMeasure sum;
  sum.name = kTotalName;
  bool rapl_used = false;
  bool estimate_used = false;
  for (const std::string& name : order_) {
    Accumulated accumulated = with_running(name);
    PhaseMeasure one = derive(name, accumulated);
    sum.intervals += one.intervals;
    sum.wall_s += one.wall_s;
    sum.cpu_s += one.cpu_s;
    sum.peak_rss_mb = std::max(sum.peak_rss_mb, one.peak_rss_mb);
    sum.flops += one.flops;
    sum.cpu_energy_kwh += one.cpu_energy_kwh;
    sum.ram_energy_kwh += one.ram_energy_kwh;
    sum.energy_kwh += one.energy_kwh;
    sum.co2_kg += one.co2_kg;
    rapl_used = rapl_used || accumulated.rapl_used;
    estimate_used = estimate_used || accumulated.estimate_used;
  }
  sum.energy_source = combine_sources(rapl_used, estimate_used, energy_source());
  return sum;
}

nlohmann::json GreenMeter::summary_json() const {
  PhaseMeasure sum = total();
  check_finite_measure(sum);
  nlohmann::json phases = nlohmann::json::object();
  for (const std::string& name : order_) phases[name] = phase(name).to_json();
  return {{"wall_s", sum.wall_s},
          {"cpu_s", sum.cpu_s},
          {"peak_rss_mb", sum.peak_rss_mb},
          {"train_flops", phases_.count("train") ? phases_.at("train").flops : 0},
          {"energy_kwh", sum.energy_kwh},
          {"energy_source", sum.energy_source},
          {"co2_kg", sum.co2_kg},
          {"phases", phases},
          {"constants",
           {{"grid_intensity_g_per_kwh", options_.grid_intensity_g_per_kwh},
            {"pue", options_.pue},
            {"cpu_watts_per_core", options_.cpu_watts_per_core},
            {"ram_watts_per_gb", options_.ram_watts_per_gb},
            {"use_rapl", options_.use_rapl},
            {"rapl_available", rapl_.available()}}}};
}

void GreenMeter::write_csv(const std::string& file, const std::string& experiment,
                           const std::string& run_id) const {
  std::string timestamp = utc_timestamp();
  std::string csv =
      "timestamp,project_name,run_id,phase,duration,cpu_seconds,peak_rss_mb,flops,emissions,"
      "emissions_rate,cpu_power,ram_power,cpu_energy,ram_energy,energy_consumed,energy_source,"
      "grid_intensity,pue\n";
  auto add_row = [&](const PhaseMeasure& measure) {
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", timestamp,
                       csv_field(experiment), csv_field(run_id), csv_field(measure.name),
                       measure.wall_s, measure.cpu_s, measure.peak_rss_mb, measure.flops,
                       measure.co2_kg, per_second(measure.co2_kg, measure.wall_s),
                       per_second(measure.cpu_energy_kwh * kJoulesPerKwh, measure.wall_s),
                       per_second(measure.ram_energy_kwh * kJoulesPerKwh, measure.wall_s),
                       measure.cpu_energy_kwh, measure.ram_energy_kwh, measure.energy_kwh,
                       measure.energy_source, options_.grid_intensity_g_per_kwh, options_.pue);
  };
  PhaseMeasure sum = total();
  check_finite_measure(sum);
  for (const std::string& name : order_) add_row(phase(name));
  add_row(sum);
  write_file_atomically(file, csv);
}

nlohmann::json GreenMeter::state() const {
  nlohmann::json phases = nlohmann::json::array();
  for (const std::string& name : order_) {
    Accumulated accumulated = with_running(name);
    phases.push_back({{"name", name},
                      {"intervals", accumulated.intervals},
                      {"wall_s", accumulated.wall_s},
                      {"cpu_s", accumulated.cpu_s},
                      {"peak_rss_mb", accumulated.peak_rss_mb},
                      {"flops", accumulated.flops},
                      {"cpu_energy_j", accumulated.cpu_energy_j},
                      {"rapl_used", accumulated.rapl_used},
                      {"estimate_used", accumulated.estimate_used}});
  }
  return {{"version", kStateVersion}, {"phases", phases}};
}

void GreenMeter::restore(const nlohmann::json& state) {
  std::vector<std::string> order;
  std::map<std::string, Accumulated> phases;
  try {
    int version = state.at("version").get<int>();
    EVERGREEN_CHECK_INPUT(version == kStateVersion,
                          "green meter state: version {} is not the supported {}", version,
                          kStateVersion);
    for (const auto& item : state.at("phases")) {
      auto name = item.at("name").get<std::string>();
      EVERGREEN_CHECK_INPUT(!name.empty() && name != kTotalName && !phases.count(name),
                            "green meter state: bad or repeated phase name '{}'", name);
      Accumulated accumulated;
      accumulated.intervals = item.at("intervals").get<int64_t>();
      accumulated.wall_s = item.at("wall_s").get<double>();
      accumulated.cpu_s = item.at("cpu_s").get<double>();
      accumulated.peak_rss_mb = item.at("peak_rss_mb").get<double>();
      accumulated.flops = item.at("flops").get<int64_t>();
      accumulated.cpu_energy_j = item.at("cpu_energy_j").get<double>();
      accumulated.rapl_used = item.at("rapl_used").get<bool>();
      accumulated.estimate_used = item.at("estimate_used").get<bool>();
      EVERGREEN_CHECK_INPUT(accumulated.intervals >= 0 && accumulated.wall_s >= 0 &&
                                accumulated.cpu_s >= 0 && accumulated.peak_rss_mb >= 0 &&
                                accumulated.flops >= 0 && accumulated.cpu_energy_j >= 0,
                            "green meter state: phase '{}' has a negative measure", name);
      order.push_back(name);
      phases[name] = accumulated;
    }
  } catch (const nlohmann::json::exception& error) {
    throw InputError(fmt::format("green meter state: malformed: {}", error.what()));
  }
  order_ = std::move(order);
  phases_ = std::move(phases);
  running_.clear();
}

}  // namespace evergreen
