// `evergreen bench overhead`: the cost of the engine around a training step.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace evergreen::cli {

struct OverheadBenchOptions {
  int64_t epochs = 50;
  int64_t batch_size = 32;
  int64_t hidden_size = 64;
  int64_t memory_size = 200;
  int64_t repeats = 5;
  std::string python = "/usr/bin/python3";
  std::string python_script;  ///< bench/overhead_reference.py
};

/// Trains the same MLP forecaster on the same synthetic workload stream, one thread, with Naive
/// and ER: (a) through evergreen's Trainer, (b) a plain hand-written LibTorch loop,
/// (c) the same loop in Python PyTorch. Returns steps/s of each and the ratios.
nlohmann::json run_overhead_bench(const OverheadBenchOptions& options);

/// Markdown table of the result.
std::string format_overhead_bench(const nlohmann::json& result);

}  // namespace evergreen::cli
