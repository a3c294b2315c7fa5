// PromptTPP, after Xue et al., "Prompt-augmented Temporal Point Process for Streaming Event
// Sequence" (NeurIPS 2023): a continuous-time retrieval prompt pool per attention layer of
// AttNHP, learned window by window with no replay and no task identity. The strategy reaches the
// model only through its PromptAttachment (models/prompt_attachment.h), so any model that offers
// one takes the pool.
//
// Per layer l: a pool of `pool_size` prompts, each `prompt_length` rows in the layer's input
// space, with learnable keys. For every sequence the query is the mean input of layer l (with
// the prompts already chosen for the layers below) over its first `query_events` events; the
// `top_n` prompts whose keys are most cosine-similar are selected, each row joined with the time
// embedding of the mean inter-event time of those same events (the temporal prompt), projected
// by the layer's own key/value maps and prepended to its keys and values (prefix-tuning; the
// model applies its causal mask after the prefix columns). Loss = NLL - key_pull * the selected
// keys' cosine similarity (summed over layers and selections, averaged over sequences).
//
// Fixes of the public code's defects: (1) the causal mask is after the prompt columns (AttNHP);
// (2) the temporal prompt and the query use the history only (the first `query_events` events,
// no padding, no later events), so events after them cannot change earlier likelihood terms;
// (3) the pool is saved and restored with every checkpoint, verified bit for bit; (4) reported
// likelihoods never include the key-pull term (it is an extra loss, not part of the model);
// (5) next-event prediction works in offsets from the last event (models/tpp/thinning.h).
#pragma once

#include "evergreen/core/options.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

class PromptAttachment;

struct PromptTppOptions {
  TORCH_ARG(int64_t, pool_size) = 10;
  TORCH_ARG(int64_t, prompt_length) = 5;
  TORCH_ARG(int64_t, top_n) = 5;
  TORCH_ARG(double, key_pull) = 0.1;
  TORCH_ARG(int64_t, query_events) = 8;
  TORCH_ARG(double, prompt_learning_rate) = 0;  ///< 0: the trainer's learning rate
  TORCH_ARG(bool, train_backbone) = true;
};

class PromptTppStrategy : public Strategy {
 public:
  explicit PromptTppStrategy(const PromptTppOptions& options);
  void before_experience(TrainingContext& context, const Experience& experience) override;
  torch::Tensor extra_loss(TrainingContext& context, const Batch& batch,
                           const Batch& outputs) override;
  void after_backward(TrainingContext& context) override;
  std::vector<ParameterGroup> parameter_groups() override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override;

  /// The pool's parameters as one flat tensor (undefined before the first experience).
  torch::Tensor pool_values() const;
  /// Attaches the pool to `model`'s prompt attachment points (Model::prompt_attachment(), e.g.
  /// AttNHP's), creating it from `generator` when absent.
  void attach(PromptAttachment& model, torch::Generator& generator);

 private:
  void create_pool(int64_t layers, int64_t input_size, torch::Generator& generator);
  void select_prompts(PromptAttachment& model, const Batch& batch);

  PromptTppOptions options_;
  std::shared_ptr<torch::nn::Module> pool_;
  std::vector<torch::Tensor> keys_;     // per layer [pool_size, input_size]
  std::vector<torch::Tensor> prompts_;  // per layer [pool_size, prompt_length, input_size]
  FlatParameters pool_parameters_;      // updated by the trainer's optimiser (a parameter group)
  torch::Tensor key_pull_term_;         // of the latest forward pass
};

/// Reads pool_size, prompt_length, top_n, key_pull, query_events, prompt_learning_rate and
/// train_backbone.
std::unique_ptr<Strategy> make_prompt_tpp(Options& options);

}  // namespace evergreen
