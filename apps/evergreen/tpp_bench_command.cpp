// `evergreen bench tpp`: the flags of the point-process benchmark.
#include <iostream>

#include "commands.h"
#include "evergreen/core/resource_bounds.h"
#include "tpp_bench.h"

namespace evergreen::cli {

void add_tpp_bench_command(CLI::App& bench) {
  auto tpp = std::make_shared<TppBenchOptions>();
  tpp->data_dir = std::string(EVERGREEN_SOURCE_DIR) + "/../shared/data";
  tpp->python_script = std::string(EVERGREEN_SOURCE_DIR) + "/bench/nhp_reference.py";
  auto tpp_json = std::make_shared<bool>(false);
  CLI::App* tpp_command = bench.add_subcommand(
      "tpp",
      "NHP, AttNHP and THP against the true models of synthetic and generated TPP sets "
      "(or against fitted parametric references on any event data), their training speed "
      "against a Python PyTorch reference, and PromptTPP against continual baselines on "
      "event streams");
  CLI::Option* datasets =
      tpp_command
          ->add_option("--datasets", tpp->datasets,
                       "quality-part sets: hawkes1, poisson, renewal (the shared data's) and the "
                       "generated hawkes_slow, hawkes_fast20, hawkes_fast100, hawkes_two_kernels, "
                       "self_correcting (docs/tpp.md)")
          ->delimiter(',')
          ->capture_default_str();
  tpp_command
      ->add_option("--data", tpp->data_files,
                   "event data files for the quality part (npz, EasyTPP JSON, RMTPP text; "
                   "instead of --datasets unless that is given too)")
      ->delimiter(',');
  tpp_command
      ->add_option("--format", tpp->data_format,
                   "format of --data: auto (by extension), "
                   "npz, easytpp or rmtpp")
      ->check(CLI::IsMember({"auto", "npz", "easytpp", "rmtpp"}))
      ->capture_default_str();
  tpp_command->add_option("--time-file", tpp->time_file,
                          "RMTPP: the time file of --data's event file (default: its name with "
                          "'event' replaced by 'time')");
  tpp_command->add_option("--test-data", tpp->test_file,
                          "test sequences from this file (e.g. EasyTPP's test.json); --data is "
                          "then all training data");
  tpp_command->add_option("--train", tpp->train_range,
                          "training sequences, an inclusive index range A-B (default 0-47 of 64: "
                          "the first 75%)");
  tpp_command->add_option("--test", tpp->test_range,
                          "test sequences, A-B (default 56-63 of 64: the last 12.5%; all of "
                          "--test-data)");
  tpp_command
      ->add_option("--models", tpp->models,
                   "quality-part models by registry name (one not registered is skipped)")
      ->delimiter(',')
      ->capture_default_str();
  tpp_command->add_option("--integral-rule", tpp->integral_rule,
                          "training integral rule of every model (default: the model's own)");
  tpp_command->add_option("--thp-epochs", tpp->thp_epochs, "THP training epochs")
      ->capture_default_str();
  tpp_command
      ->add_option("--thp-window", tpp->thp_window,
                   "THP learns and is scored on windows of this many events (0: whole "
                   "sequences)")
      ->capture_default_str();
  tpp_command
      ->add_option("--thp-integral-points", tpp->thp_integral_points,
                   "THP integral points per interval in training")
      ->capture_default_str();
  tpp_command->add_option("--epochs", tpp->epochs, "NHP training epochs")->capture_default_str();
  tpp_command->add_option("--learning-rate", tpp->learning_rate, "Adam's learning rate")
      ->capture_default_str();
  tpp_command->add_option("--batch-size", tpp->batch_size, "sequences per step")
      ->capture_default_str();
  tpp_command->add_option("--hidden-size", tpp->hidden_size, "NHP hidden units")
      ->capture_default_str();
  tpp_command
      ->add_option("--integral-points", tpp->integral_points,
                   "integral points per interval in training")
      ->capture_default_str();
  tpp_command
      ->add_option("--evaluation-points", tpp->evaluation_points,
                   "integral points per interval in evaluation")
      ->capture_default_str();
  tpp_command->add_option("--max-events", tpp->max_events, "truncate sequences (0: all)")
      ->capture_default_str();
  tpp_command->add_option("--attnhp-epochs", tpp->attnhp_epochs, "AttNHP training epochs")
      ->capture_default_str();
  tpp_command
      ->add_option("--attnhp-window", tpp->attnhp_window,
                   "AttNHP learns and is scored on windows of this many events")
      ->capture_default_str();
  tpp_command
      ->add_option("--attnhp-integral-points", tpp->attnhp_integral_points,
                   "AttNHP integral points per interval in training")
      ->capture_default_str();
  tpp_command
      ->add_option("--jobs", tpp->jobs,
                   "quality-part trainings run at once, one thread each (results do not depend "
                   "on it)")
      ->check(CLI::Range(int64_t{1}, max_threads()))
      ->capture_default_str();
  tpp_command->add_option("--speed-steps", tpp->speed_steps, "training steps timed for speed")
      ->capture_default_str();
  tpp_command
      ->add_option("--data-dir", tpp->data_dir,
                   "shared data folder holding tpp/synth and tpp/stackoverflow")
      ->capture_default_str();
  tpp_command->add_option("--python", tpp->python, "Python with torch")->capture_default_str();
  tpp_command->add_option("--parts", tpp->parts, "quality, speed, continual")
      ->delimiter(',')
      ->capture_default_str();
  tpp_command->add_option("--seeds", tpp->seeds, "seeds of the continual part")
      ->capture_default_str();
  tpp_command
      ->add_option("--continual-epochs", tpp->continual_epochs,
                   "epochs per window in the continual part")
      ->capture_default_str();
  tpp_command
      ->add_option("--thinning-samples", tpp->thinning_samples,
                   "thinning chains per next-event prediction (continual part)")
      ->capture_default_str();
  tpp_command->add_option("--out", tpp->out_dir, "per-run outputs of the continual part")
      ->capture_default_str();
  tpp_command->add_flag("--smoke", tpp->smoke,
                        "a quick version: hawkes1 and self_correcting (or --data alone), 64 "
                        "events, 1 epoch, no continual part");
  tpp_command->add_flag("--json", *tpp_json, "print JSON instead of markdown");
  tpp_command->callback([tpp, tpp_json, datasets] {
    // --data replaces the default sets; given together with --datasets, both run.
    if (!tpp->data_files.empty() && datasets->count() == 0) tpp->datasets.clear();
    auto result = run_tpp_bench(*tpp);
    std::cout << (*tpp_json ? result.dump(2) + "\n" : format_tpp_bench(result));
  });
}

}  // namespace evergreen::cli
