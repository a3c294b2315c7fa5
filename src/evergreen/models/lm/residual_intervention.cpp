#include "evergreen/models/lm/residual_intervention.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"
#include "evergreen/models/lm/answer_probability.h"
#include "evergreen/models/lm/hooks.h"

namespace evergreen::lm {

std::string intervention_direction_name(InterventionDirection direction) {
  return direction == InterventionDirection::kSuppress ? "suppress" : "enhance";
}

InterventionDirection parse_intervention_direction(const std::string& name) {
  if (name == "suppress") return InterventionDirection::kSuppress;
  if (name == "enhance") return InterventionDirection::kEnhance;
  throw InputError(fmt::format("intervention {}: expected suppress or enhance", quote(name)));
}

torch::Tensor implicit_result_change(TransformerImpl& model, const torch::Tensor& state,
                                     const std::vector<int64_t>& tokens,
                                     InterventionDirection direction) {
  const int64_t vocab = model.options().vocab_size();
  EVERGREEN_CHECK_INPUT(!tokens.empty(), "intervention: no token to move");
  for (int64_t id : tokens)
    EVERGREEN_CHECK_INPUT(id >= 0 && id < vocab,
                          "intervention: token {} is outside the vocabulary 0..{}", id, vocab - 1);
  torch::NoGradGuard no_grad;
  const torch::Tensor unembedding = model.unembedding_weight().to(torch::kFloat64);  // [V, D]
  const torch::Tensor v = torch::matmul(unembedding, state.to(torch::kFloat64));
  const torch::Tensor chosen = torch::tensor(tokens, torch::kInt64);
  const torch::Tensor at = v.index_select(0, chosen);
  torch::Tensor moved;
  if (direction == InterventionDirection::kSuppress) {
    moved = v.min().expand_as(at) - at;
  } else {
    moved = torch::maximum(v.max().expand_as(at), 2.0 * at) - at;
  }
  torch::Tensor dv = torch::zeros_like(v).scatter_(0, chosen, moved);
  return torch::matmul(torch::pinverse(unembedding), dv).to(state.dtype());
}

double InterventionEffect::relative() const { return relative_change(before, after); }
double InterventionEffect::relative_random() const { return relative_change(before, after_random); }

InterventionEffect intervention_effect(TransformerImpl& model, const std::vector<int64_t>& prompt,
                                       const std::vector<int64_t>& answer,
                                       const std::vector<int64_t>& bridge, int64_t layer,
                                       InterventionDirection direction, int64_t random_draws,
                                       uint64_t seed) {
  const int64_t layers = model.options().n_layers(), vocab = model.options().vocab_size();
  EVERGREEN_CHECK_INPUT(layer >= 0 && layer < layers,
                        "intervention: layer {} is outside the model's layers 0..{}", layer,
                        layers - 1);
  EVERGREEN_CHECK_INPUT(random_draws >= 0 && random_draws <= 10000,
                        "intervention: random draws must be 0..10000, got {}", random_draws);
  const std::set<int64_t> bridge_set(bridge.begin(), bridge.end());
  EVERGREEN_CHECK_INPUT(
      vocab - static_cast<int64_t>(bridge_set.size()) >= static_cast<int64_t>(bridge.size()),
      "intervention: the vocabulary of {} tokens leaves too few random tokens", vocab);
  const std::string hook = "blocks." + std::to_string(layer) + ".hook_resid_post";
  const int64_t position = static_cast<int64_t>(prompt.size()) - 1;

  InterventionEffect effect;
  effect.before = answer_probability(model, prompt, answer);
  Hooks read;
  read.cache(hook);
  {
    torch::NoGradGuard no_grad;
    ForwardContext context;
    context.hooks = &read;
    model.forward(torch::tensor(prompt, torch::kInt64).unsqueeze(0), context);
  }
  const torch::Tensor state = read.cached(hook)[0][position];
  auto moved_probability = [&](const std::vector<int64_t>& tokens) {
    Hooks change;
    change.add(hook, implicit_result_change(model, state, tokens, direction), {position});
    return answer_probability(model, prompt, answer, &change);
  };
  effect.after = moved_probability(bridge);

  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  double total = 0.0;
  for (int64_t draw = 0; draw < random_draws; ++draw) {
    const torch::Tensor order = torch::randperm(vocab, generator, torch::kInt64);
    std::vector<int64_t> tokens;
    for (int64_t i = 0; i < vocab && tokens.size() < bridge.size(); ++i) {
      const int64_t id = order[i].item<int64_t>();
      if (bridge_set.count(id) == 0) tokens.push_back(id);
    }
    total += moved_probability(tokens);
  }
  effect.after_random =
      random_draws > 0 ? total / static_cast<double>(random_draws) : effect.before;
  return effect;
}

}  // namespace evergreen::lm
