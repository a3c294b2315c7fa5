#include "evergreen/strategies/strategy_registry.h"

#include "evergreen/strategies/averaged_gem.h"
#include "evergreen/strategies/dark_experience_replay.h"
#include "evergreen/strategies/dmshm.h"
#include "evergreen/strategies/elastic_weight_consolidation.h"
#include "evergreen/strategies/experience_replay.h"
#include "evergreen/strategies/joint.h"
#include "evergreen/strategies/learning_without_forgetting.h"
#include "evergreen/strategies/naive.h"

namespace evergreen {
namespace {

constexpr const char* kMemoryHelp = "rows kept in memory";
constexpr const char* kReplayBatchHelp = "rows replayed per step (0: the training batch size)";

std::unique_ptr<Strategy> make_naive(Options&) { return std::make_unique<NaiveStrategy>(); }

std::unique_ptr<Strategy> make_joint(Options&) { return std::make_unique<JointStrategy>(); }

std::unique_ptr<Strategy> make_experience_replay(Options& options) {
  return std::make_unique<ExperienceReplayStrategy>(
      ExperienceReplayOptions()
          .memory_size(options.get<int64_t>("memory_size", 200, kMemoryHelp))
          .replay_batch_size(options.get<int64_t>("replay_batch_size", 0, kReplayBatchHelp)));
}

std::unique_ptr<Strategy> make_dark_experience_replay(Options& options) {
  return std::make_unique<DarkExperienceReplayStrategy>(
      DarkExperienceReplayOptions()
          .memory_size(options.get<int64_t>("memory_size", 200, kMemoryHelp))
          .replay_batch_size(options.get<int64_t>("replay_batch_size", 0, kReplayBatchHelp))
          .alpha(options.get<double>("alpha", 0.3, "weight of matching stored outputs"))
          .beta(options.get<double>("beta", 0.5, "weight of the replayed task loss")));
}

std::unique_ptr<Strategy> make_averaged_gem(Options& options) {
  return std::make_unique<AveragedGemStrategy>(
      AveragedGemOptions()
          .memory_size(options.get<int64_t>("memory_size", 200, kMemoryHelp))
          .replay_batch_size(options.get<int64_t>("replay_batch_size", 0, kReplayBatchHelp)));
}

std::unique_ptr<Strategy> make_elastic_weight_consolidation(Options& options) {
  auto lambda = options.get<double>("lambda", 100.0, "penalty weight");
  auto gamma = options.get<double>("gamma", 1.0, "decay of the previous Fisher (online EWC)");
  auto samples = options.get<int64_t>("fisher_samples", 256, "rows per Fisher estimate");
  EVERGREEN_CHECK_INPUT(lambda >= 0, "{}: must be >= 0", options.where("lambda"));
  EVERGREEN_CHECK_INPUT(gamma >= 0 && gamma <= 1, "{}: must be in [0, 1]",
                        options.where("gamma"));
  EVERGREEN_CHECK_INPUT(samples >= 1, "{}: must be >= 1", options.where("fisher_samples"));
  return std::make_unique<ElasticWeightConsolidationStrategy>(
      ElasticWeightConsolidationOptions().lambda(lambda).gamma(gamma).fisher_samples(samples));
}

std::unique_ptr<Strategy> make_learning_without_forgetting(Options& options) {
  return std::make_unique<LearningWithoutForgettingStrategy>(LearningWithoutForgettingOptions().lambda(
      options.get<double>("lambda", 1.0, "weight of matching the previous model's outputs")));
}

std::unique_ptr<Strategy> make_dmshm(Options& options) {
  return std::make_unique<DmshmStrategy>(
      DmshmOptions()
          .memory_size(options.get<int64_t>("memory_size", 200, "rows kept (0: use memory_fraction)"))
          .memory_fraction(options.get<double>(
              "memory_fraction", 0.0, "memory as a fraction of the training rows seen (if > 0)"))
          .replay_batch_size(options.get<int64_t>("replay_batch_size", 0, kReplayBatchHelp))
          .density_weight(options.get<double>("density_weight", 1.0,
                                              "weight of the KDE density score (0: shift only)"))
          .shift_weight(options.get<double>("shift_weight", 1.0,
                                            "weight of the shift-level score (0: density only)"))
          .hint_weight(options.get<double>("hint_weight", 1.0,
                                           "weight of the hint loss (0: no hint learning)"))
          .density_space(options.get<std::string>(
              "density_space", "hint", "where the density is estimated: hint or window")));
}

}  // namespace

const Registry<StrategyFactory>& strategy_registry() {
  static const Registry<StrategyFactory> registry(
      "strategy",
      {
          {"naive", "fine-tune on each experience in turn (lower bound)", make_naive},
          {"joint", "retrain on all data seen so far (upper bound)", make_joint},
          {"er", "experience replay with a reservoir memory", make_experience_replay},
          {"derpp", "DER++: replay with stored outputs (Buzzega et al. 2020)",
           make_dark_experience_replay},
          {"agem", "A-GEM: project gradients against a memory gradient", make_averaged_gem},
          {"ewc", "online EWC: diagonal Fisher penalty", make_elastic_weight_consolidation},
          {"lwf", "LwF for regression: distil the previous model's outputs",
           make_learning_without_forgetting},
          {"dmshm", "DMSHM: density/shift-scored memory + hint learning (after Hao et al. 2023)",
           make_dmshm},
      });
  return registry;
}

}  // namespace evergreen
