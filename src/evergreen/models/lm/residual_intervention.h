// CREME's intervention experiment (after Li et al. 2024): is the implicit result of a two-hop
// question (the bridge entity) used by the later layers? At one layer and position the residual
// state h is read through the unembedding, v = W_U h; the bridge's tokens are suppressed
// (dv_k = min(v) - v_k) or enhanced (dv_k = max(max(v), 2 v_k) - v_k), the other entries left
// at 0, and the state moved by h += pinv(W_U) dv. The change of the final answer's probability is
// compared with the same change made to random tokens.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "evergreen/models/lm/transformer.h"

namespace evergreen::lm {

enum class InterventionDirection { kSuppress, kEnhance };

/// "suppress" or "enhance"; and back (InputError naming the valid names).
std::string intervention_direction_name(InterventionDirection direction);
InterventionDirection parse_intervention_direction(const std::string& name);

/// The residual change pinv(W_U) dv for `state` [D] and `tokens`. The unembedding reads the state
/// without the final norm, so the change is linear in dv (where the vocabulary is no larger than
/// the model's width, W_U pinv(W_U) = I and the logits move by dv exactly).
torch::Tensor implicit_result_change(TransformerImpl& model, const torch::Tensor& state,
                                     const std::vector<int64_t>& tokens,
                                     InterventionDirection direction);

struct InterventionEffect {
  double before = 0.0;        ///< the answer's probability, no intervention
  double after = 0.0;         ///< with the bridge tokens moved
  double after_random = 0.0;  ///< mean over draws, random tokens moved (as many as the bridge's)
  double relative() const;    ///< relative change, bridge tokens
  double relative_random()
      const;  ///< relative change, random tokens (mean of the draws' probability)
};

/// The effect on the probability of `answer` (answer_probability.h) of moving `bridge`'s tokens
/// at `layer`'s output (blocks.L.hook_resid_post) at the prompt's last position; `random_draws`
/// sets of random tokens (distinct, none of the bridge's) drawn with `seed`.
InterventionEffect intervention_effect(TransformerImpl& model, const std::vector<int64_t>& prompt,
                                       const std::vector<int64_t>& answer,
                                       const std::vector<int64_t>& bridge, int64_t layer,
                                       InterventionDirection direction, int64_t random_draws = 10,
                                       uint64_t seed = 0);

}  // namespace evergreen::lm
