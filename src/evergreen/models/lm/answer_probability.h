// The probability of an answer as CREME's code measures it (after Li et al. 2024): the softmax at
// the last position, averaged over the answer's tokens, and the relative change of that
// probability that every edit metric reports.
#pragma once

#include <cstdint>
#include <vector>

#include "evergreen/models/lm/hooks.h"
#include "evergreen/models/lm/transformer.h"

namespace evergreen::lm {

/// The mean over the answer's tokens a_1..a_m of P(a_i | prompt, a_1..a_{i-1}): one forward pass
/// of the prompt followed by the answer but its last token. `hooks`, when given, act on that pass
/// (positions count from the prompt's start). InputError for an empty prompt or answer, a token
/// outside the vocabulary, or a sequence longer than the context.
///
/// Example:
///   double before = answer_probability(*model, prompt_ids, answer_ids);
///   rank_one_edit(...);
///   double gain = relative_change(before, answer_probability(*model, prompt_ids, answer_ids));
double answer_probability(TransformerImpl& model, const std::vector<int64_t>& prompt,
                          const std::vector<int64_t>& answer, Hooks* hooks = nullptr);

/// The answer's probability as above and whether greedy decoding after the prompt produces
/// exactly the answer's tokens (every one the most likely at its position), from one forward pass.
struct AnswerScore {
  double probability = 0.0;
  bool greedy_correct = false;
};
AnswerScore score_answer(TransformerImpl& model, const std::vector<int64_t>& prompt,
                         const std::vector<int64_t>& answer, Hooks* hooks = nullptr);

/// (after - before) / before, and 0 when `before` is 0 (CREME's convention).
double relative_change(double before, double after);

}  // namespace evergreen::lm
