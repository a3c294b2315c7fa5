#include "evergreen/strategies/icarl.h"

#include <algorithm>
#include <iterator>
#include <limits>

#include "evergreen/core/error.h"
#include "evergreen/strategies/batch_archive.h"
#include "evergreen/strategies/experience_replay.h"
#include "evergreen/strategies/learning_without_forgetting.h"
#include "evergreen/strategies/memory_options.h"

namespace evergreen {
namespace {

namespace F = torch::nn::functional;

/// L2-normalised "hint" features of `rows`, without gradient.
torch::Tensor normalised_features(Model& model, const Batch& rows) {
  torch::NoGradGuard no_grad;
  return F::normalize(model.forward(rows).at("hint"), F::NormalizeFuncOptions().dim(1));
}

std::set<int64_t> labels_of(const Batch& rows) {
  auto labels = std::get<0>(torch::_unique(rows.at("y").to(torch::kLong)));
  std::set<int64_t> result;
  for (int64_t i = 0; i < labels.numel(); ++i) result.insert(labels[i].item<int64_t>());
  return result;
}

torch::Tensor as_index(const std::vector<int64_t>& values) {
  return torch::tensor(values, torch::kLong);
}

}  // namespace

std::vector<int64_t> herding_selection(const torch::Tensor& features, int64_t count) {
  const int64_t rows = features.size(0);
  count = std::min(count, rows);
  std::vector<int64_t> picks;
  if (count <= 0) return picks;
  torch::NoGradGuard no_grad;
  auto target = features.mean(0);
  auto picked_sum = torch::zeros_like(target);
  auto available = torch::ones({rows}, torch::kBool);
  for (int64_t k = 1; k <= count; ++k) {
    auto candidate_means = (features + picked_sum) / static_cast<double>(k);
    auto distances = (candidate_means - target).norm(2, 1);
    distances =
        distances.masked_fill(available.logical_not(), std::numeric_limits<double>::infinity());
    int64_t pick = distances.argmin().item<int64_t>();
    picks.push_back(pick);
    available[pick] = false;
    picked_sum += features[pick];
  }
  return picks;
}

torch::Tensor nearest_mean_scores(const torch::Tensor& features, const torch::Tensor& means) {
  return -torch::cdist(features.unsqueeze(0), means.unsqueeze(0)).squeeze(0);
}

IcarlStrategy::IcarlStrategy(const IcarlOptions& options) : options_(options) {
  // make_icarl checks the options read from a config.
  EVERGREEN_ASSERT(options.memory_size() >= 1 && options.replay_batch_size() >= 0,
                   "icarl: memory_size {}, replay_batch_size {}", options.memory_size(),
                   options.replay_batch_size());
}

void IcarlStrategy::before_experience(TrainingContext& context, const Experience& experience) {
  EVERGREEN_CHECK_INPUT(
      context.model.capabilities().output == OutputKind::kLogits && context.model.hint_size() > 0,
      "icarl needs a classifier with logits and a \"hint\" representation");
  current_classes_ = labels_of(experience.train);
}

Batch IcarlStrategy::before_step(TrainingContext& context, const Batch& batch) {
  Batch step = batch;
  if (replay_rows_.size() > 0) {
    int64_t count = replay_batch_size(options_.replay_batch_size(), context);
    int64_t held = replay_rows_.size();
    Batch replay =
        count >= held
            ? replay_rows_
            : replay_rows_.rows(
                  torch::randperm(held, context.generator, torch::kLong).slice(0, 0, count));
    step = Batch::cat({batch, replay});
  }
  if (previous_values_.defined()) {
    // The teacher runs before the step's forward pass: swapping parameters afterwards would
    // invalidate the tensors autograd saved for backward.
    step.set("teacher_prediction",
             forward_with_values(context.model, context.parameters, previous_values_, step)
                 .at("prediction"));
    context.extra_inference_rows += step.size();
  }
  return step;
}

torch::Tensor IcarlStrategy::classification_distillation_loss(const Batch& batch,
                                                              const Batch& outputs) const {
  const torch::Tensor& logits = outputs.at("prediction");
  auto targets = F::one_hot(batch.at("y").to(torch::kLong), logits.size(1)).to(logits.dtype());
  std::vector<int64_t> seen, old;
  for (int64_t label : known_classes_)
    if (!current_classes_.count(label)) old.push_back(label);
  std::set_union(known_classes_.begin(), known_classes_.end(), current_classes_.begin(),
                 current_classes_.end(), std::back_inserter(seen));
  if (!old.empty() && batch.contains("teacher_prediction")) {
    auto old_index = as_index(old);
    targets.index_copy_(1, old_index,
                        torch::sigmoid(batch.at("teacher_prediction").index_select(1, old_index)));
  }
  auto seen_index = as_index(seen);
  return F::binary_cross_entropy_with_logits(logits.index_select(1, seen_index),
                                             targets.index_select(1, seen_index));
}

torch::Tensor IcarlStrategy::extra_loss(TrainingContext& context, const Batch& batch,
                                        const Batch& outputs) {
  // The trainer always adds the model's cross-entropy; subtracting it leaves iCaRL's loss alone.
  return classification_distillation_loss(batch, outputs) - context.model.loss(batch, outputs);
}

void IcarlStrategy::after_experience(TrainingContext& context, const Experience& experience) {
  known_classes_.insert(current_classes_.begin(), current_classes_.end());
  const int64_t per_class =
      options_.memory_size() / static_cast<int64_t>(std::max<size_t>(known_classes_.size(), 1));
  for (auto& [label, rows] : exemplars_) {
    if (current_classes_.count(label)) continue;
    if (rows.size() > per_class) rows = rows.rows(torch::arange(per_class, torch::kLong));
  }
  const torch::Tensor labels = experience.train.at("y").to(torch::kLong);
  for (int64_t label : current_classes_) {
    Batch candidates = experience.train.rows(labels.eq(label).nonzero().squeeze(1));
    auto held = exemplars_.find(label);
    if (held != exemplars_.end()) candidates = Batch::cat({held->second, candidates});
    context.extra_inference_rows += candidates.size();
    auto order = herding_selection(normalised_features(context.model, candidates), per_class);
    if (order.empty()) {
      exemplars_.erase(label);
    } else {
      exemplars_[label] = candidates.rows(as_index(order));
    }
  }
  for (auto it = exemplars_.begin(); it != exemplars_.end();)
    it = it->second.size() == 0 ? exemplars_.erase(it) : std::next(it);
  previous_values_ = context.parameters.values().detach().clone();
  rebuild_replay_rows();
}

void IcarlStrategy::rebuild_replay_rows() {
  std::vector<Batch> parts;
  for (const auto& [label, rows] : exemplars_) parts.push_back(rows);
  replay_rows_ = Batch::cat(parts);
}

std::map<std::string, double> IcarlStrategy::evaluate(Model& model, const Batch& test) {
  if (exemplars_.empty()) return model.evaluate(test);
  torch::NoGradGuard no_grad;
  Batch outputs = model.forward(test);
  auto features = F::normalize(outputs.at("hint"), F::NormalizeFuncOptions().dim(1));
  std::vector<int64_t> classes;
  std::vector<torch::Tensor> means;
  for (const auto& [label, rows] : exemplars_) {
    classes.push_back(label);
    means.push_back(normalised_features(model, rows).mean(0));
  }
  auto class_means = F::normalize(torch::stack(means), F::NormalizeFuncOptions().dim(1));
  const torch::Tensor& logits = outputs.at("prediction");
  // Distances between unit vectors lie in [0, 2], so -3 - (a value in [0, 1)) ranks a class
  // without exemplars below all the others while keeping the model's order among such classes.
  auto row_max = std::get<0>(logits.max(1, true));
  auto row_range = row_max - std::get<0>(logits.min(1, true));
  auto scores = -3.0 - (row_max - logits) / (row_range + 1.0);
  scores.index_copy_(1, as_index(classes),
                     nearest_mean_scores(features, class_means).to(scores.dtype()));
  outputs.set("prediction", scores);
  return model.evaluate_outputs(test, outputs);
}

MemoryUsage IcarlStrategy::memory() const {
  MemoryUsage usage{replay_rows_.size(), replay_rows_.bytes()};
  if (previous_values_.defined())
    usage.bytes += previous_values_.numel() * previous_values_.element_size();
  return usage;
}

void IcarlStrategy::save(torch::serialize::OutputArchive& archive) const {
  std::vector<int64_t> known(known_classes_.begin(), known_classes_.end()), held;
  archive.write("icarl_known_classes", torch::tensor(known, torch::kLong));
  for (const auto& [label, rows] : exemplars_) {
    held.push_back(label);
    save_batch(archive, "icarl_class_" + std::to_string(label), rows);
  }
  archive.write("icarl_exemplar_classes", torch::tensor(held, torch::kLong));
  if (previous_values_.defined()) archive.write("icarl_previous_values", previous_values_);
}

void IcarlStrategy::load(torch::serialize::InputArchive& archive) {
  torch::Tensor known, held, values;
  archive.read("icarl_known_classes", known);
  archive.read("icarl_exemplar_classes", held);
  known_classes_.clear();
  for (int64_t i = 0; i < known.numel(); ++i) known_classes_.insert(known[i].item<int64_t>());
  exemplars_.clear();
  for (int64_t i = 0; i < held.numel(); ++i) {
    int64_t label = held[i].item<int64_t>();
    exemplars_[label] = load_batch(archive, "icarl_class_" + std::to_string(label));
  }
  if (archive.try_read("icarl_previous_values", values)) previous_values_ = values;
  rebuild_replay_rows();
}

std::unique_ptr<Strategy> make_icarl(Options& options) {
  auto memory_size =
      read_memory_size(options, 1, "exemplars kept in all, shared equally by the classes");
  auto replay =
      read_replay_batch_size(options, "exemplars joined to each step (0: the training batch size)");
  return std::make_unique<IcarlStrategy>(
      IcarlOptions().memory_size(memory_size).replay_batch_size(replay));
}

}  // namespace evergreen
