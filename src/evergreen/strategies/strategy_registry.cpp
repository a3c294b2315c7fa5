#include "evergreen/strategies/strategy_registry.h"

#include "evergreen/strategies/averaged_gem.h"
#include "evergreen/strategies/dark_experience_replay.h"
#include "evergreen/strategies/dmshm.h"
#include "evergreen/strategies/elastic_weight_consolidation.h"
#include "evergreen/strategies/experience_replay.h"
#include "evergreen/strategies/gdumb.h"
#include "evergreen/strategies/gradient_episodic_memory.h"
#include "evergreen/strategies/icarl.h"
#include "evergreen/strategies/joint.h"
#include "evergreen/strategies/learning_without_forgetting.h"
#include "evergreen/strategies/naive.h"
#include "evergreen/strategies/prompt_tpp.h"
#include "evergreen/strategies/reference_strategies.h"
#include "evergreen/strategies/stacked_strategy.h"
#include "evergreen/strategies/synaptic_intelligence.h"

namespace evergreen {

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
