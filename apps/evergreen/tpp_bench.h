// `evergreen bench tpp`: neural point processes against exact ground truth, and their speed.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace evergreen::cli {

struct TppBenchOptions {
  /// Quality-part sets: the shared data's synthetic sets (hawkes1, poisson, renewal) and the
  /// generated ones (data/tpp/ground_truth.h: hawkes_slow, hawkes_fast20, hawkes_fast100,
  /// hawkes_two_kernels, self_correcting).
  std::vector<std::string> datasets = {"hawkes1",
                                       "poisson",
                                       "renewal",
                                       "hawkes_slow",
                                       "hawkes_fast20",
                                       "hawkes_fast100",
                                       "hawkes_two_kernels",
                                       "self_correcting"};
  std::vector<std::string> data_files;  ///< any event data (npz, EasyTPP JSON, RMTPP text)
  std::string data_format = "auto";     ///< npz, easytpp, rmtpp or auto (by extension)
  std::string time_file;                ///< RMTPP: the times beside --data's event file
  std::string test_file;                ///< test sequences from another file (EasyTPP's test.json)
  std::string train_range;              ///< "A-B" inclusive; empty: 0-47 of 64 (the first 75%)
  std::string test_range;               ///< empty: 56-63 of 64 (the last 12.5%), all of test_file
  std::vector<std::string> models = {"nhp", "attnhp", "thp"};  ///< model registry names
  int64_t epochs = 50;                                         ///< NHP
  double learning_rate = 3e-3;
  int64_t batch_size = 8;
  int64_t hidden_size = 32;
  int64_t integral_points = 20;     ///< training (NHP)
  std::string integral_rule;        ///< empty: each model's default (integral_rule.h)
  int64_t evaluation_points = 200;  ///< evaluation: a converged integral
  int64_t max_events = 0;           ///< truncate sequences (0: all 1,024 events)
  int64_t attnhp_epochs = 30;
  int64_t attnhp_window = 128;          ///< AttNHP learns on windows of this many events
  int64_t attnhp_integral_points = 10;  ///< training
  int64_t thp_epochs = 30;
  int64_t thp_window = 0;            ///< 0: THP learns on whole sequences
  int64_t thp_integral_points = 20;  ///< training
  int64_t jobs = 2;                  ///< quality-part trainings run at once (one thread each)
  int64_t speed_steps = 10;
  std::string data_dir;  ///< holds tpp/synth and tpp/stackoverflow
  std::string python = "/usr/bin/python3";
  std::string python_script;  ///< bench/nhp_reference.py
  bool smoke = false;
  int64_t seeds = 3;  ///< continual part
  int64_t continual_epochs = 3;
  int64_t thinning_samples = 20;  ///< thinning chains per prediction (continual part)
  std::vector<std::string> parts = {"quality", "speed", "continual"};
  std::string out_dir = "runs/bench-tpp";
};

/// Quality: each model of `models` (NHP, AttNHP, THP, built through the model registry; a name
/// not registered is skipped with a note) trained on the training split of every data set and
/// scored on its test split (EasyTPP's convention and over [0, t_N]) next to the true model where
/// one is known (the synthetic and generated sets) and to parametric references fitted on the
/// training split (one Poisson rate per type, log-normal gaps with independent marks, an
/// exponential Hawkes MLE with independent marks). Speed: NHP and AttNHP training events/s and
/// peak RSS, and the Python reference, one thread. Continual: Naive, Retrain, Pretrain, ER and
/// PromptTPP on AttNHP over event streams.
nlohmann::json run_tpp_bench(const TppBenchOptions& options);

std::string format_tpp_bench(const nlohmann::json& result);

}  // namespace evergreen::cli
