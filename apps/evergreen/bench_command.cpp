// `evergreen bench <suite>`: the macro benchmark tables (markdown on stdout, or --json).
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "evergreen/core/atomic_file.h"
#include "autoscaling_bench.h"
#include "classic_bench.h"
#include "overhead_bench.h"
#include "tpp_bench.h"

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

  auto scaling = std::make_shared<AutoscalingBenchOptions>();
  scaling->data_dir = std::string(EVERGREEN_SOURCE_DIR) + "/../shared/data";
  scaling->out_dir = "runs/bench-autoscaling";
  auto scaling_json = std::make_shared<bool>(false);
  CLI::App* autoscaling = bench->add_subcommand(
      "autoscaling",
      "Every strategy (and two references) on workload streams: forecast error, forgetting, "
      "cost, and the SLO effect of scaling on the forecasts (after Hao et al., CIKM 2023)");
  autoscaling->add_option("--seeds", scaling->seeds, "seeds per configuration")->capture_default_str();
  autoscaling->add_option("--memory-fractions", scaling->memory_fractions,
                          "memory budgets as fractions of the stream's training windows")
      ->delimiter(',')
      ->capture_default_str();
  autoscaling->add_option("--streams", scaling->streams, "synthetic, alibaba, nasa")
      ->delimiter(',')
      ->capture_default_str();
  autoscaling->add_option("--epochs", scaling->epochs, "epochs per period")->capture_default_str();
  autoscaling->add_option("--data", scaling->data_dir, "folder holding workload/ (shared data)")
      ->capture_default_str();
  autoscaling->add_option("--out", scaling->out_dir, "per-run outputs, traces and plots")
      ->capture_default_str();
  autoscaling->add_flag("--smoke", scaling->smoke,
                        "one-minute version: synthetic stream, one seed, 2 epochs, few strategies");
  autoscaling->add_flag("--json", *scaling_json, "print JSON instead of markdown");
  autoscaling->callback([scaling, scaling_json] {
    auto result = run_autoscaling_bench(*scaling);
    std::cout << (*scaling_json ? result.dump(2) + "\n" : format_autoscaling_bench(result));
  });

  auto tpp = std::make_shared<TppBenchOptions>();
  tpp->data_dir = std::string(EVERGREEN_SOURCE_DIR) + "/../shared/data";
  tpp->python_script = std::string(EVERGREEN_SOURCE_DIR) + "/bench/nhp_reference.py";
  auto tpp_json = std::make_shared<bool>(false);
  CLI::App* tpp_command = bench->add_subcommand(
      "tpp", "NHP and AttNHP against the true models of the synthetic TPP sets, their training "
             "speed against a Python PyTorch reference, and PromptTPP against continual "
             "baselines on event streams");
  tpp_command->add_option("--datasets", tpp->datasets, "synthetic sets of the quality part")
      ->delimiter(',')
      ->capture_default_str();
  tpp_command->add_option("--epochs", tpp->epochs, "NHP training epochs")->capture_default_str();
  tpp_command->add_option("--learning-rate", tpp->learning_rate, "Adam's learning rate")
      ->capture_default_str();
  tpp_command->add_option("--batch-size", tpp->batch_size, "sequences per step")
      ->capture_default_str();
  tpp_command->add_option("--hidden-size", tpp->hidden_size, "NHP hidden units")
      ->capture_default_str();
  tpp_command->add_option("--integral-points", tpp->integral_points,
                          "integral points per interval in training")->capture_default_str();
  tpp_command->add_option("--evaluation-points", tpp->evaluation_points,
                          "integral points per interval in evaluation")->capture_default_str();
  tpp_command->add_option("--max-events", tpp->max_events, "truncate sequences (0: all)")
      ->capture_default_str();
  tpp_command->add_option("--attnhp-epochs", tpp->attnhp_epochs, "AttNHP training epochs")
      ->capture_default_str();
  tpp_command->add_option("--attnhp-window", tpp->attnhp_window,
                          "AttNHP learns and is scored on windows of this many events")
      ->capture_default_str();
  tpp_command->add_option("--attnhp-integral-points", tpp->attnhp_integral_points,
                          "AttNHP integral points per interval in training")
      ->capture_default_str();
  tpp_command->add_option("--speed-steps", tpp->speed_steps, "training steps timed for speed")
      ->capture_default_str();
  tpp_command->add_option("--data", tpp->data_dir, "folder holding tpp/synth")
      ->capture_default_str();
  tpp_command->add_option("--python", tpp->python, "Python with torch")->capture_default_str();
  tpp_command->add_option("--parts", tpp->parts, "quality, speed, continual")
      ->delimiter(',')
      ->capture_default_str();
  tpp_command->add_option("--seeds", tpp->seeds, "seeds of the continual part")
      ->capture_default_str();
  tpp_command->add_option("--continual-epochs", tpp->continual_epochs,
                          "epochs per window in the continual part")->capture_default_str();
  tpp_command->add_option("--thinning-samples", tpp->thinning_samples,
                          "thinning chains per next-event prediction (continual part)")
      ->capture_default_str();
  tpp_command->add_option("--out", tpp->out_dir, "per-run outputs of the continual part")
      ->capture_default_str();
  tpp_command->add_flag("--smoke", tpp->smoke, "a quick version: hawkes1, 64 events, 1 epoch, no continual part");
  tpp_command->add_flag("--json", *tpp_json, "print JSON instead of markdown");
  tpp_command->callback([tpp, tpp_json] {
    auto result = run_tpp_bench(*tpp);
    std::cout << (*tpp_json ? result.dump(2) + "\n" : format_tpp_bench(result));
  });

  auto classic = std::make_shared<ClassicBenchOptions>();
  classic->python_script = std::string(EVERGREEN_SOURCE_DIR) + "/bench/classic_reference.py";
  auto classic_json = std::make_shared<bool>(false);
  CLI::App* classic_command = bench->add_subcommand(
      "classic", "Split / Permuted / Rotated Fashion-MNIST: every strategy in the DER paper's "
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
      ->capture_default_str();
  classic_command->add_option("--data", classic->stream.data_dir,
                              "folder of IDX files in the MNIST layout (MNIST, KMNIST, ...; "
                              "default Debian's Fashion-MNIST)");
  classic_command->add_option("--train-rows", classic->stream.train_rows,
                              "training rows kept per task of split (0: all)")
      ->capture_default_str();
  classic_command->add_option("--test-rows", classic->stream.test_rows,
                              "test rows kept per task of split (0: all)")->capture_default_str();
  classic_command->add_option("--domain-train-rows", classic->domain_train_rows,
                              "training rows kept per task of permuted and rotated (0: all)")
      ->capture_default_str();
  classic_command->add_option("--domain-test-rows", classic->domain_test_rows,
                              "test rows kept per task of permuted and rotated (0: all)")
      ->capture_default_str();
  classic_command->add_option("--domain-tasks", classic->stream.domain_tasks,
                              "tasks of permuted and rotated")->capture_default_str();
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
