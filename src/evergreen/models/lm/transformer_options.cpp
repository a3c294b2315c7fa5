#include "evergreen/models/lm/transformer_options.h"

#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"

namespace evergreen::lm {

const char* architecture_name(Architecture architecture) {
  return architecture == Architecture::kLlama ? "llama" : "gpt2";
}

Architecture parse_architecture(const std::string& name, const std::string& where) {
  if (name == "llama") return Architecture::kLlama;
  if (name == "gpt2") return Architecture::kGpt2;
  throw InputError(
      fmt::format("{}: architecture {} is not one of llama, gpt2", where, quote(name)));
}

void TransformerOptions::check(const std::string& where) const {
  auto positive = [&](int64_t value, const char* field) {
    EVERGREEN_CHECK_INPUT(value > 0, "{}: {} must be positive, got {}", where, field, value);
  };
  positive(vocab_size_, "vocab_size");
  positive(dim_, "dim");
  positive(n_layers_, "n_layers");
  positive(n_heads_, "n_heads");
  positive(n_kv_heads_, "n_kv_heads");
  positive(hidden_dim_, "hidden_dim");
  positive(max_seq_len_, "max_seq_len");
  EVERGREEN_CHECK_INPUT(dim_ % n_heads_ == 0, "{}: dim {} is not a multiple of n_heads {}", where,
                        dim_, n_heads_);
  EVERGREEN_CHECK_INPUT(n_heads_ % n_kv_heads_ == 0,
                        "{}: n_heads {} is not a multiple of n_kv_heads {}", where, n_heads_,
                        n_kv_heads_);
  EVERGREEN_CHECK_INPUT(architecture_ != Architecture::kGpt2 || n_kv_heads_ == n_heads_,
                        "{}: GPT-2 has no grouped-query attention: n_kv_heads {} != n_heads {}",
                        where, n_kv_heads_, n_heads_);
  EVERGREEN_CHECK_INPUT(architecture_ != Architecture::kGpt2 || tied_embeddings_,
                        "{}: GPT-2's unembedding is its token embedding (tied_embeddings true)",
                        where);
  EVERGREEN_CHECK_INPUT(architecture_ != Architecture::kLlama || head_dim() % 2 == 0,
                        "{}: rotary embeddings need an even head dimension, got {}", where,
                        head_dim());
  EVERGREEN_CHECK_INPUT(norm_eps_ > 0 && norm_eps_ < 1, "{}: norm_eps must lie in (0, 1), got {}",
                        where, norm_eps_);
  EVERGREEN_CHECK_INPUT(rope_theta_ > 1, "{}: rope_theta must exceed 1, got {}", where,
                        rope_theta_);
  // 2^40 parameters is far beyond any model this engine runs on one machine; the bound keeps
  // the products below from overflowing on absurd headers.
  constexpr int64_t kLargest = int64_t{1} << 24;
  for (int64_t value : {vocab_size_, dim_, hidden_dim_, max_seq_len_, n_layers_})
    EVERGREEN_CHECK_INPUT(value <= kLargest, "{}: a dimension of {} exceeds {}", where, value,
                          kLargest);
}

int64_t TransformerOptions::parameter_count() const {
  const int64_t embedding = vocab_size_ * dim_;
  if (architecture_ == Architecture::kLlama) {
    const int64_t attention = 2 * dim_ * dim_ + 2 * dim_ * kv_dim();
    const int64_t mlp = 3 * dim_ * hidden_dim_;
    const int64_t layer = attention + mlp + 2 * dim_;
    return embedding + n_layers_ * layer + dim_ + (tied_embeddings_ ? 0 : embedding);
  }
  const int64_t attention = dim_ * 3 * dim_ + 3 * dim_ + dim_ * dim_ + dim_;
  const int64_t mlp = dim_ * hidden_dim_ + hidden_dim_ + hidden_dim_ * dim_ + dim_;
  const int64_t layer = attention + mlp + 4 * dim_;
  return embedding + max_seq_len_ * dim_ + n_layers_ * layer + 2 * dim_;
}

}  // namespace evergreen::lm
