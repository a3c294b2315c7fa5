#include "evergreen/models/lm/fused_llama_decoder.h"

#include <algorithm>
#include <cmath>

namespace evergreen::lm {
namespace {

// Eight partial sums: independent lanes the compiler maps to one vector register, where a single
// running sum would force a sequential float reduction.
inline float dot(const float* a, const float* b, int64_t n) {
  float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int lane = 0; lane < 8; ++lane) partial[lane] += a[i + lane] * b[i + lane];
  float sum = ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
              ((partial[4] + partial[5]) + (partial[6] + partial[7]));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

// y[b, o] = sum_i w[o, i] x[b, i] for `batch` rows: each weight row is read once for all rows.
void matmul(const float* w, const float* x, float* y, int64_t batch, int64_t in, int64_t out) {
  for (int64_t o = 0; o < out; ++o) {
    const float* row = w + o * in;
    for (int64_t b = 0; b < batch; ++b) y[b * out + o] = dot(row, x + b * in, in);
  }
}

void rms_norm(const float* x, const float* weight, float* out, int64_t batch, int64_t dim,
              float eps) {
  for (int64_t b = 0; b < batch; ++b) {
    const float* row = x + b * dim;
    const float scale = 1.0f / std::sqrt(dot(row, row, dim) / static_cast<float>(dim) + eps);
    for (int64_t i = 0; i < dim; ++i) out[b * dim + i] = row[i] * scale * weight[i];
  }
}

// Rotate-half rotary embedding of `heads` heads of one row at one position.
void rotate(float* x, int64_t heads, int64_t head_dim, const float* cos, const float* sin) {
  const int64_t half = head_dim / 2;
  for (int64_t h = 0; h < heads; ++h) {
    float* head = x + h * head_dim;
    for (int64_t i = 0; i < half; ++i) {
      const float first = head[i], second = head[i + half];
      head[i] = first * cos[i] - second * sin[i];
      head[i + half] = second * cos[i] + first * sin[i];
    }
  }
}

}  // namespace

void fused_llama_decode_step(const FusedLlamaWeights& w, const FusedKvCache& cache, int64_t batch,
                             const int64_t* tokens, const int64_t* positions, int64_t column,
                             const uint8_t* key_valid, int64_t column_stride, float* logits,
                             FusedScratch& s) {
  const int64_t D = w.dim, F = w.hidden_dim, H = w.n_heads, KV = w.n_kv_heads;
  const int64_t head_dim = D / H, kv_dim = KV * head_dim, group = H / KV, half = head_dim / 2;
  const int64_t capacity = cache.capacity;
  s.residual.resize(static_cast<size_t>(batch * D));
  s.normed.resize(static_cast<size_t>(batch * D));
  s.query.resize(static_cast<size_t>(batch * D));
  s.key.resize(static_cast<size_t>(batch * kv_dim));
  s.value.resize(static_cast<size_t>(batch * kv_dim));
  s.heads_out.resize(static_cast<size_t>(batch * D));
  s.projected.resize(static_cast<size_t>(batch * D));
  s.gate.resize(static_cast<size_t>(batch * F));
  s.up.resize(static_cast<size_t>(batch * F));
  s.scores.resize(static_cast<size_t>(column + 1));
  float* x = s.residual.data();
  for (int64_t b = 0; b < batch; ++b) std::copy_n(w.token_embedding + tokens[b] * D, D, x + b * D);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));

  for (int64_t l = 0; l < w.n_layers; ++l) {
    const FusedLlamaWeights::Layer& layer = w.layers[static_cast<size_t>(l)];
    rms_norm(x, layer.input_norm, s.normed.data(), batch, D, w.norm_eps);
    matmul(layer.q, s.normed.data(), s.query.data(), batch, D, D);
    matmul(layer.k, s.normed.data(), s.key.data(), batch, D, kv_dim);
    matmul(layer.v, s.normed.data(), s.value.data(), batch, D, kv_dim);
    float* keys = cache.keys[static_cast<size_t>(l)];
    float* values = cache.values[static_cast<size_t>(l)];
    for (int64_t b = 0; b < batch; ++b) {
      const float* cos = w.rope_cos + positions[b] * half;
      const float* sin = w.rope_sin + positions[b] * half;
      float* q = s.query.data() + b * D;
      float* k = s.key.data() + b * kv_dim;
      rotate(q, H, head_dim, cos, sin);
      rotate(k, KV, head_dim, cos, sin);
      for (int64_t g = 0; g < KV; ++g) {
        const int64_t offset = ((b * KV + g) * capacity + column) * head_dim;
        std::copy_n(k + g * head_dim, head_dim, keys + offset);
        std::copy_n(s.value.data() + b * kv_dim + g * head_dim, head_dim, values + offset);
      }
      const uint8_t* valid = key_valid ? key_valid + b * column_stride : nullptr;
      for (int64_t h = 0; h < H; ++h) {
        const int64_t g = h / group;
        const float* head_keys = keys + (b * KV + g) * capacity * head_dim;
        const float* head_values = values + (b * KV + g) * capacity * head_dim;
        const float* qh = q + h * head_dim;
        float largest = -INFINITY;
        for (int64_t j = 0; j <= column; ++j) {
          const bool real = j == column || !valid || valid[j];
          const float score =
              real ? dot(qh, head_keys + j * head_dim, head_dim) * scale : -INFINITY;
          s.scores[static_cast<size_t>(j)] = score;
          largest = std::max(largest, score);
        }
        float total = 0;
        for (int64_t j = 0; j <= column; ++j) {
          const float e = std::exp(s.scores[static_cast<size_t>(j)] - largest);
          s.scores[static_cast<size_t>(j)] = e;
          total += e;
        }
        float* out = s.heads_out.data() + b * D + h * head_dim;
        std::fill_n(out, head_dim, 0.0f);
        for (int64_t j = 0; j <= column; ++j) {
          const float weight = s.scores[static_cast<size_t>(j)] / total;
          if (weight == 0.0f) continue;
          const float* vj = head_values + j * head_dim;
          for (int64_t i = 0; i < head_dim; ++i) out[i] += weight * vj[i];
        }
      }
    }
    matmul(layer.o, s.heads_out.data(), s.projected.data(), batch, D, D);
    for (int64_t i = 0; i < batch * D; ++i) x[i] += s.projected[static_cast<size_t>(i)];

    rms_norm(x, layer.post_attention_norm, s.normed.data(), batch, D, w.norm_eps);
    matmul(layer.gate, s.normed.data(), s.gate.data(), batch, D, F);
    matmul(layer.up, s.normed.data(), s.up.data(), batch, D, F);
    for (int64_t i = 0; i < batch * F; ++i) {
      const float g = s.gate[static_cast<size_t>(i)];
      s.gate[static_cast<size_t>(i)] = g / (1.0f + std::exp(-g)) * s.up[static_cast<size_t>(i)];
    }
    matmul(layer.down, s.gate.data(), s.projected.data(), batch, F, D);
    for (int64_t i = 0; i < batch * D; ++i) x[i] += s.projected[static_cast<size_t>(i)];
  }
  rms_norm(x, w.final_norm, s.normed.data(), batch, D, w.norm_eps);
  matmul(w.unembedding, s.normed.data(), logits, batch, D, w.vocab_size);
}

}  // namespace evergreen::lm
