#include "evergreen/green/rapl.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>

namespace evergreen {
namespace {

// A powercap attribute holds one decimal integer and a newline. Anything else (a missing file,
// EACCES on energy_uj for non-root users, garbage) reads as nothing.
std::optional<uint64_t> read_counter(const std::string& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string text;
  if (!std::getline(in, text) || text.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c == '\r' || c == ' ') break;
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::string read_name(const std::string& file) {
  std::ifstream in(file);
  std::string name;
  if (in) std::getline(in, name);
  return name;
}

// "intel-rapl:3" is a package domain; "intel-rapl:3:0" is a sub-zone; "intel-rapl" is the
// control type itself and holds no counter.
bool is_package_directory_name(const std::string& name) {
  constexpr std::string_view kPrefix = "intel-rapl:";
  if (name.size() <= kPrefix.size() || name.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  return std::all_of(name.begin() + kPrefix.size(), name.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

}  // namespace

uint64_t rapl_delta(uint64_t before, uint64_t after, uint64_t max_range) {
  if (after >= before) return after - before;
  if (before > max_range) return after;
  return max_range - before + after;
}

RaplReader::RaplReader(std::string root) : root_(std::move(root)) {
  std::error_code error;
  std::filesystem::directory_iterator entries(root_, error);
  if (error) return;
  for (const auto& entry : entries) {
    std::string name = entry.path().filename().string();
    if (!is_package_directory_name(name)) continue;
    std::string directory = entry.path().string();
    // Where the kernel names the domain, keep only packages: a top-level "psys" domain (recent
    // laptops) measures the whole SoC and would count the packages twice.
    std::string domain_name = read_name(directory + "/name");
    if (!domain_name.empty() && domain_name.rfind("package", 0) != 0) continue;
    domains_.push_back({directory, 0, 0});
  }
  std::sort(domains_.begin(), domains_.end(),
            [](const Domain& a, const Domain& b) { return a.directory < b.directory; });
  if (domains_.empty()) return;
  for (Domain& domain : domains_) {
    auto max_range = read_counter(domain.directory + "/max_energy_range_uj");
    auto energy = read_counter(domain.directory + "/energy_uj");
    // Half the packages would be a wrong answer that looks right: all or nothing.
    if (!max_range || !energy || *max_range == 0) {
      domains_.clear();
      return;
    }
    domain.max_range_uj = *max_range;
    domain.last_uj = *energy;
  }
  available_ = true;
}

double RaplReader::read_joules() {
  if (!available_) return 0.0;
  for (Domain& domain : domains_) {
    auto energy = read_counter(domain.directory + "/energy_uj");
    if (!energy) continue;
    total_uj_ += rapl_delta(domain.last_uj, *energy, domain.max_range_uj);
    domain.last_uj = *energy;
  }
  return static_cast<double>(total_uj_) * 1e-6;
}

std::vector<std::string> RaplReader::domains() const {
  std::vector<std::string> directories;
  for (const Domain& domain : domains_) directories.push_back(domain.directory);
  return directories;
}

}  // namespace evergreen
