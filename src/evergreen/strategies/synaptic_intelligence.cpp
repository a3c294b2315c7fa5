#include "evergreen/strategies/synaptic_intelligence.h"

#include <cmath>

#include "evergreen/core/error.h"

namespace evergreen {

SynapticIntelligenceStrategy::SynapticIntelligenceStrategy(
    const SynapticIntelligenceOptions& options)
    : options_(options) {
  // make_synaptic_intelligence checks the options read from a config.
  EVERGREEN_ASSERT(options.c() >= 0 && options.xi() > 0, "si: c {}, xi {}", options.c(),
                   options.xi());
}

void SynapticIntelligenceStrategy::before_experience(TrainingContext& context,
                                                     const Experience& experience) {
  start_values_ = context.parameters.values().detach().clone();
  path_integral_ = torch::zeros_like(start_values_);
}

void SynapticIntelligenceStrategy::after_backward(TrainingContext& context) {
  torch::NoGradGuard no_grad;
  torch::Tensor& gradients = context.parameters.gradients();
  task_gradient_ = gradients.clone();
  values_before_ = context.parameters.values().clone();
  if (importance_.defined())
    gradients.add_(2.0 * options_.c() * importance_ * (context.parameters.values() - anchor_));
}

void SynapticIntelligenceStrategy::after_step(TrainingContext& context, const Batch& batch) {
  torch::NoGradGuard no_grad;
  // w -= g * (theta_after - theta_before)
  path_integral_.addcmul_(task_gradient_, context.parameters.values() - values_before_, -1.0);
}

void SynapticIntelligenceStrategy::after_experience(TrainingContext& context,
                                                    const Experience& experience) {
  torch::NoGradGuard no_grad;
  const torch::Tensor& end_values = context.parameters.values();
  auto gained = path_integral_ / ((end_values - start_values_).square() + options_.xi());
  importance_ = importance_.defined() ? importance_ + gained : gained;
  anchor_ = end_values.detach().clone();
  path_integral_.zero_();
  task_gradient_ = torch::Tensor();
  values_before_ = torch::Tensor();
}

double SynapticIntelligenceStrategy::penalty(const FlatParameters& parameters) const {
  if (!importance_.defined()) return 0.0;
  return options_.c() *
         (importance_ * (parameters.values() - anchor_).square()).sum().item<double>();
}

MemoryUsage SynapticIntelligenceStrategy::memory() const {
  if (!importance_.defined()) return {};
  return {0, 2 * importance_.numel() * importance_.element_size()};
}

void SynapticIntelligenceStrategy::save(torch::serialize::OutputArchive& archive) const {
  // Checkpoints fall between experiences, where w is zero and theta_start is not yet taken.
  if (!importance_.defined()) return;
  archive.write("si_importance", importance_);
  archive.write("si_anchor", anchor_);
}

void SynapticIntelligenceStrategy::load(torch::serialize::InputArchive& archive) {
  torch::Tensor importance, anchor;
  if (!archive.try_read("si_importance", importance)) return;
  archive.read("si_anchor", anchor);
  importance_ = importance;
  anchor_ = anchor;
}

std::unique_ptr<Strategy> make_synaptic_intelligence(Options& options) {
  auto c = options.get<double>("c", 0.5, "penalty strength");
  auto xi = options.get<double>("xi", 1.0, "damping of the importance's denominator");
  EVERGREEN_CHECK_INPUT(c >= 0 && std::isfinite(c), "{}: must be >= 0, got {}", options.where("c"),
                        c);
  EVERGREEN_CHECK_INPUT(xi > 0 && std::isfinite(xi), "{}: must be > 0, got {}", options.where("xi"),
                        xi);
  return std::make_unique<SynapticIntelligenceStrategy>(SynapticIntelligenceOptions().c(c).xi(xi));
}

}  // namespace evergreen
