// What a run writes (DESIGN.md's output contract) and prints.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace evergreen {

/// metrics.jsonl: one line per evaluation {"strategy", "after_experience", "experience", "metrics"}
/// (after_experience 0 is the evaluation before training).
void write_evaluations(const std::string& file, const std::string& label,
                       const nlohmann::json& evaluations);

/// summary.json, matrix.csv and, when gnuplot is installed, matrix.png.
void write_strategy_outputs(const std::string& directory, const nlohmann::json& summary);

/// comparison.json (the summaries side by side) and, with gnuplot, comparison.png.
void write_comparison(const std::string& directory, const std::vector<nlohmann::json>& summaries);

/// A readable table, one column per strategy: ACC, BWT, FWT, forgetting, final metrics, memory,
/// time, FLOPs and energy.
std::string format_comparison_table(const std::vector<nlohmann::json>& summaries);


}  // namespace evergreen
