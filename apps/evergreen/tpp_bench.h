// `evergreen bench tpp`: neural point processes against exact ground truth, and their speed.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace evergreen::cli {

struct TppBenchOptions {
  std::vector<std::string> datasets = {"hawkes1", "poisson", "renewal"};
  int64_t epochs = 50;
  double learning_rate = 3e-3;
  int64_t batch_size = 8;
  int64_t hidden_size = 32;
  int64_t integral_points = 20;       ///< training
  int64_t evaluation_points = 200;    ///< evaluation: a converged integral
  int64_t max_events = 0;             ///< truncate sequences (0: all 1,024 events)
  int64_t attnhp_epochs = 30;
  int64_t attnhp_window = 128;        ///< AttNHP learns on windows of this many events
  int64_t attnhp_integral_points = 10;  ///< training
  int64_t speed_steps = 10;
  std::string data_dir;               ///< holds tpp/synth
  std::string python = "/usr/bin/python3";
  std::string python_script;          ///< bench/nhp_reference.py
  bool smoke = false;
  int64_t seeds = 3;                  ///< continual part
  int64_t continual_epochs = 3;
  int64_t thinning_samples = 20;      ///< thinning chains per prediction (continual part)
  std::vector<std::string> parts = {"quality", "speed", "continual"};
  std::string out_dir = "runs/bench-tpp";
};

/// Quality: NHP and AttNHP trained on sequences 0-47 of hawkes1, poisson and renewal, NLL per
/// event on sequences 56-63 (EasyTPP's convention and over [0, t_N]) next to the true model's and
/// a Hawkes MLE. Speed: NHP and AttNHP training events/s and peak RSS, and the Python reference,
/// one thread. Continual: Naive, Retrain, Pretrain, ER and PromptTPP on AttNHP over event streams.
nlohmann::json run_tpp_bench(const TppBenchOptions& options);

std::string format_tpp_bench(const nlohmann::json& result);

}  // namespace evergreen::cli
