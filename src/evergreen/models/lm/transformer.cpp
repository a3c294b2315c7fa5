#include "evergreen/models/lm/transformer.h"

#include <fmt/format.h>

#include <cmath>

#include "evergreen/core/error.h"

namespace evergreen::lm {
namespace {

// A named container so that parameter names follow Hugging Face's ("model.layers.0.mlp.up_proj").
std::shared_ptr<torch::nn::Module> child(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

// GPT-2's initialisation (and Llama's initializer_range): N(0, 0.02).
torch::Tensor normal_weight(torch::nn::Module& owner, const std::string& name,
                            std::vector<int64_t> shape) {
  return owner.register_parameter(name, torch::randn(shape) * 0.02);
}

torch::Tensor filled(torch::nn::Module& owner, const std::string& name, int64_t size,
                     double value) {
  return owner.register_parameter(name, torch::full({size}, value));
}

// Rotate-half rotary embedding: x [B, T, heads, d] with cos/sin [B, T, 1, d/2] per position.
torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  torch::Tensor first = x.narrow(-1, 0, half);
  torch::Tensor second = x.narrow(-1, half, half);
  return torch::cat({first * cos - second * sin, second * cos + first * sin}, -1);
}

}  // namespace

KvCache KvCache::allocate(const TransformerOptions& options, int64_t batch, int64_t capacity,
                          torch::TensorOptions tensor_options) {
  EVERGREEN_CHECK_INPUT(capacity > 0 && capacity <= options.max_seq_len(),
                        "a KV cache of {} positions: the model's context is {} tokens", capacity,
                        options.max_seq_len());
  KvCache cache;
  for (int64_t layer = 0; layer < options.n_layers(); ++layer) {
    cache.keys.push_back(
        torch::zeros({batch, options.n_kv_heads(), capacity, options.head_dim()}, tensor_options));
    cache.values.push_back(torch::zeros_like(cache.keys.back()));
  }
  cache.mask = torch::zeros({batch, 0}, tensor_options.dtype(torch::kInt64));
  return cache;
}

TransformerImpl::TransformerImpl(const TransformerOptions& options) : options_(options) {
  options_.check("transformer");
  const int64_t vocab = options_.vocab_size(), dim = options_.dim(), hidden = options_.hidden_dim();
  const int64_t layers = options_.n_layers();
  layers_.resize(static_cast<size_t>(layers));
  if (options_.architecture() == Architecture::kLlama) {
    auto model = child(*this, "model");
    token_embedding_ = normal_weight(
        *model->register_module("embed_tokens", std::make_shared<torch::nn::Module>()), "weight",
        {vocab, dim});
    auto layer_list = child(*model, "layers");
    for (int64_t l = 0; l < layers; ++l) {
      auto block = child(*layer_list, std::to_string(l));
      auto attention = child(*block, "self_attn");
      auto mlp = child(*block, "mlp");
      LayerTensors& t = layers_[static_cast<size_t>(l)];
      t.input_norm = filled(*child(*block, "input_layernorm"), "weight", dim, 1.0);
      t.q = normal_weight(*child(*attention, "q_proj"), "weight", {dim, dim});
      t.k = normal_weight(*child(*attention, "k_proj"), "weight", {options_.kv_dim(), dim});
      t.v = normal_weight(*child(*attention, "v_proj"), "weight", {options_.kv_dim(), dim});
      t.o = normal_weight(*child(*attention, "o_proj"), "weight", {dim, dim});
      t.post_attention_norm =
          filled(*child(*block, "post_attention_layernorm"), "weight", dim, 1.0);
      t.gate = normal_weight(*child(*mlp, "gate_proj"), "weight", {hidden, dim});
      t.up = normal_weight(*child(*mlp, "up_proj"), "weight", {hidden, dim});
      t.down = normal_weight(*child(*mlp, "down_proj"), "weight", {dim, hidden});
    }
    final_norm_weight_ = filled(*child(*model, "norm"), "weight", dim, 1.0);
    if (!options_.tied_embeddings())
      lm_head_ = normal_weight(*child(*this, "lm_head"), "weight", {vocab, dim});
    // Rotary tables: frequency i of a head is theta^(-2i/d), as llama2.c and Hugging Face compute.
    const int64_t half = options_.head_dim() / 2;
    torch::Tensor frequencies =
        torch::pow(options_.rope_theta(), -torch::arange(0, half, torch::kFloat64) * 2.0 /
                                              static_cast<double>(options_.head_dim()));
    torch::Tensor angles =
        torch::outer(torch::arange(options_.max_seq_len(), torch::kFloat64), frequencies);
    rope_cos_ = angles.cos().to(torch::kFloat32);
    rope_sin_ = angles.sin().to(torch::kFloat32);
  } else {
    auto model = child(*this, "transformer");
    token_embedding_ = normal_weight(*child(*model, "wte"), "weight", {vocab, dim});
    position_embedding_ =
        normal_weight(*child(*model, "wpe"), "weight", {options_.max_seq_len(), dim});
    auto layer_list = child(*model, "h");
    for (int64_t l = 0; l < layers; ++l) {
      auto block = child(*layer_list, std::to_string(l));
      auto attention = child(*block, "attn");
      auto mlp = child(*block, "mlp");
      LayerTensors& t = layers_[static_cast<size_t>(l)];
      auto ln1 = child(*block, "ln_1");
      t.ln1_weight = filled(*ln1, "weight", dim, 1.0);
      t.ln1_bias = filled(*ln1, "bias", dim, 0.0);
      auto c_attn = child(*attention, "c_attn");
      t.c_attn_weight = normal_weight(*c_attn, "weight", {dim, 3 * dim});
      t.c_attn_bias = filled(*c_attn, "bias", 3 * dim, 0.0);
      auto attn_proj = child(*attention, "c_proj");
      t.attn_proj_weight = normal_weight(*attn_proj, "weight", {dim, dim});
      t.attn_proj_bias = filled(*attn_proj, "bias", dim, 0.0);
      auto ln2 = child(*block, "ln_2");
      t.ln2_weight = filled(*ln2, "weight", dim, 1.0);
      t.ln2_bias = filled(*ln2, "bias", dim, 0.0);
      auto fc = child(*mlp, "c_fc");
      t.fc_weight = normal_weight(*fc, "weight", {dim, hidden});
      t.fc_bias = filled(*fc, "bias", hidden, 0.0);
      auto mlp_proj = child(*mlp, "c_proj");
      t.mlp_proj_weight = normal_weight(*mlp_proj, "weight", {hidden, dim});
      t.mlp_proj_bias = filled(*mlp_proj, "bias", dim, 0.0);
    }
    auto ln_f = child(*model, "ln_f");
    final_norm_weight_ = filled(*ln_f, "weight", dim, 1.0);
    final_norm_bias_ = filled(*ln_f, "bias", dim, 0.0);
  }
}

torch::Tensor TransformerImpl::norm(const torch::Tensor& x, const torch::Tensor& weight,
                                    const torch::Tensor& bias) {
  if (options_.architecture() == Architecture::kGpt2)
    return torch::layer_norm(x, {options_.dim()}, weight, bias, options_.norm_eps());
  return x * torch::rsqrt(x.pow(2).mean(-1, true) + options_.norm_eps()) * weight;
}

torch::Tensor TransformerImpl::final_norm(const torch::Tensor& residual) {
  return norm(residual, final_norm_weight_, final_norm_bias_);
}

torch::Tensor TransformerImpl::unembedding_weight() {
  return lm_head_.defined() ? lm_head_ : token_embedding_;
}

torch::Tensor TransformerImpl::token_embedding_weight() { return token_embedding_; }

torch::Tensor TransformerImpl::unembed(const torch::Tensor& states) {
  return torch::matmul(states, unembedding_weight().t());
}

torch::Tensor TransformerImpl::attention_output_weight(int64_t layer) {
  const LayerTensors& t = layers_.at(static_cast<size_t>(layer));
  return options_.architecture() == Architecture::kLlama ? t.o : t.attn_proj_weight.t();
}

torch::Tensor TransformerImpl::mlp_output_weight(int64_t layer) {
  const LayerTensors& t = layers_.at(static_cast<size_t>(layer));
  return options_.architecture() == Architecture::kLlama ? t.down : t.mlp_proj_weight.t();
}

TransformerImpl::LlamaLayerWeights TransformerImpl::llama_layer(int64_t layer, bool merged) {
  const LayerTensors& t = layers_.at(static_cast<size_t>(layer));
  LlamaLayerWeights weights{t.input_norm,          t.q,    t.k,  t.v,   t.o,
                            t.post_attention_norm, t.gate, t.up, t.down};
  if (!merged || !lora_) return weights;
  torch::NoGradGuard no_grad;
  std::array<torch::Tensor*, kLlamaProjections.size()> projections = {
      &weights.q, &weights.k, &weights.v, &weights.o, &weights.gate, &weights.up, &weights.down};
  const auto& a = lora_a_.at(static_cast<size_t>(layer));
  const auto& b = lora_b_.at(static_cast<size_t>(layer));
  for (size_t i = 0; i < projections.size(); ++i)
    if (a[i].defined())
      *projections[i] = *projections[i] + lora_->scale() * torch::matmul(b[i], a[i]);
  return weights;
}

torch::Tensor TransformerImpl::project(const torch::Tensor& x, const torch::Tensor& weight,
                                       int64_t layer, int index) const {
  torch::Tensor y = torch::matmul(x, weight.t());
  if (!lora_) return y;
  const torch::Tensor& a = lora_a_[static_cast<size_t>(layer)][static_cast<size_t>(index)];
  if (!a.defined()) return y;
  const torch::Tensor& b = lora_b_[static_cast<size_t>(layer)][static_cast<size_t>(index)];
  return y + lora_->scale() * torch::matmul(torch::matmul(x, a.t()), b.t());
}

void TransformerImpl::add_lora(const LoraOptions& lora) {
  EVERGREEN_CHECK_INPUT(options_.architecture() == Architecture::kLlama,
                        "LoRA: adapters are built for Llama models; this one is GPT-2");
  EVERGREEN_CHECK_INPUT(!lora_, "LoRA: the model has adapters already");
  lora.check("LoRA");
  for (auto& parameter : parameters()) parameter.requires_grad_(false);
  const int64_t layers = options_.n_layers();
  lora_a_.assign(static_cast<size_t>(layers), {});
  lora_b_.assign(static_cast<size_t>(layers), {});
  auto modules = named_modules("", /*include_self=*/false);
  const int64_t rank = lora.rank();
  for (int64_t layer = 0; layer < layers; ++layer) {
    const LlamaLayerWeights weights = llama_layer(layer);
    const std::array<torch::Tensor, kLlamaProjections.size()> base = {
        weights.q, weights.k, weights.v, weights.o, weights.gate, weights.up, weights.down};
    for (const std::string& target : lora.targets()) {
      const int index = llama_projection_index(target, "LoRA");
      const std::string group = index <= 3 ? "self_attn" : "mlp";
      auto projection = modules[fmt::format("model.layers.{}.{}.{}", layer, group, target)];
      const int64_t out = base[static_cast<size_t>(index)].size(0);
      const int64_t in = base[static_cast<size_t>(index)].size(1);
      // PEFT's initialisation: A uniform in +-1/sqrt(in) (Kaiming with a = sqrt(5)), B zero.
      torch::Tensor a = (torch::rand({rank, in}) * 2.0 - 1.0) / std::sqrt(static_cast<double>(in));
      lora_a_[static_cast<size_t>(layer)][static_cast<size_t>(index)] =
          projection->register_module("lora_A", std::make_shared<torch::nn::Module>())
              ->register_parameter("weight", a);
      lora_b_[static_cast<size_t>(layer)][static_cast<size_t>(index)] =
          projection->register_module("lora_B", std::make_shared<torch::nn::Module>())
              ->register_parameter("weight", torch::zeros({out, rank}));
    }
  }
  lora_ = lora;
}

torch::Tensor TransformerImpl::final_norm_weight() { return final_norm_weight_; }

torch::Tensor TransformerImpl::forward(const torch::Tensor& tokens, const ForwardContext& context) {
  EVERGREEN_CHECK_INPUT(tokens.dim() == 2, "transformer: tokens must be [batch, length], got {}",
                        c10::str(tokens.sizes()));
  const int64_t batch = tokens.size(0), length = tokens.size(1);
  KvCache* cache = context.cache;
  const int64_t past = cache ? cache->length : 0;
  EVERGREEN_CHECK_INPUT(past + length <= options_.max_seq_len(),
                        "transformer: {} tokens exceed the model's context of {}", past + length,
                        options_.max_seq_len());
  if (cache) {
    EVERGREEN_CHECK_INPUT(cache->batch() == batch && past + length <= cache->capacity(),
                          "transformer: the KV cache holds {} rows x {} positions; this step "
                          "needs {} x {}",
                          cache->batch(), cache->capacity(), batch, past + length);
  }
  if (tokens.numel() > 0) {
    const int64_t low = tokens.min().item<int64_t>(), high = tokens.max().item<int64_t>();
    EVERGREEN_CHECK_INPUT(low >= 0 && high < options_.vocab_size(),
                          "transformer: token id {} is outside the vocabulary 0..{}",
                          low < 0 ? low : high, options_.vocab_size() - 1);
  }
  const auto long_options = tokens.options().dtype(torch::kInt64);

  // Which keys are real: the cache's mask, then this step's.
  torch::Tensor step_mask = context.attention_mask.defined()
                                ? context.attention_mask.to(long_options)
                                : torch::ones({batch, length}, long_options);
  EVERGREEN_CHECK_INPUT(step_mask.sizes() == tokens.sizes(),
                        "transformer: attention_mask {} does not match tokens {}",
                        c10::str(step_mask.sizes()), c10::str(tokens.sizes()));
  torch::Tensor key_mask = cache ? torch::cat({cache->mask, step_mask}, 1) : step_mask;
  const bool padded = (context.attention_mask.defined() || (cache && cache->mask.numel() > 0)) &&
                      !key_mask.all().item<bool>();
  // Positions count real tokens, so a left-padded row sees the positions of the unpadded one.
  torch::Tensor positions =
      padded
          ? (key_mask.cumsum(1) - 1).clamp_min(0).narrow(1, past, length)
          : torch::arange(past, past + length, long_options).unsqueeze(0).expand({batch, length});

  // Additive mask [B, 1, T, S]: causal and key padding. A large finite negative, not -inf, so a
  // padding query (which attends to nothing real) gets a uniform row instead of NaN.
  const int64_t keys = past + length;
  torch::Tensor key_padding;
  if (length > 1 || padded) {
    torch::Tensor query_index = torch::arange(past, keys, long_options).unsqueeze(1);
    torch::Tensor key_index = torch::arange(keys, long_options).unsqueeze(0);
    torch::Tensor allowed = (key_index <= query_index).unsqueeze(0).unsqueeze(0);  // [1,1,T,S]
    if (padded) allowed = allowed & key_mask.to(torch::kBool).unsqueeze(1).unsqueeze(1);
    const float lowest = -1e30f;
    key_padding = torch::zeros(allowed.sizes(), tokens.options().dtype(torch::kFloat32))
                      .masked_fill(allowed.logical_not(), lowest);
  }

  Hooks* hooks = context.hooks;
  const int64_t n_layers = options_.n_layers();
  torch::Tensor residual = torch::embedding(token_embedding_, tokens);
  if (options_.architecture() == Architecture::kGpt2)
    residual = residual + torch::embedding(position_embedding_, positions);
  if (hooks && hooks->active(HookPoint::kEmbed, -1))
    residual = hooks->run(HookPoint::kEmbed, -1, residual, n_layers);

  for (int64_t layer = 0; layer < n_layers; ++layer)
    residual = block_forward(layer, residual, positions, key_padding, context, past);
  if (cache) {
    cache->mask = key_mask;
    cache->length = keys;
  }

  if (context.last_position_only && !(hooks && hooks->active(HookPoint::kLnFinal, -1)))
    residual = residual.narrow(1, length - 1, 1);
  torch::Tensor normed = final_norm(residual);
  if (hooks && hooks->active(HookPoint::kLnFinal, -1))
    normed = hooks->run(HookPoint::kLnFinal, -1, normed, n_layers);
  if (context.last_position_only && normed.size(1) != 1) normed = normed.narrow(1, length - 1, 1);
  return unembed(normed);
}

torch::Tensor TransformerImpl::block_forward(int64_t layer, torch::Tensor residual,
                                             const torch::Tensor& positions,
                                             const torch::Tensor& key_padding,
                                             const ForwardContext& context, int64_t past_length) {
  Hooks* hooks = context.hooks;
  const int64_t n_layers = options_.n_layers();
  auto site = [&](HookPoint point, torch::Tensor activation) {
    return hooks && hooks->active(point, layer) ? hooks->run(point, layer, activation, n_layers)
                                                : activation;
  };
  const LayerTensors& t = layers_[static_cast<size_t>(layer)];
  const bool llama = options_.architecture() == Architecture::kLlama;
  residual = site(HookPoint::kResidPre, residual);
  torch::Tensor attended =
      llama ? norm(residual, t.input_norm, {}) : norm(residual, t.ln1_weight, t.ln1_bias);
  torch::Tensor attention_out =
      site(HookPoint::kAttnOut,
           attention(layer, attended, positions, key_padding, context, past_length));
  residual = residual + attention_out;
  torch::Tensor normed =
      llama ? norm(residual, t.post_attention_norm, {}) : norm(residual, t.ln2_weight, t.ln2_bias);
  torch::Tensor mlp_out = site(HookPoint::kMlpOut, mlp(layer, normed, context));
  return site(HookPoint::kResidPost, residual + mlp_out);
}

torch::Tensor TransformerImpl::attention(int64_t layer, const torch::Tensor& normed,
                                         const torch::Tensor& positions,
                                         const torch::Tensor& key_padding,
                                         const ForwardContext& context, int64_t past_length) {
  const LayerTensors& t = layers_[static_cast<size_t>(layer)];
  const int64_t batch = normed.size(0), length = normed.size(1);
  const int64_t heads = options_.n_heads(), kv_heads = options_.n_kv_heads();
  const int64_t head_dim = options_.head_dim(), group = heads / kv_heads;
  torch::Tensor query, key, value;
  if (options_.architecture() == Architecture::kLlama) {
    if (rope_cos_.device() != normed.device()) {
      rope_cos_ = rope_cos_.to(normed.device());
      rope_sin_ = rope_sin_.to(normed.device());
    }
    query = project(normed, t.q, layer, 0).view({batch, length, heads, head_dim});
    key = project(normed, t.k, layer, 1).view({batch, length, kv_heads, head_dim});
    value = project(normed, t.v, layer, 2).view({batch, length, kv_heads, head_dim});
    torch::Tensor cos =
        rope_cos_.index_select(0, positions.reshape(-1)).view({batch, length, 1, head_dim / 2});
    torch::Tensor sin =
        rope_sin_.index_select(0, positions.reshape(-1)).view({batch, length, 1, head_dim / 2});
    query = rotate(query, cos, sin);
    key = rotate(key, cos, sin);
  } else {
    torch::Tensor qkv =
        torch::addmm(t.c_attn_bias, normed.reshape({-1, options_.dim()}), t.c_attn_weight)
            .view({batch, length, 3, heads, head_dim});
    query = qkv.select(2, 0);
    key = qkv.select(2, 1);
    value = qkv.select(2, 2);
  }
  query = query.transpose(1, 2);  // [B, H, T, d]
  key = key.transpose(1, 2);      // [B, KV, T, d]
  value = value.transpose(1, 2);
  if (KvCache* cache = context.cache) {
    cache->keys[static_cast<size_t>(layer)].narrow(2, past_length, length).copy_(key);
    cache->values[static_cast<size_t>(layer)].narrow(2, past_length, length).copy_(value);
    key = cache->keys[static_cast<size_t>(layer)].narrow(2, 0, past_length + length);
    value = cache->values[static_cast<size_t>(layer)].narrow(2, 0, past_length + length);
  }
  const int64_t keys = key.size(2);
  // Grouped-query attention without copying keys: the `group` query heads that share a key/value
  // head are stacked along the query axis.
  torch::Tensor grouped = query.reshape({batch, kv_heads, group * length, head_dim});
  torch::Tensor scores =
      torch::matmul(grouped, key.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim));
  scores = scores.view({batch, heads, length, keys});
  if (key_padding.defined()) scores = scores + key_padding;
  torch::Tensor weights = torch::softmax(scores, -1);
  torch::Tensor z = torch::matmul(weights.view({batch, kv_heads, group * length, keys}), value)
                        .view({batch, heads, length, head_dim})
                        .transpose(1, 2);  // [B, T, H, d]
  Hooks* hooks = context.hooks;
  if (hooks && hooks->active(HookPoint::kAttnZ, layer))
    z = hooks->run(HookPoint::kAttnZ, layer, z, options_.n_layers());
  torch::Tensor flat = z.reshape({batch, length, options_.dim()});
  if (options_.architecture() == Architecture::kLlama) return project(flat, t.o, layer, 3);
  return torch::addmm(t.attn_proj_bias, flat.view({-1, options_.dim()}), t.attn_proj_weight)
      .view({batch, length, options_.dim()});
}

torch::Tensor TransformerImpl::mlp(int64_t layer, const torch::Tensor& normed,
                                   const ForwardContext& context) {
  const LayerTensors& t = layers_[static_cast<size_t>(layer)];
  Hooks* hooks = context.hooks;
  torch::Tensor hidden;
  if (options_.architecture() == Architecture::kLlama) {
    hidden = torch::silu(project(normed, t.gate, layer, 4)) * project(normed, t.up, layer, 5);
  } else {
    torch::Tensor flat = normed.reshape({-1, options_.dim()});
    hidden = torch::gelu(torch::addmm(t.fc_bias, flat, t.fc_weight), "tanh")
                 .view({normed.size(0), normed.size(1), options_.hidden_dim()});
  }
  if (hooks && hooks->active(HookPoint::kMlpPost, layer))
    hidden = hooks->run(HookPoint::kMlpPost, layer, hidden, options_.n_layers());
  if (options_.architecture() == Architecture::kLlama) return project(hidden, t.down, layer, 6);
  return torch::addmm(t.mlp_proj_bias, hidden.reshape({-1, options_.hidden_dim()}),
                      t.mlp_proj_weight)
      .view({normed.size(0), normed.size(1), options_.dim()});
}

}  // namespace evergreen::lm
