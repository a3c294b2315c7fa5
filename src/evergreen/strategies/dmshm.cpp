#include "evergreen/strategies/dmshm.h"

#include <cmath>

#include "evergreen/core/error.h"
#include "evergreen/strategies/batch_archive.h"
#include "evergreen/strategies/experience_replay.h"
#include "evergreen/strategies/kernel_density.h"
#include "evergreen/strategies/learning_without_forgetting.h"
#include "evergreen/strategies/memory_options.h"
#include "evergreen/strategies/weight_options.h"

namespace evergreen {
namespace {

/// (score - mean) / std over the candidates; all zeros when the score is constant.
torch::Tensor standardise(const torch::Tensor& score) {
  auto centred = score - score.mean();
  double spread = score.std().item<double>();
  return spread > 1e-12 ? centred / spread : torch::zeros_like(score);
}

}  // namespace

torch::Tensor dmshm_log_weights(const torch::Tensor& candidates, const torch::Tensor& old_rows,
                                double density_weight, double shift_weight) {
  const int64_t count = candidates.size(0);
  auto log_weights = torch::zeros({count}, torch::kDouble);
  if (count < 2) return log_weights;
  auto data = candidates.to(torch::kDouble);
  if (density_weight != 0) {
    auto log_density = gaussian_kde_log_density(data, data, scott_bandwidth(data), true);
    log_weights += density_weight * standardise(-log_density);
  }
  auto old_index = old_rows.nonzero().squeeze(1);
  if (shift_weight != 0 && old_index.numel() >= 2) {
    auto old_data = data.index_select(0, old_index);
    auto bandwidth = scott_bandwidth(old_data);
    auto log_old_density = gaussian_kde_log_density(data, old_data, bandwidth, false);
    // An old row's own kernel would make it look typical of the old memory by construction.
    auto leave_one_out = gaussian_kde_log_density(old_data, old_data, bandwidth, true);
    log_old_density.index_copy_(0, old_index, leave_one_out);
    log_weights += shift_weight * standardise(-log_old_density);
  }
  return log_weights;
}

torch::Tensor weighted_sample_without_replacement(const torch::Tensor& log_weights, int64_t count,
                                                  torch::Generator& generator) {
  const int64_t rows = log_weights.size(0);
  if (count >= rows) return torch::arange(rows, torch::kLong);
  // Gumbel-top-k: argmax of log w + Gumbel noise, k times without replacement, is a sample
  // without replacement with probabilities proportional to w (Kool et al. 2019).
  auto uniform = torch::rand({rows}, generator, torch::kDouble).clamp_min(1e-300);
  auto keys = log_weights.to(torch::kDouble) - torch::log(-torch::log(uniform));
  return std::get<0>(std::get<1>(torch::topk(keys, count)).sort());
}

// make_dmshm checks the options read from a config; these guard direct C++ construction.
DmshmStrategy::DmshmStrategy(const DmshmOptions& options) : options_(options) {
  EVERGREEN_ASSERT((options.memory_size() > 0 || options.memory_fraction() > 0) &&
                       options.memory_size() >= 0 && options.memory_fraction() >= 0 &&
                       options.memory_fraction() <= 1,
                   "dmshm: memory_size {}, memory_fraction {}", options.memory_size(),
                   options.memory_fraction());
  EVERGREEN_ASSERT(options.density_space() == "hint" || options.density_space() == "window",
                   "dmshm: density_space '{}'", options.density_space());
  for (double weight : {options.density_weight(), options.shift_weight(), options.hint_weight()})
    EVERGREEN_ASSERT(std::isfinite(weight) && weight >= 0,
                     "dmshm: weights must be finite and >= 0: density {}, shift {}, hint {}",
                     options.density_weight(), options.shift_weight(), options.hint_weight());
}

int64_t DmshmStrategy::budget() const {
  if (options_.memory_fraction() > 0)
    return std::max<int64_t>(
        1, static_cast<int64_t>(std::ceil(options_.memory_fraction() * rows_seen_)));
  return options_.memory_size();
}

void DmshmStrategy::ensure_regressor(int64_t hint_size) {
  if (regressor_) return;
  regressor_ = std::make_shared<torch::nn::Module>();
  regressor_weight_ = regressor_->register_parameter("weight", torch::eye(hint_size));
  regressor_bias_ = regressor_->register_parameter("bias", torch::zeros({hint_size}));
  regressor_parameters_ = FlatParameters(*regressor_);
}

std::vector<ParameterGroup> DmshmStrategy::parameter_groups() {
  if (!regressor_) return {};
  ParameterGroup group;
  group.name = "dmshm_regressor";
  group.parameters = &regressor_parameters_;
  group.restart_each_experience = true;
  return {group};
}

void DmshmStrategy::before_experience(TrainingContext& context, const Experience& experience) {
  if (options_.hint_weight() == 0 || !previous_values_.defined()) return;
  EVERGREEN_CHECK_INPUT(context.model.hint_size() > 0,
                        "dmshm: hint-based learning needs a model with a hint representation "
                        "(or set hint_weight: 0)");
  ensure_regressor(context.model.hint_size());
  // The new model starts as the previous one, so the identity is the regressor that fits at
  // first; it then follows the model as it drifts during the period.
  torch::NoGradGuard no_grad;
  regressor_weight_.copy_(torch::eye(context.model.hint_size()));
  regressor_bias_.zero_();
}

Batch DmshmStrategy::before_step(TrainingContext& context, const Batch& batch) {
  replay_rows_ = 0;
  if (memory_.size() == 0) return batch;
  int64_t count =
      std::min(memory_.size(), replay_batch_size(options_.replay_batch_size(), context));
  Batch replay = memory_.rows(
      torch::randperm(memory_.size(), context.generator, torch::kLong).slice(0, 0, count));
  replay_rows_ = count;
  Batch step = Batch::cat({batch, replay});
  if (options_.hint_weight() != 0 && previous_values_.defined()) {
    // The teacher's hints, computed before the step's forward pass (see LwF).
    Batch teacher =
        forward_with_values(context.model, context.parameters, previous_values_, replay);
    context.extra_inference_rows += count;
    // Pad to the step's rows so the batch stays rectangular; only the replayed rows are used.
    auto hints = teacher.at("hint");
    auto padding = torch::zeros({batch.size(), hints.size(1)}, hints.options());
    step.set("teacher_hint", torch::cat({padding, hints}));
  }
  return step;
}

torch::Tensor DmshmStrategy::extra_loss(TrainingContext& context, const Batch& batch,
                                        const Batch& outputs) {
  if (!batch.contains("teacher_hint") || replay_rows_ == 0) return {};
  int64_t begin = batch.size() - replay_rows_;
  auto student = outputs.at("hint").slice(0, begin);
  auto teacher = batch.at("teacher_hint").slice(0, begin);
  auto difference = teacher - torch::addmm(regressor_bias_, student, regressor_weight_.t());
  return options_.hint_weight() * 0.5 * difference.square().sum(1).mean();
}

torch::Tensor DmshmStrategy::embed(TrainingContext& context, const Batch& rows) const {
  if (options_.density_space() == "window")
    return torch::cat({rows.at("x"), rows.at("y")}, 1).to(torch::kDouble);
  torch::NoGradGuard no_grad;
  return context.model.forward(rows).at("hint").to(torch::kDouble);
}

void DmshmStrategy::after_experience(TrainingContext& context, const Experience& experience) {
  rows_seen_ += experience.train.size();
  Batch old_memory = memory_;
  Batch candidates = Batch::cat({old_memory, experience.train});
  const int64_t keep = std::min(budget(), candidates.size());
  if (candidates.size() <= keep) {
    memory_ = candidates;
  } else {
    auto old_rows = torch::zeros({candidates.size()}, torch::kBool);
    old_rows.slice(0, 0, old_memory.size()).fill_(true);
    auto embedding = embed(context, candidates);
    if (options_.density_space() == "hint") context.extra_inference_rows += candidates.size();
    auto log_weights =
        dmshm_log_weights(embedding, old_rows, options_.density_weight(), options_.shift_weight());
    memory_ =
        candidates.rows(weighted_sample_without_replacement(log_weights, keep, context.generator));
  }
  previous_values_ = context.parameters.values().detach().clone();
}

MemoryUsage DmshmStrategy::memory() const {
  int64_t bytes = memory_.bytes();
  if (previous_values_.defined())
    bytes += previous_values_.numel() * previous_values_.element_size();
  return {memory_.size(), bytes};
}

void DmshmStrategy::save(torch::serialize::OutputArchive& archive) const {
  save_batch(archive, "dmshm_memory", memory_);
  archive.write("dmshm_rows_seen", torch::tensor(rows_seen_));
  if (previous_values_.defined()) archive.write("dmshm_previous_values", previous_values_);
}

void DmshmStrategy::load(torch::serialize::InputArchive& archive) {
  memory_ = load_batch(archive, "dmshm_memory");
  torch::Tensor rows_seen, previous;
  archive.read("dmshm_rows_seen", rows_seen);
  rows_seen_ = rows_seen.item<int64_t>();
  if (archive.try_read("dmshm_previous_values", previous)) previous_values_ = previous;
}

std::unique_ptr<Strategy> make_dmshm(Options& options) {
  auto memory_size = read_memory_size(options, 0);
  auto fraction = options.get<double>("memory_fraction", 0.0,
                                      "memory as a fraction of the training rows seen (if > 0)");
  EVERGREEN_CHECK_INPUT(fraction >= 0 && fraction <= 1, "{}: must be in [0, 1], got {}",
                        options.where("memory_fraction"), fraction);
  EVERGREEN_CHECK_INPUT(memory_size > 0 || fraction > 0,
                        "{}: give memory_size > 0 or memory_fraction > 0",
                        options.where("memory_size"));
  auto space = options.get_choice("density_space", "hint", {"hint", "window"},
                                  "where the density is estimated");
  return std::make_unique<DmshmStrategy>(
      DmshmOptions()
          .memory_size(memory_size)
          .memory_fraction(fraction)
          .replay_batch_size(read_replay_batch_size(options))
          .density_weight(read_weight(options, "density_weight", 1.0,
                                      "weight of the KDE density score (0: shift only)"))
          .shift_weight(read_weight(options, "shift_weight", 1.0,
                                    "weight of the shift-level score (0: density only)"))
          .hint_weight(read_weight(options, "hint_weight", 1.0,
                                   "weight of the hint loss (0: no hint learning)"))
          .density_space(space));
}

}  // namespace evergreen
