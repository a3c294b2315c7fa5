// Text generation: greedy, temperature, top-k and top-p (nucleus) sampling with a seeded
// generator, over batches of prompts of unequal length (left-padded), with a KV cache. Llama
// models on a CPU in float32 decode through the fused step (fused_llama_decoder.h) unless hooks
// are wanted; everything else through the tensor forward pass.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "evergreen/models/lm/transformer.h"

namespace evergreen::lm {

struct SamplingOptions {
  /// 0 is greedy (argmax; ties go to the lowest id, as run.c's argmax does).
  TORCH_ARG(double, temperature) = 0.0;
  /// Keep only the k most likely tokens (0: all).
  TORCH_ARG(int64_t, top_k) = 0;
  /// Keep the smallest set of most likely tokens whose probability reaches p (1: all).
  TORCH_ARG(double, top_p) = 1.0;
  TORCH_ARG(uint64_t, seed) = 0;

 public:
  /// InputError naming the field for impossible values.
  void check() const;
};

struct GenerationOptions {
  TORCH_ARG(int64_t, max_new_tokens) = 256;
  TORCH_ARG(SamplingOptions, sampling) = {};
  /// A row stops after producing this token (-1: never; the result keeps it).
  TORCH_ARG(int64_t, stop_token) = -1;
  /// Use the fused decode step where it applies (Llama, CPU, float32, no hooks).
  TORCH_ARG(bool, fused) = true;
};

/// The next token of each row from logits [B, V].
torch::Tensor sample_next(const torch::Tensor& logits, const SamplingOptions& options,
                          at::Generator& generator);

struct Generation {
  /// New tokens per row (up to and including the stop token).
  std::vector<std::vector<int64_t>> tokens;
  /// Decode steps taken after the prompt and their wall time (prompt processing excluded).
  int64_t decode_steps = 0;
  double decode_seconds = 0.0;
  double prompt_seconds = 0.0;
};

/// Continues each prompt (token ids; at least one token each) by up to max_new_tokens.
///
/// Example (stories260K's ground truth: greedy from BOS):
///   Generation out = generate(*model, {{1}}, GenerationOptions().max_new_tokens(256));
Generation generate(TransformerImpl& model, const std::vector<std::vector<int64_t>>& prompts,
                    const GenerationOptions& options);

/// Logits [B, V] of one decode step through the fused path, continuing `cache` (which the
/// tensor forward pass may have filled): what generate() uses, exposed so that tests can
/// compare it with the tensor forward pass.
torch::Tensor fused_decode_step(TransformerImpl& model, KvCache& cache,
                                const torch::Tensor& tokens);

}  // namespace evergreen::lm
