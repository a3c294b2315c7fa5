#include "evergreen/models/lm/causal_tracing.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"
#include "evergreen/models/lm/hooks.h"

namespace evergreen::lm {
namespace {

std::string state_hook(TracedState state, int64_t layer) {
  const std::string block = "blocks." + std::to_string(layer) + ".";
  switch (state) {
    case TracedState::kResidual:
      return block + "hook_resid_post";
    case TracedState::kAttention:
      return block + "hook_attn_out";
    case TracedState::kMlp:
      return block + "hook_mlp_out";
  }
  return "";
}

// The target's probability at the last position, averaged over the batch's rows in groups of
// `group` ([B / group] float64).
torch::Tensor target_probability(const torch::Tensor& logits, int64_t target, int64_t group) {
  torch::Tensor last = torch::softmax(logits.select(1, -1).to(torch::kFloat64), -1);
  return last.select(1, target).view({-1, group}).mean(1);
}

}  // namespace

std::string traced_state_name(TracedState state) {
  switch (state) {
    case TracedState::kResidual:
      return "residual";
    case TracedState::kAttention:
      return "attention";
    case TracedState::kMlp:
      return "mlp";
  }
  return "";
}

TracedState parse_traced_state(const std::string& name) {
  for (TracedState state : {TracedState::kResidual, TracedState::kAttention, TracedState::kMlp})
    if (traced_state_name(state) == name) return state;
  throw InputError(
      fmt::format("traced state {}: expected residual, attention or mlp", quote(name)));
}

int64_t default_tracing_window(TracedState state, int64_t n_layers) {
  if (state == TracedState::kResidual) return 1;
  // ROME restores 10 of GPT-2 XL's 48 layers: the same share of this model's depth.
  return std::max<int64_t>(1, std::llround(static_cast<double>(n_layers) * 10.0 / 48.0));
}

CausalTrace causal_trace(TransformerImpl& model, const std::vector<int64_t>& tokens,
                         int64_t subject_begin, int64_t subject_end, int64_t target,
                         const CausalTracingOptions& options) {
  const TransformerOptions& config = model.options();
  const auto length = static_cast<int64_t>(tokens.size());
  const int64_t layers = config.n_layers();
  EVERGREEN_CHECK_INPUT(length > 0, "causal tracing: the prompt has no token");
  EVERGREEN_CHECK_INPUT(0 <= subject_begin && subject_begin < subject_end && subject_end <= length,
                        "causal tracing: subject positions {}..{} are not a non-empty range of "
                        "the prompt's 0..{}",
                        subject_begin, subject_end - 1, length - 1);
  EVERGREEN_CHECK_INPUT(target >= 0 && target < config.vocab_size(),
                        "causal tracing: token {} is outside the vocabulary 0..{}", target,
                        config.vocab_size() - 1);
  EVERGREEN_CHECK_INPUT(options.samples >= 1 && options.samples <= 1000,
                        "causal tracing: samples must be 1..1000, got {}", options.samples);
  EVERGREEN_CHECK_INPUT(std::isfinite(options.noise_multiplier) && options.noise_multiplier >= 0,
                        "causal tracing: the noise multiplier must be finite and >= 0, got {}",
                        options.noise_multiplier);
  const int64_t window =
      options.window < 0 ? default_tracing_window(options.state, layers) : options.window;
  EVERGREEN_CHECK_INPUT(window >= 1 && window <= layers,
                        "causal tracing: the window must be 1..{} layers, got {}", layers, window);
  torch::NoGradGuard no_grad;
  const torch::Tensor prompt = torch::tensor(tokens, torch::kInt64).unsqueeze(0);

  // The clean run: every state that may be restored, and the subject's embeddings.
  Hooks clean_hooks;
  clean_hooks.cache("hook_embed");
  for (int64_t layer = 0; layer < layers; ++layer)
    clean_hooks.cache(state_hook(options.state, layer));
  ForwardContext clean_context;
  clean_context.hooks = &clean_hooks;
  CausalTrace trace;
  trace.window = window;
  trace.clean = target_probability(model.forward(prompt, clean_context), target, 1).item<double>();

  // Noise on the subject's token embeddings (hook_embed holds GPT-2's position embedding too;
  // noise is added, so that part is untouched). One set of draws serves every cell.
  const int64_t subject = subject_end - subject_begin, samples = options.samples;
  torch::Tensor subject_embeddings =
      clean_hooks.cached("hook_embed")[0].narrow(0, subject_begin, subject);
  trace.noise_std =
      options.noise_multiplier *
      (subject_embeddings.numel() > 1 ? subject_embeddings.std().item<double>() : 0.0);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  torch::Tensor noise =
      torch::randn({samples, subject, config.dim()}, generator).to(subject_embeddings.dtype()) *
      trace.noise_std;
  std::vector<int64_t> subject_positions;
  for (int64_t position = subject_begin; position < subject_end; ++position)
    subject_positions.push_back(position);

  Hooks corrupt;
  corrupt.add("hook_embed", noise, subject_positions);
  ForwardContext corrupt_context;
  corrupt_context.hooks = &corrupt;
  trace.corrupted = target_probability(model.forward(prompt.expand({samples, length}).contiguous(),
                                                     corrupt_context),
                                       target, samples)
                        .item<double>();

  // One forward pass per row: block t of the batch (samples rows) restores position t.
  trace.probability = torch::empty({layers, length}, torch::kFloat64);
  const torch::Tensor batch_tokens = prompt.expand({samples * length, length}).contiguous();
  const torch::Tensor batch_noise = noise.repeat({length, 1, 1});
  for (int64_t row = 0; row < layers; ++row) {
    const int64_t first = std::max<int64_t>(0, row - window / 2);
    const int64_t last = std::min<int64_t>(layers, row + (window + 1) / 2);
    Hooks hooks;
    hooks.add("hook_embed", batch_noise, subject_positions);
    for (int64_t layer = first; layer < last; ++layer) {
      const std::string name = state_hook(options.state, layer);
      const torch::Tensor clean = clean_hooks.cached(name)[0];  // [T, D]
      hooks.apply(name, [clean, samples, length](const torch::Tensor& activation) {
        torch::Tensor restored = activation.clone();
        for (int64_t position = 0; position < length; ++position)
          restored.narrow(0, position * samples, samples)
              .select(1, position)
              .copy_(clean[position]);
        return restored;
      });
    }
    ForwardContext context;
    context.hooks = &hooks;
    trace.probability[row].copy_(
        target_probability(model.forward(batch_tokens, context), target, samples));
  }
  return trace;
}

}  // namespace evergreen::lm
