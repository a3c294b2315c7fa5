#include "evergreen/models/lm/generation.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>

#include "evergreen/core/error.h"
#include "evergreen/models/lm/fused_llama_decoder.h"

namespace evergreen::lm {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool fused_applies(TransformerImpl& model, const KvCache& cache) {
  // Adapters are not merged into the weights the fused step reads.
  return model.options().architecture() == Architecture::kLlama && !model.has_lora() &&
         model.token_embedding_weight().device().is_cpu() &&
         model.token_embedding_weight().scalar_type() == torch::kFloat32 && !cache.keys.empty() &&
         cache.keys.front().scalar_type() == torch::kFloat32 && cache.keys.front().is_contiguous();
}

const float* floats(const torch::Tensor& tensor) {
  EVERGREEN_ASSERT(tensor.is_contiguous() && tensor.scalar_type() == torch::kFloat32,
                   "fused decoding needs contiguous float32 weights");
  return tensor.data_ptr<float>();
}

FusedLlamaWeights gather_weights(TransformerImpl& model) {
  const TransformerOptions& o = model.options();
  FusedLlamaWeights w;
  w.dim = o.dim();
  w.hidden_dim = o.hidden_dim();
  w.n_layers = o.n_layers();
  w.n_heads = o.n_heads();
  w.n_kv_heads = o.n_kv_heads();
  w.vocab_size = o.vocab_size();
  w.norm_eps = static_cast<float>(o.norm_eps());
  w.token_embedding = floats(model.token_embedding_weight());
  w.unembedding = floats(model.unembedding_weight());
  w.final_norm = floats(model.final_norm_weight());
  w.rope_cos = floats(model.rope_cos());
  w.rope_sin = floats(model.rope_sin());
  for (int64_t l = 0; l < o.n_layers(); ++l) {
    TransformerImpl::LlamaLayerWeights t = model.llama_layer(l);
    w.layers.push_back({floats(t.input_norm), floats(t.q), floats(t.k), floats(t.v), floats(t.o),
                        floats(t.post_attention_norm), floats(t.gate), floats(t.up),
                        floats(t.down)});
  }
  return w;
}

FusedKvCache view_cache(KvCache& cache) {
  FusedKvCache view;
  for (size_t l = 0; l < cache.keys.size(); ++l) {
    view.keys.push_back(cache.keys[l].data_ptr<float>());
    view.values.push_back(cache.values[l].data_ptr<float>());
  }
  view.capacity = cache.capacity();
  return view;
}

// What the fused step needs beyond the cache tensors, kept as plain arrays across steps.
struct FusedState {
  FusedLlamaWeights weights;
  FusedKvCache cache;
  FusedScratch scratch;
  std::vector<int64_t> positions;  // next rotary position per row (= real tokens so far)
  std::vector<uint8_t> valid;      // [B, capacity]: which cache columns hold real tokens
  bool padded = false;
};

FusedState fused_state(TransformerImpl& model, KvCache& cache) {
  FusedState state;
  state.weights = gather_weights(model);
  state.cache = view_cache(cache);
  const int64_t batch = cache.batch(), capacity = cache.capacity();
  state.positions.assign(static_cast<size_t>(batch), cache.length);
  state.valid.assign(static_cast<size_t>(batch * capacity), 1);
  if (cache.length > 0) {
    torch::Tensor mask = cache.mask.to(torch::kCPU, torch::kInt64).contiguous();
    const int64_t* values = mask.data_ptr<int64_t>();
    for (int64_t b = 0; b < batch; ++b) {
      int64_t real = 0;
      for (int64_t j = 0; j < cache.length; ++j) {
        const bool is_real = values[b * cache.length + j] != 0;
        state.valid[static_cast<size_t>(b * capacity + j)] = is_real;
        real += is_real;
        state.padded = state.padded || !is_real;
      }
      state.positions[static_cast<size_t>(b)] = real;
    }
  }
  return state;
}

// One fused step: logits [B, V] for `tokens` (B int64 values), the cache extended by one column.
void fused_step(FusedState& state, KvCache& cache, const int64_t* tokens, float* logits) {
  const int64_t batch = cache.batch();
  EVERGREEN_CHECK_INPUT(cache.length < cache.capacity(),
                        "generation: the KV cache of {} positions is full", cache.capacity());
  fused_llama_decode_step(state.weights, state.cache, batch, tokens, state.positions.data(),
                          cache.length, state.padded ? state.valid.data() : nullptr,
                          cache.capacity(), logits, state.scratch);
  for (int64_t& position : state.positions) ++position;
  cache.length += 1;
}

}  // namespace

void SamplingOptions::check() const {
  EVERGREEN_CHECK_INPUT(std::isfinite(temperature_) && temperature_ >= 0,
                        "sampling: temperature must be a finite number >= 0, got {}", temperature_);
  EVERGREEN_CHECK_INPUT(top_k_ >= 0, "sampling: top_k must be >= 0 (0 keeps all), got {}", top_k_);
  EVERGREEN_CHECK_INPUT(top_p_ > 0 && top_p_ <= 1, "sampling: top_p must lie in (0, 1], got {}",
                        top_p_);
}

torch::Tensor sample_next(const torch::Tensor& logits, const SamplingOptions& options,
                          at::Generator& generator) {
  torch::NoGradGuard no_grad;
  if (options.temperature() == 0.0) return logits.argmax(-1);
  torch::Tensor scaled = logits.to(torch::kFloat32) / options.temperature();
  const int64_t vocab = scaled.size(-1);
  if (options.top_k() > 0 && options.top_k() < vocab) {
    torch::Tensor kth =
        std::get<0>(scaled.topk(options.top_k(), -1)).narrow(-1, options.top_k() - 1, 1);
    scaled = scaled.masked_fill(scaled < kth, -INFINITY);
  }
  if (options.top_p() < 1.0) {
    auto [sorted, order] = scaled.sort(-1, /*descending=*/true);
    torch::Tensor cumulative = torch::softmax(sorted, -1).cumsum(-1);
    // Drop a token when the tokens before it already reach p: the first always stays.
    torch::Tensor drop = (cumulative - torch::softmax(sorted, -1)) >= options.top_p();
    sorted = sorted.masked_fill(drop, -INFINITY);
    scaled = torch::full_like(scaled, -INFINITY).scatter(-1, order, sorted);
  }
  torch::Tensor probabilities = torch::softmax(scaled, -1);
  return torch::multinomial(probabilities, 1, false, generator).squeeze(-1);
}

torch::Tensor fused_decode_step(TransformerImpl& model, KvCache& cache,
                                const torch::Tensor& tokens) {
  EVERGREEN_CHECK_INPUT(fused_applies(model, cache),
                        "fused decoding needs a Llama model in float32 on the CPU");
  torch::Tensor ids = tokens.to(torch::kCPU, torch::kInt64).contiguous().view({-1});
  EVERGREEN_CHECK_INPUT(ids.numel() == cache.batch(), "fused decoding: {} tokens for {} rows",
                        ids.numel(), cache.batch());
  FusedState state = fused_state(model, cache);
  torch::Tensor logits = torch::empty({cache.batch(), model.options().vocab_size()});
  fused_step(state, cache, ids.data_ptr<int64_t>(), logits.data_ptr<float>());
  cache.mask = torch::cat({cache.mask, torch::ones({cache.batch(), 1}, cache.mask.options())}, 1);
  return logits;
}

Generation generate(TransformerImpl& model, const std::vector<std::vector<int64_t>>& prompts,
                    const GenerationOptions& options) {
  options.sampling().check();
  EVERGREEN_CHECK_INPUT(!prompts.empty(), "generation: no prompt given");
  EVERGREEN_CHECK_INPUT(options.max_new_tokens() >= 0,
                        "generation: max_new_tokens must be >= 0, got {}",
                        options.max_new_tokens());
  torch::NoGradGuard no_grad;
  const int64_t batch = static_cast<int64_t>(prompts.size());
  int64_t longest = 0;
  for (const auto& prompt : prompts) {
    EVERGREEN_CHECK_INPUT(!prompt.empty(), "generation: a prompt needs at least one token");
    longest = std::max<int64_t>(longest, static_cast<int64_t>(prompt.size()));
  }
  const int64_t context = model.options().max_seq_len();
  EVERGREEN_CHECK_INPUT(longest <= context,
                        "generation: a prompt of {} tokens exceeds the model's context of {}",
                        longest, context);
  const int64_t new_tokens = std::min(options.max_new_tokens(), context - longest);
  const auto device = model.token_embedding_weight().device();

  // Left padding, so that every row's next token is in the last column.
  torch::Tensor tokens = torch::zeros({batch, longest}, torch::kInt64);
  torch::Tensor mask = torch::zeros({batch, longest}, torch::kInt64);
  for (int64_t b = 0; b < batch; ++b) {
    const auto& prompt = prompts[static_cast<size_t>(b)];
    const int64_t offset = longest - static_cast<int64_t>(prompt.size());
    for (size_t i = 0; i < prompt.size(); ++i) {
      tokens[b][offset + static_cast<int64_t>(i)] = prompt[i];
      mask[b][offset + static_cast<int64_t>(i)] = 1;
    }
  }
  KvCache cache =
      KvCache::allocate(model.options(), batch, std::max<int64_t>(1, longest + new_tokens),
                        model.token_embedding_weight().options());
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(options.sampling().seed());

  Generation result;
  result.tokens.resize(static_cast<size_t>(batch));
  const auto prompt_start = Clock::now();
  ForwardContext prompt_context;
  prompt_context.cache = &cache;
  prompt_context.attention_mask = mask.to(device);
  prompt_context.last_position_only = true;
  torch::Tensor logits = model.forward(tokens.to(device), prompt_context).squeeze(1);  // [B, V]
  result.prompt_seconds = seconds_since(prompt_start);
  if (new_tokens == 0) return result;

  const bool fused = options.fused() && fused_applies(model, cache);
  FusedState state;
  if (fused) state = fused_state(model, cache);
  std::vector<bool> stopped(static_cast<size_t>(batch), false);
  torch::Tensor fused_logits = torch::empty({batch, model.options().vocab_size()});
  const auto decode_start = Clock::now();
  for (int64_t step = 0; step < new_tokens; ++step) {
    torch::Tensor next = sample_next(logits, options.sampling(), generator).to(torch::kCPU);
    const int64_t* ids = next.data_ptr<int64_t>();
    bool all_stopped = true;
    for (int64_t b = 0; b < batch; ++b) {
      if (stopped[static_cast<size_t>(b)]) continue;
      result.tokens[static_cast<size_t>(b)].push_back(ids[b]);
      if (ids[b] == options.stop_token()) stopped[static_cast<size_t>(b)] = true;
      all_stopped = all_stopped && stopped[static_cast<size_t>(b)];
    }
    if (all_stopped || step + 1 == new_tokens) break;
    ++result.decode_steps;
    if (fused) {
      fused_step(state, cache, ids, fused_logits.data_ptr<float>());
      logits = fused_logits;
    } else {
      ForwardContext step_context;
      step_context.cache = &cache;
      step_context.last_position_only = true;
      logits = model.forward(next.view({batch, 1}).to(device), step_context).squeeze(1);
    }
  }
  result.decode_seconds = seconds_since(decode_start);
  return result;
}

}  // namespace evergreen::lm
