#include "evergreen/models/lm/answer_probability.h"

#include "evergreen/core/error.h"

namespace evergreen::lm {

double answer_probability(TransformerImpl& model, const std::vector<int64_t>& prompt,
                          const std::vector<int64_t>& answer, Hooks* hooks) {
  return score_answer(model, prompt, answer, hooks).probability;
}

AnswerScore score_answer(TransformerImpl& model, const std::vector<int64_t>& prompt,
                         const std::vector<int64_t>& answer, Hooks* hooks) {
  EVERGREEN_CHECK_INPUT(!prompt.empty(), "answer probability: the prompt has no token");
  EVERGREEN_CHECK_INPUT(!answer.empty(), "answer probability: the answer has no token");
  const int64_t vocab = model.options().vocab_size();
  for (int64_t id : answer)
    EVERGREEN_CHECK_INPUT(id >= 0 && id < vocab,
                          "answer probability: answer token {} is outside the vocabulary 0..{}", id,
                          vocab - 1);
  std::vector<int64_t> sequence = prompt;
  sequence.insert(sequence.end(), answer.begin(), answer.end() - 1);
  torch::NoGradGuard no_grad;
  ForwardContext context;
  context.hooks = hooks;
  torch::Tensor logits =
      model.forward(torch::tensor(sequence, torch::kInt64).unsqueeze(0), context)[0];
  // The answer's i-th token is predicted at the position before it.
  const auto first = static_cast<int64_t>(prompt.size()) - 1;
  torch::Tensor probabilities = torch::softmax(
      logits.narrow(0, first, static_cast<int64_t>(answer.size())).to(torch::kFloat64), -1);
  const torch::Tensor targets = torch::tensor(answer, torch::kInt64);
  torch::Tensor chosen = probabilities.gather(1, targets.unsqueeze(1));
  AnswerScore score;
  score.probability = chosen.mean().item<double>();
  score.greedy_correct = probabilities.argmax(1).eq(targets).all().item<bool>();
  return score;
}

double relative_change(double before, double after) {
  return before == 0.0 ? 0.0 : (after - before) / before;
}

}  // namespace evergreen::lm
