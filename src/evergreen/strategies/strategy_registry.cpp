#include "evergreen/strategies/strategy_registry.h"

#include "evergreen/strategies/averaged_gem.h"
#include "evergreen/strategies/dark_experience_replay.h"
#include "evergreen/strategies/dmshm.h"
#include "evergreen/strategies/elastic_weight_consolidation.h"
#include "evergreen/strategies/experience_replay.h"
#include "evergreen/strategies/gdumb.h"
#include "evergreen/strategies/gradient_episodic_memory.h"
#include "evergreen/strategies/icarl.h"
#include "evergreen/strategies/stacked_strategy.h"
#include "evergreen/strategies/synaptic_intelligence.h"
#include "evergreen/strategies/joint.h"
#include "evergreen/strategies/learning_without_forgetting.h"
#include "evergreen/strategies/naive.h"
#include "evergreen/strategies/prompt_tpp.h"
#include "evergreen/strategies/reference_strategies.h"

namespace evergreen {
namespace {

constexpr const char* kMemoryHelp = "rows kept in memory";
constexpr const char* kReplayBatchHelp = "rows replayed per step (0: the training batch size)";

int64_t read_memory_size(Options& options, int64_t minimum = 1) {
  auto size = options.get<int64_t>("memory_size", 200, kMemoryHelp);
  EVERGREEN_CHECK_INPUT(size >= minimum, "{}: must be >= {}, got {}", options.where("memory_size"),
                        minimum, size);
  return size;
}

int64_t read_replay_batch_size(Options& options) {
  auto size = options.get<int64_t>("replay_batch_size", 0, kReplayBatchHelp);
  EVERGREEN_CHECK_INPUT(size >= 0, "{}: must be >= 0, got {}", options.where("replay_batch_size"),
                        size);
  return size;
}

std::unique_ptr<Strategy> make_naive(Options&) { return std::make_unique<NaiveStrategy>(); }

std::unique_ptr<Strategy> make_joint(Options& options) {
  return std::make_unique<JointStrategy>(options.get<bool>(
      "offline", false, "train once, after the last experience, on all of them"));
}

std::unique_ptr<Strategy> make_retrain(Options&) { return std::make_unique<RetrainStrategy>(); }

std::unique_ptr<Strategy> make_pretrain(Options&) { return std::make_unique<PretrainStrategy>(); }

std::unique_ptr<Strategy> make_experience_replay(Options& options) {
  return std::make_unique<ExperienceReplayStrategy>(
      ExperienceReplayOptions()
          .memory_size(read_memory_size(options))
          .replay_batch_size(read_replay_batch_size(options)));
}

std::unique_ptr<Strategy> make_dark_experience_replay(Options& options) {
  return std::make_unique<DarkExperienceReplayStrategy>(
      DarkExperienceReplayOptions()
          .memory_size(read_memory_size(options))
          .replay_batch_size(read_replay_batch_size(options))
          .alpha(options.get<double>("alpha", 0.3, "weight of matching stored outputs"))
          .beta(options.get<double>("beta", 0.5, "weight of the replayed task loss")));
}

std::unique_ptr<Strategy> make_averaged_gem(Options& options) {
  return std::make_unique<AveragedGemStrategy>(
      AveragedGemOptions()
          .memory_size(read_memory_size(options))
          .replay_batch_size(read_replay_batch_size(options)));
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
  auto lambda = options.get<double>("lambda", 1.0, "weight of matching the previous model's outputs");
  auto temperature = options.get<double>(
      "temperature", 2.0, "softmax temperature of the distillation (logits only; 0: logit MSE)");
  EVERGREEN_CHECK_INPUT(lambda >= 0, "{}: must be >= 0", options.where("lambda"));
  EVERGREEN_CHECK_INPUT(temperature >= 0, "{}: must be >= 0", options.where("temperature"));
  return std::make_unique<LearningWithoutForgettingStrategy>(
      LearningWithoutForgettingOptions().lambda(lambda).temperature(temperature));
}

std::unique_ptr<Strategy> make_dmshm(Options& options) {
  auto memory_size = read_memory_size(options, 0);
  auto fraction = options.get<double>("memory_fraction", 0.0,
                                      "memory as a fraction of the training rows seen (if > 0)");
  EVERGREEN_CHECK_INPUT(fraction >= 0 && fraction <= 1, "{}: must be in [0, 1], got {}",
                        options.where("memory_fraction"), fraction);
  EVERGREEN_CHECK_INPUT(memory_size > 0 || fraction > 0,
                        "{}: give memory_size > 0 or memory_fraction > 0",
                        options.where("memory_size"));
  auto space = options.get<std::string>("density_space", "hint",
                                        "where the density is estimated: hint or window");
  EVERGREEN_CHECK_INPUT(space == "hint" || space == "window",
                        "{}: expected 'hint' or 'window', got '{}'",
                        options.where("density_space"), space);
  return std::make_unique<DmshmStrategy>(
      DmshmOptions()
          .memory_size(memory_size)
          .memory_fraction(fraction)
          .replay_batch_size(read_replay_batch_size(options))
          .density_weight(options.get<double>("density_weight", 1.0,
                                              "weight of the KDE density score (0: shift only)"))
          .shift_weight(options.get<double>("shift_weight", 1.0,
                                            "weight of the shift-level score (0: density only)"))
          .hint_weight(options.get<double>("hint_weight", 1.0,
                                           "weight of the hint loss (0: no hint learning)"))
          .density_space(space));
}

std::unique_ptr<Strategy> make_prompt_tpp(Options& options) {
  auto pool_size = options.get<int64_t>("pool_size", 10, "prompts per attention layer");
  auto prompt_length = options.get<int64_t>("prompt_length", 5, "rows per prompt");
  auto top_n = options.get<int64_t>("top_n", 5, "prompts retrieved per sequence and layer");
  auto key_pull = options.get<double>("key_pull", 0.1, "weight of the key-pull term");
  auto query_events = options.get<int64_t>(
      "query_events", 8, "first events of a sequence that the retrieval query reads");
  auto learning_rate = options.get<double>("prompt_learning_rate", 1e-3, "Adam rate of the pool");
  auto train_backbone = options.get<bool>("train_backbone", true,
                                          "also train AttNHP (false: prompts and keys only)");
  EVERGREEN_CHECK_INPUT(pool_size >= 1, "{}: must be >= 1", options.where("pool_size"));
  EVERGREEN_CHECK_INPUT(prompt_length >= 1, "{}: must be >= 1", options.where("prompt_length"));
  EVERGREEN_CHECK_INPUT(top_n >= 1 && top_n <= pool_size, "{}: must be in [1, pool_size]",
                        options.where("top_n"));
  EVERGREEN_CHECK_INPUT(key_pull >= 0, "{}: must be >= 0", options.where("key_pull"));
  EVERGREEN_CHECK_INPUT(query_events >= 2, "{}: must be >= 2", options.where("query_events"));
  EVERGREEN_CHECK_INPUT(learning_rate > 0, "{}: must be > 0",
                        options.where("prompt_learning_rate"));
  return std::make_unique<PromptTppStrategy>(PromptTppOptions()
                                                 .pool_size(pool_size)
                                                 .prompt_length(prompt_length)
                                                 .top_n(top_n)
                                                 .key_pull(key_pull)
                                                 .query_events(query_events)
                                                 .prompt_learning_rate(learning_rate)
                                                 .train_backbone(train_backbone));
}

}  // namespace

const StrategyRegistry& strategy_registry() {
  StrategyNeeds prompts;
  prompts.prompts = true;
  StrategyNeeds windows_and_hint;
  windows_and_hint.regression = windows_and_hint.hint = true;
  StrategyNeeds labels;
  labels.classification = true;
  StrategyNeeds class_split;
  class_split.classification = class_split.class_split = class_split.logits = class_split.hint =
      true;
  static const StrategyRegistry registry(
      "strategy",
      {
          {"naive", "fine-tune on each experience in turn (lower bound)", make_naive},
          {"joint", "retrain on all data seen so far (upper bound)", make_joint},
          {"er", "experience replay with a reservoir memory", make_experience_replay},
          {"derpp", "DER++: replay with stored outputs (Buzzega et al. 2020)",
           make_dark_experience_replay},
          {"agem", "A-GEM: project gradients against a memory gradient", make_averaged_gem},
          {"ewc", "online EWC: diagonal Fisher penalty", make_elastic_weight_consolidation},
          {"lwf", "LwF: distil the previous model's outputs (KL with temperature on logits)",
           make_learning_without_forgetting},
          {"dmshm", "DMSHM: density/shift-scored memory + hint learning (after Hao et al. 2023)",
           make_dmshm, windows_and_hint},
          {"prompttpp", "PromptTPP: retrieval prompt pool per attention layer, no replay (after "
                        "Xue et al. 2023)",
           make_prompt_tpp, prompts},
          {"retrain", "learn each experience from the initial weights (forgets by design)",
           make_retrain},
          {"pretrain", "learn the first experience only, then stay fixed", make_pretrain},
          {"gem", "GEM: project gradients onto the past tasks' constraints (Lopez-Paz & Ranzato "
                  "2017)",
           make_gradient_episodic_memory},
          {"si", "SI: path-integral importance penalty (Zenke et al. 2017)",
           make_synaptic_intelligence},
          {"icarl", "iCaRL: herding exemplars, sigmoid distillation, nearest-mean classifier "
                    "(Rebuffi et al. 2017)",
           make_icarl, class_split},
          {"gdumb", "GDumb: class-balanced memory, retrain on it alone (Prabhu et al. 2020)",
           make_gdumb, labels},
          {"stack", "several strategies as one learner, hooks in list order (of: [er, ewc])",
           make_stacked_strategy},
      });
  return registry;
}

}  // namespace evergreen
