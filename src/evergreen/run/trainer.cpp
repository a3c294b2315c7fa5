#include "evergreen/run/trainer.h"

#include <algorithm>

#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"
#include "evergreen/models/flat_adam.h"
#include "evergreen/models/flat_sgd.h"

namespace evergreen {

TrainOptions read_train_options(Options& options) {
  auto epochs = options.get<int64_t>("epochs", 20, "passes over each experience's training data");
  auto batch_size = options.get<int64_t>("batch_size", 32, "rows per step");
  auto learning_rate = options.get<double>("learning_rate", 1e-3, "the optimiser's learning rate");
  auto optimizer =
      options.get_choice("optimizer", "adam", {"adam", "adamw", "sgd"}, "the update rule");
  auto momentum = options.get<double>("momentum", 0.0, "SGD momentum");
  auto weight_decay =
      options.get<double>("weight_decay", 0.0, "L2 penalty (adam, sgd) or decoupled decay (adamw)");
  auto schedule = options.get_choice("schedule", "constant", {"constant", "cosine"},
                                     "learning rate over each experience's steps (cosine: to 0)");
  auto warmup_steps = options.get<int64_t>(
      "warmup_steps", 0, "steps of linear warm-up at the start of each experience");
  auto clip_norm =
      options.get<double>("clip_norm", 0.0, "largest L2 norm of the model's gradient (0: no clip)");
  auto device = options.get<std::string>("device", "cpu", "cpu, cuda or cuda:N");
  EVERGREEN_CHECK_INPUT(warmup_steps >= 0, "{}: must be >= 0, got {}",
                        options.where("warmup_steps"), warmup_steps);
  EVERGREEN_CHECK_INPUT(clip_norm >= 0 && std::isfinite(clip_norm), "{}: must be >= 0, got {}",
                        options.where("clip_norm"), clip_norm);
  parse_device(device, options.where("device"));
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
      .weight_decay(weight_decay)
      .schedule(parse_learning_rate_schedule(schedule, options.where("schedule")))
      .warmup_steps(warmup_steps)
      .clip_norm(clip_norm)
      .device(device);
}

torch::Device parse_device(const std::string& name, const std::string& field) {
  const bool cuda = name == "cuda" || name.rfind("cuda:", 0) == 0;
  EVERGREEN_CHECK_INPUT(name == "cpu" || cuda, "{}: expected cpu, cuda or cuda:N, got '{}'", field,
                        quote(name));
  if (!cuda) return torch::Device(torch::kCPU);
  EVERGREEN_CHECK_INPUT(torch::cuda::is_available(),
                        "{}: '{}' asked for, but this LibTorch sees no CUDA device (a CPU-only "
                        "build, or no GPU on this machine): use device: cpu",
                        field, name);
  int64_t index = 0;
  if (name.size() > 5) {
    const std::string digits = name.substr(5);
    EVERGREEN_CHECK_INPUT(!digits.empty() && digits.size() < 4 &&
                              digits.find_first_not_of("0123456789") == std::string::npos,
                          "{}: expected cuda:N with N a device number, got '{}'", field,
                          quote(name));
    index = std::stoll(digits);
  }
  EVERGREEN_CHECK_INPUT(index < static_cast<int64_t>(torch::cuda::device_count()),
                        "{}: '{}' asked for, but this machine has {} CUDA device(s)", field, name,
                        torch::cuda::device_count());
  return torch::Device(torch::kCUDA, static_cast<torch::DeviceIndex>(index));
}

namespace {

/// The model on `device`, before its parameters are gathered into one flat buffer.
Model& moved_to(Model& model, const torch::Device& device) {
  model.to(device);
  return model;
}

}  // namespace

std::unique_ptr<FlatOptimizer> make_flat_optimizer(FlatParameters& parameters,
                                                   const TrainOptions& options,
                                                   double learning_rate) {
  if (learning_rate <= 0) learning_rate = options.learning_rate();
  if (options.optimizer() == "sgd")
    return std::make_unique<FlatSgd>(parameters, FlatSgdOptions()
                                                     .learning_rate(learning_rate)
                                                     .momentum(options.momentum())
                                                     .weight_decay(options.weight_decay()));
  EVERGREEN_ASSERT(options.optimizer() == "adam" || options.optimizer() == "adamw",
                   "unknown optimizer '{}'", options.optimizer());
  return std::make_unique<FlatAdam>(parameters,
                                    FlatAdamOptions()
                                        .learning_rate(learning_rate)
                                        .weight_decay(options.weight_decay())
                                        .decoupled_weight_decay(options.optimizer() == "adamw"));
}

Trainer::Trainer(Model& model, Strategy& strategy, const TrainOptions& options, uint64_t seed)
    : model_(model),
      strategy_(strategy),
      options_(options),
      device_(parse_device(options.device(), "train.device")),
      parameters_(moved_to(model, device_)),
      optimizer_(make_flat_optimizer(parameters_, options)),
      generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

TrainingContext Trainer::context(int64_t experience_index) {
  TrainingContext context{model_, parameters_, generator_, experience_index, options_.batch_size()};
  context.optimizer = optimizer_.get();
  context.spec = spec_;
  return context;
}

void Trainer::adopt_parameter_groups() {
  for (const ParameterGroup& group : strategy_.parameter_groups()) {
    EVERGREEN_ASSERT(group.parameters != nullptr, "parameter group '{}' has no parameters",
                     group.name);
    auto known = std::find_if(groups_.begin(), groups_.end(), [&](const GroupOptimizer& entry) {
      return entry.group.name == group.name;
    });
    if (known != groups_.end()) {
      EVERGREEN_ASSERT(known->group.parameters == group.parameters,
                       "parameter group '{}' changed its parameters", group.name);
      continue;
    }
    groups_.push_back(
        {group, make_flat_optimizer(*group.parameters, options_, group.learning_rate)});
  }
}

namespace {

/// Why the loss of `experience` may have become non-finite, naming what to check: the input
/// tensors that hold non-finite or extreme values, else the options that make training diverge.
std::string non_finite_loss_message(const Experience& experience, const Batch& data, int64_t epoch,
                                    const TrainOptions& options) {
  std::vector<std::string> suspects;
  for (const auto& [name, tensor] : data) {
    if (!tensor.is_floating_point() || tensor.numel() == 0) continue;
    torch::Tensor values = tensor.to(torch::kDouble);
    int64_t non_finite = (~torch::isfinite(values)).sum().item<int64_t>();
    double largest = values.nan_to_num(0, 0, 0).abs().max().item<double>();
    if (non_finite > 0)
      suspects.push_back(fmt::format("'{}' holds {} non-finite values", name, non_finite));
    else if (largest > 1e6)
      suspects.push_back(fmt::format("'{}' reaches {:.3g}", name, largest));
  }
  std::string cause = suspects.empty()
                          ? fmt::format(
                                "the inputs are finite and moderate, so training diverged: lower "
                                "train.learning_rate (now {:g}) or the strategy's loss weights",
                                options.learning_rate())
                          : fmt::format(
                                "the training data {}: check the stream's data files and its "
                                "normalisation options",
                                fmt::join(suspects, ", "));
  return fmt::format("experience '{}', epoch {}: the training loss is not finite; {}",
                     experience.name, epoch, cause);
}

}  // namespace

void clip_gradient_norm(const torch::Tensor& gradient, double max_norm) {
  const double norm = gradient.norm().item<double>();
  if (norm > max_norm) gradient.mul_(max_norm / norm);
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
  adopt_parameter_groups();
  for (GroupOptimizer& entry : groups_)
    if (entry.group.restart_each_experience) {
      entry.optimizer->reset();
      entry.group.parameters->zero_gradients();
    }
  const int64_t rows = data.size();
  EVERGREEN_CHECK_INPUT(rows > 0, "experience '{}' has no training rows", experience.name);
  int64_t forward_rows = 0;
  const int64_t steps_per_epoch = (rows + options_.batch_size() - 1) / options_.batch_size();
  const bool scheduled =
      options_.schedule() != LearningRateSchedule::kConstant || options_.warmup_steps() > 0;
  int64_t step_index = 0;
  for (int64_t epoch = 0; epoch < options_.epochs(); ++epoch) {
    Batch shuffled = data.rows(torch::randperm(rows, generator_, torch::kLong));
    // Summed on the tensor side: reading the loss every step would sync with the device.
    torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions(torch::kDouble).device(device_));
    int64_t steps = 0;
    for (int64_t begin = 0; begin < rows; begin += options_.batch_size()) {
      Batch batch =
          shuffled.slice(begin, std::min(rows, begin + options_.batch_size())).to(device_);
      Batch step_batch = strategy_.before_step(context, batch);
      Batch outputs = model_.forward(step_batch);
      strategy_.after_forward(context, step_batch, outputs);
      torch::Tensor loss = strategy_.step_loss(context, step_batch, outputs);
      if (!loss.defined()) loss = model_.loss(step_batch, outputs);
      torch::Tensor extra = strategy_.extra_loss(context, step_batch, outputs);
      if (extra.defined()) loss = loss + extra;
      parameters_.zero_gradients();
      loss.backward();
      strategy_.after_backward(context);
      if (options_.clip_norm() > 0)
        clip_gradient_norm(parameters_.gradients(), options_.clip_norm());
      if (scheduled)
        optimizer_->set_learning_rate(scheduled_learning_rate(
            options_.schedule(), options_.learning_rate(), options_.warmup_steps(),
            steps_per_epoch * options_.epochs(), step_index));
      ++step_index;
      optimizer_->step();
      for (GroupOptimizer& entry : groups_) {
        entry.optimizer->step();
        entry.group.parameters->zero_gradients();
      }
      strategy_.after_step(context, batch);
      loss_sum += loss.detach().to(torch::kDouble);
      forward_rows += step_batch.size();
      ++steps;
    }
    const double epoch_loss = loss_sum.item<double>();
    if (!std::isfinite(epoch_loss))
      throw InputError(non_finite_loss_message(experience, data, epoch + 1, options_));
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
  for (const GroupOptimizer& entry : groups_)
    entry.optimizer->save(archive, group_prefix(entry.group.name));
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
  // The strategy rebuilt its parameters from the archive; their optimiser state follows.
  groups_.clear();
  adopt_parameter_groups();
  for (GroupOptimizer& entry : groups_)
    entry.optimizer->load(archive, group_prefix(entry.group.name));
  archive.read("generator_state", state);
  generator_.set_state(state);
  archive.read("experiences_trained", trained);
  experiences_trained_ = trained.item<int64_t>();
}

}  // namespace evergreen
