#include "evergreen/strategies/gdumb.h"

#include "evergreen/core/error.h"
#include "evergreen/strategies/memory_options.h"

namespace evergreen {

GdumbStrategy::GdumbStrategy(const GdumbOptions& options)
    : options_(options), memory_(options.memory_size()) {
  // make_gdumb checks the options read from a config (ClassBalancedMemory its memory_size).
  EVERGREEN_ASSERT(options.epochs() >= 1, "gdumb: epochs {}", options.epochs());
}

Batch GdumbStrategy::training_data(const Experience& experience) {
  return experience.train.slice(0, std::min<int64_t>(1, experience.train.size()));
}

void GdumbStrategy::before_experience(TrainingContext& context, const Experience& experience) {
  if (!initial_values_.defined()) initial_values_ = context.parameters.values().detach().clone();
}

void GdumbStrategy::after_experience(TrainingContext& context, const Experience& experience) {
  EVERGREEN_ASSERT(context.optimizer != nullptr && initial_values_.defined(),
                   "gdumb retrains with the trainer's optimiser after before_experience");
  // The sampler sees every row of the stream in order, whatever the model trains on.
  memory_.add(experience.train, context.generator);
  {
    torch::NoGradGuard no_grad;
    context.parameters.values().copy_(initial_values_);
  }
  context.optimizer->reset();
  const Batch rows = memory_.contents();
  const int64_t count = rows.size();
  for (int64_t epoch = 0; epoch < options_.epochs(); ++epoch) {
    auto order = torch::randperm(count, context.generator, torch::kLong);
    for (int64_t begin = 0; begin < count; begin += context.batch_size) {
      Batch batch = rows.rows(order.slice(0, begin, std::min(count, begin + context.batch_size)));
      auto loss = context.model.loss(batch, context.model.forward(batch));
      context.parameters.zero_gradients();
      loss.backward();
      context.optimizer->step();
    }
  }
  context.parameters.zero_gradients();
  context.extra_training_rows += options_.epochs() * count;
}

std::map<std::string, double> GdumbStrategy::evaluate(Model& model, const Batch& test) {
  if (!options_.mask_unseen_classes() || memory_.size() == 0 ||
      model.capabilities().output != OutputKind::kLogits)
    return model.evaluate(test);
  torch::NoGradGuard no_grad;
  Batch outputs = model.forward(test);
  const torch::Tensor& logits = outputs.at("prediction");
  auto seen = torch::zeros({logits.size(1)}, torch::kBool);
  for (const auto& [label, count] : memory_.class_counts())
    if (label >= 0 && label < logits.size(1)) seen[label] = true;
  // Unseen classes are moved below every seen class of their row, each by the row's range plus
  // one, rather than set to -infinity: their order among themselves survives, so a task-IL score
  // on a task with no class in memory still reflects the model instead of a tie.
  auto range = std::get<0>(logits.max(1, true)) - std::get<0>(logits.min(1, true)) + 1.0;
  outputs.set("prediction", torch::where(seen.unsqueeze(0), logits, logits - range));
  return model.evaluate_outputs(test, outputs);
}

MemoryUsage GdumbStrategy::memory() const {
  int64_t bytes = memory_.bytes();
  if (initial_values_.defined()) bytes += initial_values_.numel() * initial_values_.element_size();
  return {memory_.size(), bytes};
}

void GdumbStrategy::save(torch::serialize::OutputArchive& archive) const {
  memory_.save(archive, "gdumb_memory");
  if (initial_values_.defined()) archive.write("gdumb_initial_values", initial_values_);
}

void GdumbStrategy::load(torch::serialize::InputArchive& archive) {
  memory_.load(archive, "gdumb_memory");
  torch::Tensor values;
  if (archive.try_read("gdumb_initial_values", values)) initial_values_ = values;
}

std::unique_ptr<Strategy> make_gdumb(Options& options) {
  auto memory_size = read_memory_size(options);
  auto epochs = options.get<int64_t>("epochs", 10, "epochs over the memory at every retraining");
  auto mask = options.get<bool>("mask_unseen_classes", true,
                                "at evaluation, rank classes absent from the memory last");
  EVERGREEN_CHECK_INPUT(epochs >= 1, "{}: must be >= 1, got {}", options.where("epochs"), epochs);
  return std::make_unique<GdumbStrategy>(
      GdumbOptions().memory_size(memory_size).epochs(epochs).mask_unseen_classes(mask));
}

}  // namespace evergreen
