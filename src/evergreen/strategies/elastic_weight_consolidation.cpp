#include "evergreen/strategies/elastic_weight_consolidation.h"

#include "evergreen/core/error.h"
#include "evergreen/strategies/weight_options.h"

namespace evergreen {

torch::Tensor empirical_fisher_diagonal(Model& model, FlatParameters& parameters,
                                        const Batch& batch) {
  auto saved_gradients = parameters.gradients().clone();
  auto fisher = torch::zeros_like(parameters.values());
  for (int64_t row = 0; row < batch.size(); ++row) {
    Batch one = batch.slice(row, row + 1);
    parameters.zero_gradients();
    model.negative_log_likelihood(one, model.forward(one)).backward();
    fisher.addcmul_(parameters.gradients(), parameters.gradients());
  }
  parameters.gradients().copy_(saved_gradients);
  return fisher / static_cast<double>(std::max<int64_t>(batch.size(), 1));
}

ElasticWeightConsolidationStrategy::ElasticWeightConsolidationStrategy(
    const ElasticWeightConsolidationOptions& options)
    : options_(options) {}

void ElasticWeightConsolidationStrategy::after_backward(TrainingContext& context) {
  if (!fisher_.defined()) return;
  torch::NoGradGuard no_grad;
  context.parameters.gradients().add_(options_.lambda() * fisher_ *
                                      (context.parameters.values() - anchor_));
}

void ElasticWeightConsolidationStrategy::after_experience(TrainingContext& context,
                                                          const Experience& experience) {
  int64_t rows = std::min(options_.fisher_samples(), experience.train.size());
  auto index =
      torch::randperm(experience.train.size(), context.generator, torch::kLong).slice(0, 0, rows);
  auto fisher =
      empirical_fisher_diagonal(context.model, context.parameters, experience.train.rows(index));
  context.extra_training_rows += rows;
  fisher_ = fisher_.defined() ? options_.gamma() * fisher_ + fisher : fisher;
  anchor_ = context.parameters.values().detach().clone();
}

double ElasticWeightConsolidationStrategy::penalty(const FlatParameters& parameters) const {
  if (!fisher_.defined()) return 0.0;
  return 0.5 * options_.lambda() *
         (fisher_ * (parameters.values() - anchor_).square()).sum().item<double>();
}

MemoryUsage ElasticWeightConsolidationStrategy::memory() const {
  if (!fisher_.defined()) return {};
  return {0, 2 * fisher_.numel() * fisher_.element_size()};
}

void ElasticWeightConsolidationStrategy::save(torch::serialize::OutputArchive& archive) const {
  if (!fisher_.defined()) return;
  archive.write("ewc_fisher", fisher_);
  archive.write("ewc_anchor", anchor_);
}

void ElasticWeightConsolidationStrategy::load(torch::serialize::InputArchive& archive) {
  torch::Tensor fisher, anchor;
  if (!archive.try_read("ewc_fisher", fisher)) return;
  archive.read("ewc_anchor", anchor);
  fisher_ = fisher;
  anchor_ = anchor;
}

std::unique_ptr<Strategy> make_elastic_weight_consolidation(Options& options) {
  auto lambda = read_weight(options, "lambda", 100.0, "penalty weight");
  auto gamma = options.get<double>("gamma", 1.0, "decay of the previous Fisher (online EWC)");
  auto samples = options.get<int64_t>("fisher_samples", 256, "rows per Fisher estimate");
  EVERGREEN_CHECK_INPUT(gamma >= 0 && gamma <= 1, "{}: must be in [0, 1]", options.where("gamma"));
  EVERGREEN_CHECK_INPUT(samples >= 1, "{}: must be >= 1", options.where("fisher_samples"));
  return std::make_unique<ElasticWeightConsolidationStrategy>(
      ElasticWeightConsolidationOptions().lambda(lambda).gamma(gamma).fisher_samples(samples));
}

}  // namespace evergreen
