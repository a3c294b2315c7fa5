#include "evergreen/models/lm/logit_lens.h"

#include "evergreen/core/error.h"

namespace evergreen::lm {

LogitLens logit_lens(TransformerImpl& model, const torch::Tensor& tokens, int64_t target,
                     bool final_norm) {
  torch::NoGradGuard no_grad;
  const TransformerOptions& options = model.options();
  EVERGREEN_CHECK_INPUT(target >= 0 && target < options.vocab_size(),
                        "logit lens: token {} is outside the vocabulary 0..{}", target,
                        options.vocab_size() - 1);
  torch::Tensor batch = tokens.dim() == 1 ? tokens.unsqueeze(0) : tokens;
  EVERGREEN_CHECK_INPUT(batch.dim() == 2 && batch.size(0) == 1,
                        "logit lens: one prompt at a time, got tokens {}",
                        c10::str(tokens.sizes()));
  LogitLens lens;
  lens.rows.push_back("hook_embed");
  for (int64_t layer = 0; layer < options.n_layers(); ++layer)
    lens.rows.push_back("blocks." + std::to_string(layer) + ".hook_resid_post");
  Hooks hooks;
  for (const std::string& row : lens.rows) hooks.cache(row);
  ForwardContext context;
  context.hooks = &hooks;
  model.forward(batch, context);
  std::vector<torch::Tensor> states;
  for (const std::string& row : lens.rows) states.push_back(hooks.cached(row)[0]);  // [T, D]
  torch::Tensor stacked = torch::stack(states);                                     // [R, T, D]
  if (final_norm) stacked = model.final_norm(stacked);
  torch::Tensor logits = model.unembed(stacked).to(torch::kFloat64);  // [R, T, V]
  torch::Tensor target_logit = logits.select(-1, target).unsqueeze(-1);
  lens.rank = (logits > target_logit).sum(-1);
  torch::Tensor probabilities = torch::softmax(logits, -1);
  lens.probability = probabilities.select(-1, target);
  auto [top_probability, top_token] = probabilities.max(-1);
  lens.top_probability = top_probability;
  lens.top_token = top_token;
  return lens;
}

}  // namespace evergreen::lm
