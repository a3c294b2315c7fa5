#include "evergreen/run/trainer.h"

#include "evergreen/core/error.h"
#include "evergreen/models/flat_adam.h"
#include "evergreen/models/flat_sgd.h"

namespace evergreen {

TrainOptions read_train_options(Options& options) {
  auto epochs = options.get<int64_t>("epochs", 20, "passes over each experience's training data");
  auto batch_size = options.get<int64_t>("batch_size", 32, "rows per step");
  auto learning_rate = options.get<double>("learning_rate", 1e-3, "the optimiser's learning rate");
  auto optimizer = options.get<std::string>("optimizer", "adam", "adam, adamw or sgd");
  auto momentum = options.get<double>("momentum", 0.0, "SGD momentum");
  auto weight_decay = options.get<double>("weight_decay", 0.0,
                                          "L2 penalty (adam, sgd) or decoupled decay (adamw)");
  EVERGREEN_CHECK_INPUT(optimizer == "adam" || optimizer == "adamw" || optimizer == "sgd",
                        "{}: expected adam, adamw or sgd, got '{}'", options.where("optimizer"),
                        optimizer);
  EVERGREEN_CHECK_INPUT(momentum >= 0 && momentum < 1, "{}: must be in [0, 1), got {}",
                        options.where("momentum"), momentum);
  EVERGREEN_CHECK_INPUT(momentum == 0 || optimizer == "sgd", "{}: momentum applies to sgd only",
                        options.where("momentum"));
  EVERGREEN_CHECK_INPUT(weight_decay >= 0 && std::isfinite(weight_decay),
                        "{}: must be >= 0, got {}", options.where("weight_decay"), weight_decay);
  EVERGREEN_CHECK_INPUT(epochs >= 1, "{}: must be >= 1, got {}", options.where("epochs"), epochs);
  EVERGREEN_CHECK_INPUT(batch_size >= 1, "{}: must be >= 1, got {}", options.where("batch_size"),
                        batch_size);
  EVERGREEN_CHECK_INPUT(learning_rate > 0 && std::isfinite(learning_rate),
                        "{}: must be a positive number, got {}", options.where("learning_rate"),
                        learning_rate);
  return TrainOptions()
      .epochs(epochs)
      .batch_size(batch_size)
      .learning_rate(learning_rate)
      .optimizer(optimizer)
      .momentum(momentum)
      .weight_decay(weight_decay);
}

std::unique_ptr<FlatOptimizer> make_flat_optimizer(FlatParameters& parameters,
                                                   const TrainOptions& options) {
  if (options.optimizer() == "sgd")
    return std::make_unique<FlatSgd>(parameters, FlatSgdOptions()
                                                     .learning_rate(options.learning_rate())
                                                     .momentum(options.momentum())
                                                     .weight_decay(options.weight_decay()));
  EVERGREEN_ASSERT(options.optimizer() == "adam" || options.optimizer() == "adamw",
                   "unknown optimizer '{}'", options.optimizer());
  return std::make_unique<FlatAdam>(
      parameters, FlatAdamOptions()
                      .learning_rate(options.learning_rate())
                      .weight_decay(options.weight_decay())
                      .decoupled_weight_decay(options.optimizer() == "adamw"));
}

Trainer::Trainer(Model& model, Strategy& strategy, const TrainOptions& options, uint64_t seed)
    : model_(model),
      strategy_(strategy),
      options_(options),
      parameters_(model),
      optimizer_(make_flat_optimizer(parameters_, options)),
      generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

TrainingContext Trainer::context(int64_t experience_index) {
  TrainingContext context{model_, parameters_, generator_, experience_index, options_.batch_size()};
  context.optimizer = optimizer_.get();
  context.spec = spec_;
  return context;
}

TrainedRows Trainer::train(const Experience& experience, const EpochCallback& on_epoch) {
  TrainingContext context = this->context(experiences_trained_);
  Batch data = strategy_.training_data(experience);
  if (!strategy_.learns_from(context)) {
    ++experiences_trained_;
    return {};
  }
  model_.train();
  strategy_.before_experience(context, experience);
  const int64_t rows = data.size();
  EVERGREEN_CHECK_INPUT(rows > 0, "experience '{}' has no training rows", experience.name);
  int64_t forward_rows = 0;
  for (int64_t epoch = 0; epoch < options_.epochs(); ++epoch) {
    Batch shuffled = data.rows(torch::randperm(rows, generator_, torch::kLong));
    // Summed on the tensor side: reading the loss every step would sync with the device.
    torch::Tensor loss_sum = torch::zeros({}, torch::kDouble);
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
      optimizer_->step();
      strategy_.after_step(context, batch);
      loss_sum += loss.detach().to(torch::kDouble);
      forward_rows += step_batch.size();
      ++steps;
    }
    const double epoch_loss = loss_sum.item<double>();
    EVERGREEN_CHECK_INPUT(std::isfinite(epoch_loss),
                          "experience '{}', epoch {}: the training loss is not finite (check the "
                          "data for extreme values or lower train.learning_rate)",
                          experience.name, epoch + 1);
    if (on_epoch) on_epoch(epoch + 1, options_.epochs(), epoch_loss / static_cast<double>(steps));
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
  optimizer_->save(archive, optimizer_prefix());
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
  optimizer_->load(archive, optimizer_prefix());
  strategy_.load(archive);
  archive.read("generator_state", state);
  generator_.set_state(state);
  archive.read("experiences_trained", trained);
  experiences_trained_ = trained.item<int64_t>();
}

}  // namespace evergreen
