// `evergreen bench <suite>`: the macro benchmark tables (markdown on stdout, or --json).
#include <cstdio>
#include <iostream>

#include "classic_bench.h"
#include "commands.h"
#include "evergreen/core/atomic_file.h"
#include "evergreen/core/resource_bounds.h"
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

  add_autoscaling_bench_command(*bench);
  add_tpp_bench_command(*bench);
  add_lm_bench_command(*bench);

  auto classic = std::make_shared<ClassicBenchOptions>();
  classic->python_script = std::string(EVERGREEN_SOURCE_DIR) + "/bench/classic_reference.py";
  auto classic_json = std::make_shared<bool>(false);
  CLI::App* classic_command = bench->add_subcommand(
      "classic",
      "Split / Permuted / Rotated Fashion-MNIST: every strategy in the DER paper's "
      "protocol (after Buzzega et al. 2020), and training speed against Python");
  classic_command->add_option("--benchmarks", classic->benchmarks, "split, permuted, rotated")
      ->delimiter(',')
      ->capture_default_str();
  classic_command->add_option("--methods", classic->methods, "methods of the table")
      ->delimiter(',')
      ->capture_default_str();
  classic_command->add_option("--buffers", classic->buffers, "memory sizes of the buffered methods")
      ->delimiter(',')
      ->capture_default_str();
  classic_command->add_option("--seeds", classic->seeds, "seeds per configuration")
      ->capture_default_str();
  classic_command->add_option("--jobs", classic->jobs, "runs at once (one thread each)")
      ->check(CLI::Range(int64_t{1}, max_threads()))
      ->capture_default_str();
  classic_command->add_option("--data", classic->stream.data_dir,
                              "folder of IDX files in the MNIST layout (MNIST, KMNIST, ...; "
                              "default Debian's Fashion-MNIST)");
  classic_command
      ->add_option("--train-rows", classic->stream.train_rows,
                   "training rows kept per task of split (0: all)")
      ->capture_default_str();
  classic_command
      ->add_option("--test-rows", classic->stream.test_rows,
                   "test rows kept per task of split (0: all)")
      ->capture_default_str();
  classic_command
      ->add_option("--domain-train-rows", classic->domain_train_rows,
                   "training rows kept per task of permuted and rotated (0: all)")
      ->capture_default_str();
  classic_command
      ->add_option("--domain-test-rows", classic->domain_test_rows,
                   "test rows kept per task of permuted and rotated (0: all)")
      ->capture_default_str();
  classic_command
      ->add_option("--domain-tasks", classic->stream.domain_tasks, "tasks of permuted and rotated")
      ->capture_default_str();
  classic_command->add_option("--parts", classic->parts, "accuracy, speed")
      ->delimiter(',')
      ->capture_default_str();
  classic_command->add_option("--python", classic->python, "Python with torch")
      ->capture_default_str();
  classic_command->add_option("--out", classic->out_dir, "per-run outputs")->capture_default_str();
  classic_command->add_flag("--smoke", classic->smoke,
                            "a quick version: few rows, split and 3 permuted tasks, one seed");
  classic_command->add_flag("--json", *classic_json, "print JSON instead of markdown");
  classic_command->callback([classic, classic_json] {
    auto result = run_classic_bench(*classic);
    std::cout << (*classic_json ? result.dump(2) + "\n" : format_classic_bench(result));
  });
}

}  // namespace evergreen::cli
