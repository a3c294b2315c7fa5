#include "evergreen/strategies/prompt_tpp.h"

#include <cmath>

#include "evergreen/core/error.h"
#include "evergreen/models/prompt_attachment.h"
#include "evergreen/strategies/weight_options.h"

namespace evergreen {
namespace {

// The plan refuses models without the `prompts` capability; this guards direct use.
PromptAttachment& prompt_attachment_of(Model& model) {
  PromptAttachment* attachment = model.prompt_attachment();
  EVERGREEN_CHECK_INPUT(attachment != nullptr,
                        "strategy 'prompttpp' needs a model with prompt attachment points "
                        "(Model::prompt_attachment(), e.g. attnhp's attention layers)");
  return *attachment;
}

}  // namespace

// make_prompt_tpp checks the options read from a config; this guards direct C++ construction.
PromptTppStrategy::PromptTppStrategy(const PromptTppOptions& options) : options_(options) {
  EVERGREEN_ASSERT(
      options.pool_size() >= 1 && options.prompt_length() >= 1 && options.top_n() >= 1 &&
          options.top_n() <= options.pool_size() && options.query_events() >= 2,
      "prompttpp: pool_size {}, prompt_length {}, top_n {}, query_events {}", options.pool_size(),
      options.prompt_length(), options.top_n(), options.query_events());
}

void PromptTppStrategy::create_pool(int64_t layers, int64_t input_size,
                                    torch::Generator& generator) {
  pool_ = std::make_shared<torch::nn::Module>();
  keys_.clear();
  prompts_.clear();
  for (int64_t layer = 0; layer < layers; ++layer) {
    // Uniform in [-1, 1) from the run's generator, so runs and resumptions are reproducible.
    keys_.push_back(pool_->register_parameter(
        "keys_" + std::to_string(layer),
        torch::rand({options_.pool_size(), input_size}, generator) * 2 - 1));
    prompts_.push_back(pool_->register_parameter(
        "prompts_" + std::to_string(layer),
        torch::rand({options_.pool_size(), options_.prompt_length(), input_size}, generator) * 2 -
            1));
  }
  pool_parameters_ = FlatParameters(*pool_);
}

void PromptTppStrategy::attach(PromptAttachment& model, torch::Generator& generator) {
  const int64_t layers = model.prompt_layers(), input_size = model.prompt_row_size();
  if (!pool_) create_pool(layers, input_size, generator);
  EVERGREEN_CHECK_INPUT(
      static_cast<int64_t>(keys_.size()) == layers && keys_.front().size(1) == input_size,
      "prompttpp: the saved prompt pool does not fit the model's layers");
  model.set_prompt_provider(
      [this](PromptAttachment& target, const Batch& batch) { select_prompts(target, batch); });
}

void PromptTppStrategy::select_prompts(PromptAttachment& model, const Batch& batch) {
  const auto& times = batch.at("times");
  const auto& mask = batch.at("mask");
  const int64_t rows = times.size(0), length = times.size(1);
  // The history the prompts may depend on: the first query_events events of each sequence.
  const int64_t window = std::min(options_.query_events(), length);
  auto history_mask = mask.clone();
  history_mask.slice(1, window).zero_();
  Batch history = batch;
  history.set("mask", history_mask);
  auto counts = history_mask.sum(1);  // [N]
  auto last_index = (counts - 1).clamp_min(0).to(torch::kLong).unsqueeze(1);
  auto span = times.gather(1, last_index).squeeze(1) - times.select(1, 0);
  auto mean_gap = span / (counts - 1).clamp_min(1);  // [N]
  auto temporal = model.time_embedding(mean_gap);    // [N, T]

  model.clear_prefix();
  key_pull_term_ = torch::zeros({}, times.options());
  for (size_t layer = 0; layer < keys_.size(); ++layer) {
    auto query = model.layer_input_mean(history, static_cast<int64_t>(layer));  // [N, T + H]
    auto similarity = torch::cosine_similarity(query.unsqueeze(1), keys_[layer].unsqueeze(0),
                                               2);  // [N, M]
    auto chosen = std::get<1>(torch::topk(similarity.detach(), options_.top_n(), 1));
    key_pull_term_ = key_pull_term_ + similarity.gather(1, chosen).sum(1).mean();
    // Selected prompts [N, top_n * length, T + H]; their time part carries the temporal prompt.
    auto selected = prompts_[layer]
                        .index_select(0, chosen.reshape(-1))
                        .view({rows, options_.top_n() * options_.prompt_length(), -1});
    const int64_t time_size = temporal.size(1);
    auto with_time = torch::cat(
        {selected.slice(2, 0, time_size) + temporal.unsqueeze(1), selected.slice(2, time_size)}, 2);
    auto [keys, values] = model.project_key_value(static_cast<int64_t>(layer), with_time);
    model.set_prefix(static_cast<int64_t>(layer), keys, values);
  }
}

void PromptTppStrategy::before_experience(TrainingContext& context, const Experience& experience) {
  attach(prompt_attachment_of(context.model), context.generator);
}

torch::Tensor PromptTppStrategy::extra_loss(TrainingContext& context, const Batch& batch,
                                            const Batch& outputs) {
  if (!key_pull_term_.defined()) return {};
  return -options_.key_pull() * key_pull_term_;
}

void PromptTppStrategy::after_backward(TrainingContext& context) {
  if (!options_.train_backbone()) context.parameters.zero_gradients();
}

std::vector<ParameterGroup> PromptTppStrategy::parameter_groups() {
  if (!pool_) return {};
  ParameterGroup group;
  group.name = "prompttpp_pool";
  group.parameters = &pool_parameters_;
  group.learning_rate = options_.prompt_learning_rate();
  return {group};
}

torch::Tensor PromptTppStrategy::pool_values() const {
  return pool_ ? pool_parameters_.values() : torch::Tensor();
}

MemoryUsage PromptTppStrategy::memory() const {
  if (!pool_) return {};
  return {0, pool_parameters_.size() * pool_parameters_.values().element_size()};
}

void PromptTppStrategy::save(torch::serialize::OutputArchive& archive) const {
  if (!pool_) return;
  archive.write("prompttpp_pool", pool_parameters_.values());
  archive.write("prompttpp_shape",
                torch::tensor({static_cast<int64_t>(keys_.size()), keys_.front().size(1)}));
}

void PromptTppStrategy::load(torch::serialize::InputArchive& archive) {
  torch::Tensor values, shape;
  if (!archive.try_read("prompttpp_pool", values)) return;
  archive.read("prompttpp_shape", shape);
  // Build a pool of the saved shape (its initial values are overwritten right away).
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  create_pool(shape[0].item<int64_t>(), shape[1].item<int64_t>(), generator);
  EVERGREEN_CHECK_INPUT(values.sizes() == pool_parameters_.values().sizes(),
                        "prompttpp: the saved pool holds {} values, the options give {}",
                        values.numel(), pool_parameters_.size());
  torch::NoGradGuard no_grad;
  pool_parameters_.values().copy_(values);
}

std::unique_ptr<Strategy> make_prompt_tpp(Options& options) {
  auto pool_size = options.get<int64_t>("pool_size", 10, "prompts per attention layer");
  auto prompt_length = options.get<int64_t>("prompt_length", 5, "rows per prompt");
  auto top_n = options.get<int64_t>("top_n", 5, "prompts retrieved per sequence and layer");
  auto key_pull = read_weight(options, "key_pull", 0.1, "weight of the key-pull term");
  auto query_events = options.get<int64_t>(
      "query_events", 8, "first events of a sequence that the retrieval query reads");
  auto learning_rate = options.get<double>("prompt_learning_rate", 0.0,
                                           "learning rate of the pool (0: the trainer's)");
  auto train_backbone =
      options.get<bool>("train_backbone", true, "also train AttNHP (false: prompts and keys only)");
  EVERGREEN_CHECK_INPUT(pool_size >= 1, "{}: must be >= 1", options.where("pool_size"));
  EVERGREEN_CHECK_INPUT(prompt_length >= 1, "{}: must be >= 1", options.where("prompt_length"));
  EVERGREEN_CHECK_INPUT(top_n >= 1 && top_n <= pool_size, "{}: must be in [1, pool_size]",
                        options.where("top_n"));
  EVERGREEN_CHECK_INPUT(query_events >= 2, "{}: must be >= 2", options.where("query_events"));
  EVERGREEN_CHECK_INPUT(learning_rate >= 0 && std::isfinite(learning_rate),
                        "{}: expected a finite learning rate >= 0 (0: the trainer's), got {}",
                        options.where("prompt_learning_rate"), learning_rate);
  return std::make_unique<PromptTppStrategy>(PromptTppOptions()
                                                 .pool_size(pool_size)
                                                 .prompt_length(prompt_length)
                                                 .top_n(top_n)
                                                 .key_pull(key_pull)
                                                 .query_events(query_events)
                                                 .prompt_learning_rate(learning_rate)
                                                 .train_backbone(train_backbone));
}

}  // namespace evergreen
