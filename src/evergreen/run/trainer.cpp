#include "evergreen/run/trainer.h"

#include "evergreen/core/error.h"

namespace evergreen {

TrainOptions read_train_options(Options& options) {
  auto epochs = options.get<int64_t>("epochs", 20, "passes over each experience's training data");
  auto batch_size = options.get<int64_t>("batch_size", 32, "rows per step");
  auto learning_rate = options.get<double>("learning_rate", 1e-3, "Adam learning rate");
  EVERGREEN_CHECK_INPUT(epochs >= 1, "{}: must be >= 1, got {}", options.where("epochs"), epochs);
  EVERGREEN_CHECK_INPUT(batch_size >= 1, "{}: must be >= 1, got {}", options.where("batch_size"),
                        batch_size);
  EVERGREEN_CHECK_INPUT(learning_rate > 0 && std::isfinite(learning_rate),
                        "{}: must be a positive number, got {}", options.where("learning_rate"),
                        learning_rate);
  return TrainOptions().epochs(epochs).batch_size(batch_size).learning_rate(learning_rate);
}

Trainer::Trainer(Model& model, Strategy& strategy, const TrainOptions& options, uint64_t seed)
    : model_(model),
      strategy_(strategy),
      options_(options),
      parameters_(model),
      optimizer_(parameters_, FlatAdamOptions().learning_rate(options.learning_rate())),
      generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

TrainingContext Trainer::context(int64_t experience_index) {
  TrainingContext context{model_, parameters_, generator_, experience_index, options_.batch_size()};
  context.optimizer = &optimizer_;
  return context;
}

TrainedRows Trainer::train(const Experience& experience, const EpochCallback& on_epoch) {
  TrainingContext context = this->context(experiences_trained_);
  if (!strategy_.learns_from(experiences_trained_)) {
    ++experiences_trained_;
    return {};
  }
  model_.train();
  strategy_.before_experience(context, experience);
  Batch data = strategy_.training_data(experience);
  const int64_t rows = data.size();
  EVERGREEN_CHECK_INPUT(rows > 0, "experience '{}' has no training rows", experience.name);
  int64_t forward_rows = 0;
  for (int64_t epoch = 0; epoch < options_.epochs(); ++epoch) {
    Batch shuffled = data.rows(torch::randperm(rows, generator_, torch::kLong));
    double loss_sum = 0;
    int64_t steps = 0;
    for (int64_t begin = 0; begin < rows; begin += options_.batch_size()) {
      Batch batch = shuffled.slice(begin, std::min(rows, begin + options_.batch_size()));
      Batch step_batch = strategy_.before_step(context, batch);
      Batch outputs = model_.forward(step_batch);
      torch::Tensor loss = model_.loss(step_batch, outputs);
      torch::Tensor extra = strategy_.extra_loss(context, step_batch, outputs);
      if (extra.defined()) loss = loss + extra;
      parameters_.zero_gradients();
      loss.backward();
      strategy_.after_backward(context);
      optimizer_.step();
      strategy_.after_step(context, batch);
      loss_sum += loss.item<double>();
      forward_rows += step_batch.size();
      ++steps;
    }
    EVERGREEN_CHECK_INPUT(std::isfinite(loss_sum),
                          "experience '{}', epoch {}: the training loss is not finite (check the "
                          "data for extreme values or lower train.learning_rate)",
                          experience.name, epoch + 1);
    if (on_epoch) on_epoch(epoch + 1, options_.epochs(), loss_sum / static_cast<double>(steps));
  }
  strategy_.after_experience(context, experience);
  model_.eval();
  ++experiences_trained_;
  return {forward_rows + context.extra_training_rows, context.extra_inference_rows};
}

namespace {

/// Archive keys may not contain dots: "target.offset" becomes "model_buffer_target__offset".
std::string buffer_key(const std::string& name) {
  std::string key = "model_buffer_";
  for (char c : name) key += c == '.' ? std::string("__") : std::string(1, c);
  return key;
}

}  // namespace

void Trainer::save(torch::serialize::OutputArchive& archive) const {
  archive.write("model_values", parameters_.values());
  for (const auto& buffer : model_.named_buffers())
    archive.write(buffer_key(buffer.key()), buffer.value());
  optimizer_.save(archive);
  strategy_.save(archive);
  archive.write("generator_state", generator_.get_state());
  archive.write("experiences_trained", torch::tensor(experiences_trained_));
}

void Trainer::load(torch::serialize::InputArchive& archive) {
  // Read into fresh tensors and copy: the parameters are views of the flat buffer.
  torch::Tensor values, state, trained;
  archive.read("model_values", values);
  EVERGREEN_CHECK_INPUT(values.sizes() == parameters_.values().sizes(),
                        "checkpoint holds {} parameters but the configured model has {}",
                        values.numel(), parameters_.values().numel());
  torch::NoGradGuard no_grad;
  parameters_.values().copy_(values);
  for (auto& buffer : model_.named_buffers()) {
    torch::Tensor saved;
    archive.read(buffer_key(buffer.key()), saved);
    buffer.value().copy_(saved);
  }
  optimizer_.load(archive);
  strategy_.load(archive);
  archive.read("generator_state", state);
  generator_.set_state(state);
  archive.read("experiences_trained", trained);
  experiences_trained_ = trained.item<int64_t>();
}

}  // namespace evergreen
