#include "evergreen/models/lm/causal_language_model.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "evergreen/core/error.h"
#include "evergreen/models/lm/model_file.h"

namespace evergreen::lm {

CausalLanguageModelImpl::CausalLanguageModelImpl(Transformer transformer,
                                                 int64_t evaluation_batch_size)
    : transformer_(register_module("transformer", transformer)),
      evaluation_batch_size_(evaluation_batch_size) {}

Batch CausalLanguageModelImpl::forward(const Batch& batch) {
  // Rows are packed documents padded only at their end: causal attention keeps padding out of
  // every real token's view, so no attention mask is needed.
  return Batch{{"prediction", transformer_->forward(batch.at("tokens"))}};
}

std::pair<torch::Tensor, torch::Tensor> CausalLanguageModelImpl::token_losses(
    const Batch& batch, const Batch& outputs) {
  const torch::Tensor& logits = outputs.at("prediction");  // [N, T, V]
  const torch::Tensor& tokens = batch.at("tokens");
  const int64_t length = tokens.size(1), vocab = logits.size(-1);
  torch::Tensor predicted = logits.narrow(1, 0, length - 1).reshape({-1, vocab});
  torch::Tensor targets = tokens.narrow(1, 1, length - 1).reshape({-1});
  torch::Tensor weights =
      batch.contains("mask")
          ? batch.at("mask").narrow(1, 1, length - 1).reshape({-1}).to(logits.dtype())
          : torch::ones_like(targets, logits.options());
  torch::Tensor losses = torch::nn::functional::cross_entropy(
      predicted, targets, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  return {(losses * weights).sum(), weights.sum()};
}

torch::Tensor CausalLanguageModelImpl::loss(const Batch& batch, const Batch& outputs) {
  auto [total, count] = token_losses(batch, outputs);
  return total / count.clamp_min(1.0);
}

torch::Tensor CausalLanguageModelImpl::negative_log_likelihood(const Batch& batch,
                                                               const Batch& outputs) {
  return token_losses(batch, outputs).first;
}

std::map<std::string, double> CausalLanguageModelImpl::evaluate(const Batch& batch) {
  torch::NoGradGuard no_grad;
  const torch::Tensor& tokens = batch.at("tokens");
  const int64_t rows = tokens.size(0), length = tokens.size(1);
  double total = 0.0, count = 0.0, correct = 0.0;
  for (int64_t begin = 0; begin < rows; begin += evaluation_batch_size_) {
    const int64_t size = std::min(evaluation_batch_size_, rows - begin);
    Batch part{{"tokens", tokens.narrow(0, begin, size)}};
    if (batch.contains("mask")) part.set("mask", batch.at("mask").narrow(0, begin, size));
    Batch outputs = forward(part);
    auto [sum, predicted] = token_losses(part, outputs);
    total += sum.item<double>();
    count += predicted.item<double>();
    torch::Tensor guesses = outputs.at("prediction").narrow(1, 0, length - 1).argmax(-1);
    torch::Tensor hits = guesses.eq(part.at("tokens").narrow(1, 1, length - 1)).to(torch::kFloat64);
    if (part.contains("mask")) hits = hits * part.at("mask").narrow(1, 1, length - 1);
    correct += hits.sum().item<double>();
  }
  EVERGREEN_CHECK_INPUT(count > 0, "language model evaluation: no token to predict");
  const double nll = total / count;
  return {{"perplexity", std::exp(nll)},
          {"nll_per_token", nll},
          {"next_token_accuracy", correct / count}};
}

torch::Tensor CausalLanguageModelImpl::distillation_loss(const Batch& outputs,
                                                         const torch::Tensor& teacher_prediction,
                                                         double temperature) {
  const torch::Tensor& prediction = outputs.at("prediction");
  if (temperature <= 0) return torch::mse_loss(prediction, teacher_prediction);
  namespace F = torch::nn::functional;
  const int64_t vocab = prediction.size(-1);
  auto student =
      F::log_softmax(prediction.reshape({-1, vocab}) / temperature, F::LogSoftmaxFuncOptions(1));
  auto teacher =
      F::softmax(teacher_prediction.reshape({-1, vocab}) / temperature, F::SoftmaxFuncOptions(1));
  return F::kl_div(student, teacher, F::KLDivFuncOptions().reduction(torch::kBatchMean)) *
         (temperature * temperature);
}

int64_t CausalLanguageModelImpl::forward_macs_per_row() const {
  const TransformerOptions& o = transformer_->options();
  const int64_t length = o.max_seq_len(), dim = o.dim();
  const int64_t mlp_matrices = o.architecture() == Architecture::kLlama ? 3 : 2;
  const int64_t per_token_layer =
      2 * dim * dim + 2 * dim * o.kv_dim() + mlp_matrices * dim * o.hidden_dim();
  // Causal attention: a query reads (T + 1) / 2 keys on average, for scores and for values.
  const int64_t attention = length * (length + 1) / 2 * 2 * dim;
  return o.n_layers() * (length * per_token_layer + attention) + length * o.vocab_size() * dim;
}

std::shared_ptr<Model> make_causal_language_model(Options& options, const Stream& stream) {
  const StreamSpec& spec = stream.spec;
  EVERGREEN_CHECK_INPUT(spec.kind == StreamKind::kTokenSequences && spec.vocab_size > 0 &&
                            spec.input_shape.size() == 1,
                        "model 'causal_lm' needs a token stream (stream: {{name: text, ...}})");
  const int64_t context = spec.input_shape[0];
  auto init = options.get<std::string>(
      "init", "", "model file to start from (llama2.c .bin or Hugging Face directory)");
  auto architecture = options.get_choice("architecture", "llama", {"llama", "gpt2"},
                                         "transformer family (ignored with init)");
  auto dim = options.get<int64_t>("dim", 64, "residual width");
  auto layers = options.get<int64_t>("layers", 2, "blocks");
  auto heads = options.get<int64_t>("heads", 4, "attention heads");
  auto kv_heads = options.get<int64_t>("kv_heads", 0, "key/value heads (Llama; 0: heads)");
  auto hidden_dim = options.get<int64_t>(
      "hidden_dim", 0, "MLP width (0: 4 dim for GPT-2, 8 dim / 3 rounded up to 8 for Llama)");
  auto evaluation_batch_size =
      options.get<int64_t>("evaluation_batch_size", 64, "rows per forward pass in evaluation");
  EVERGREEN_CHECK_INPUT(evaluation_batch_size >= 1, "{}: must be >= 1",
                        options.where("evaluation_batch_size"));
  auto lora_rank = options.get<int64_t>(
      "lora_rank", 0, "LoRA adapters of this rank on lora_targets, the rest frozen (0: none)");
  auto lora_alpha = options.get<double>("lora_alpha", 16.0, "LoRA scale numerator (alpha / rank)");
  auto lora_targets = options.get<std::vector<std::string>>(
      "lora_targets", {"q_proj", "v_proj"}, "projections that get adapters (Llama names)");
  EVERGREEN_CHECK_INPUT(lora_rank >= 0, "{}: must be >= 0 (0: no adapters)",
                        options.where("lora_rank"));
  std::optional<LoraOptions> lora;
  if (lora_rank > 0) {
    lora = LoraOptions().rank(lora_rank).alpha(lora_alpha).targets(lora_targets);
    lora->check(options.where("lora_rank"));
  }
  auto with_adapters = [&](Transformer transformer) -> std::shared_ptr<Model> {
    if (lora) transformer->add_lora(*lora);
    return std::make_shared<CausalLanguageModelImpl>(transformer, evaluation_batch_size);
  };
  if (!init.empty()) {
    Transformer transformer = load_model(init);
    const TransformerOptions& loaded = transformer->options();
    EVERGREEN_CHECK_INPUT(loaded.vocab_size() == spec.vocab_size,
                          "{}: {} has a vocabulary of {} tokens, the stream's tokenizer {}",
                          options.where("init"), init, loaded.vocab_size(), spec.vocab_size);
    EVERGREEN_CHECK_INPUT(loaded.max_seq_len() >= context,
                          "{}: {} has a context of {} tokens, shorter than the stream's rows of {}",
                          options.where("init"), init, loaded.max_seq_len(), context);
    return with_adapters(transformer);
  }
  const Architecture family = parse_architecture(architecture, options.where("architecture"));
  if (hidden_dim == 0)
    hidden_dim = family == Architecture::kGpt2 ? 4 * dim : (8 * dim / 3 + 7) / 8 * 8;
  TransformerOptions shape =
      TransformerOptions()
          .architecture(family)
          .vocab_size(spec.vocab_size)
          .dim(dim)
          .n_layers(layers)
          .n_heads(heads)
          .n_kv_heads(family == Architecture::kGpt2 || kv_heads == 0 ? heads : kv_heads)
          .hidden_dim(hidden_dim)
          .max_seq_len(context);
  shape.check(options.path());
  return with_adapters(Transformer(shape));
}

}  // namespace evergreen::lm
