// `evergreen bench classic`: every strategy on Split / Permuted / Rotated Fashion-MNIST in the DER
// paper's protocol, beside its published MNIST numbers, and training speed against Python.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "evergreen/data/vision/mammoth_protocol.h"

namespace evergreen::cli {

struct ClassicBenchOptions {
  std::vector<std::string> benchmarks = mammoth_benchmarks();
  std::vector<std::string> methods = mammoth_methods();
  std::vector<int64_t> buffers = {200, 500};
  int64_t seeds = 3;
  int64_t jobs = 2;             ///< runs at once (threads of one process)
  MammothStreamOptions stream;  ///< data directory and rows per task
  /// Rows per task of permuted / rotated (0: all 60,000 / 10,000): a tenth of the training set
  /// and a fifth of the test set keep the whole bench within 30 minutes on two cores.
  int64_t domain_train_rows = 6000;
  int64_t domain_test_rows = 2000;
  std::vector<std::string> parts = {"accuracy", "speed"};
  std::string python = "/usr/bin/python3";
  std::string python_script;  ///< bench/classic_reference.py
  std::string out_dir = "runs/bench-classic";
  bool smoke = false;
};

/// Accuracy: the table Class-IL / Task-IL (Split) and Domain-IL (Permuted, Rotated), mean and
/// standard deviation over seeds, for every method and buffer. Speed: steps/s of evergreen's
/// Trainer against bench/classic_reference.py (same MLP, batch 10, strategy ER and DER++, one
/// thread), both run in this command.
nlohmann::json run_classic_bench(const ClassicBenchOptions& options);

std::string format_classic_bench(const nlohmann::json& result);

}  // namespace evergreen::cli
