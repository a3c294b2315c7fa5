// `evergreen bench <suite>`: the macro benchmark tables (markdown on stdout, or --json).
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "evergreen/core/atomic_file.h"
#include "overhead_bench.h"

namespace evergreen::cli {

void add_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Run a benchmark suite and print its table");
  bench->require_subcommand(1);

  auto options = std::make_shared<OverheadBenchOptions>();
  options->python_script = std::string(EVERGREEN_SOURCE_DIR) + "/bench/overhead_reference.py";
  auto json = std::make_shared<bool>(false);
  auto out_dir = std::make_shared<std::string>();
  CLI::App* overhead = bench->add_subcommand(
      "overhead",
      "evergreen's Trainer vs a plain LibTorch loop vs Python PyTorch (same model, data, steps)");
  overhead->add_option("--epochs", options->epochs, "epochs per experience")->capture_default_str();
  overhead->add_option("--batch-size", options->batch_size, "rows per step")->capture_default_str();
  overhead->add_option("--hidden-size", options->hidden_size, "MLP hidden units")
      ->capture_default_str();
  overhead->add_option("--memory-size", options->memory_size, "ER memory rows")
      ->capture_default_str();
  overhead->add_option("--repeats", options->repeats, "runs per variant (the best is kept)")
      ->capture_default_str();
  overhead->add_option("--python", options->python, "Python with torch")->capture_default_str();
  overhead->add_option("--python-script", options->python_script, "the Python reference loop")
      ->capture_default_str();
  overhead->add_flag("--json", *json, "print JSON instead of markdown");
  overhead->add_option("--out", *out_dir, "also write overhead.json into this directory");
  overhead->callback([options, json, out_dir] {
    auto result = run_overhead_bench(*options);
    if (!out_dir->empty()) {
      ensure_writable_directory(*out_dir);
      write_file_atomically(*out_dir + "/overhead.json", result.dump(2) + "\n");
    }
    std::cout << (*json ? result.dump(2) + "\n" : format_overhead_bench(result));
  });
}

}  // namespace evergreen::cli
