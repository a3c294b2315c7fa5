// A transformer language model (Llama or GPT-2, transformer.h) as an engine model: it reads token
// streams (data/text/text_stream.h), so every continual strategy trains it on a stream of text
// experiences like any other model.
#pragma once

#include <torch/torch.h>

#include <string>

#include "evergreen/core/options.h"
#include "evergreen/models/lm/transformer.h"
#include "evergreen/models/model.h"

namespace evergreen::lm {

/// Reads "tokens" int64 [N, T] and "mask" [N, T] (1: a real token); writes "prediction" (logits
/// [N, T, V]). Loss: mean cross-entropy of each next token whose mask is 1. Metrics on a split:
/// perplexity (the main metric, lower is better), nll_per_token (nats) and next_token_accuracy.
///
/// Example:
///   CausalLanguageModel model(Transformer(TransformerOptions().vocab_size(512).max_seq_len(64)));
///   torch::Tensor loss = model->loss(batch, model->forward(batch));
class CausalLanguageModelImpl : public Model {
 public:
  explicit CausalLanguageModelImpl(Transformer transformer, int64_t evaluation_batch_size = 64);
  Batch forward(const Batch& batch) override;
  torch::Tensor loss(const Batch& batch, const Batch& outputs) override;
  /// Cross-entropy summed over the batch's predicted tokens: -log p(tokens) under the model.
  torch::Tensor negative_log_likelihood(const Batch& batch, const Batch& outputs) override;
  std::map<std::string, double> evaluate(const Batch& batch) override;
  /// Per position over the vocabulary: T^2 KL(teacher || student) averaged over rows and
  /// positions; temperature 0 gives the logits' mean squared error.
  torch::Tensor distillation_loss(const Batch& outputs, const torch::Tensor& teacher_prediction,
                                  double temperature = 0.0) override;
  MainMetric main_metric() const override { return {"perplexity", false}; }
  static constexpr ModelCapabilities kCapabilities{OutputKind::kLogits};
  ModelCapabilities capabilities() const override { return kCapabilities; }
  int64_t forward_macs_per_row() const override;

  TransformerImpl& transformer() { return *transformer_; }

 private:
  /// Summed cross-entropy and the number of predicted tokens.
  std::pair<torch::Tensor, torch::Tensor> token_losses(const Batch& batch, const Batch& outputs);

  Transformer transformer_;
  int64_t evaluation_batch_size_;
};
TORCH_MODULE(CausalLanguageModel);

/// The registry's factory: vocabulary and context from the stream's spec; options architecture
/// (llama, gpt2), dim, layers, heads, kv_heads, hidden_dim, or `init`: a model file to start from
/// (llama2.c .bin or Hugging Face directory; its vocabulary must be the stream's); lora_rank > 0
/// adds LoRA adapters (lora.h) on lora_targets with lora_alpha and freezes everything else.
std::shared_ptr<Model> make_causal_language_model(Options& options, const Stream& stream);

}  // namespace evergreen::lm
