#include "evergreen/strategies/replay_memory.h"

#include "evergreen/core/error.h"
#include "evergreen/strategies/batch_archive.h"
#include "evergreen/strategies/dmshm.h"

namespace evergreen {
namespace {

int64_t candidate_capacity(const ReplayMemoryOptions& options) {
  if (options.selection() != MemorySelection::kDensityShift) return options.capacity();
  return options.candidates() > 0 ? options.candidates() : 10 * options.capacity();
}

Batch uniform_rows(const Batch& rows, int64_t count, torch::Generator& generator) {
  const int64_t size = rows.size();
  if (count >= size) return rows;
  return rows.rows(torch::randperm(size, generator, torch::kLong).slice(0, 0, count));
}

/// Where density_shift measures densities: the model's hint, else the flattened input.
torch::Tensor embedding_of(TrainingContext& context, const Batch& rows) {
  torch::NoGradGuard no_grad;
  if (context.model.hint_size() > 0) {
    context.extra_inference_rows += rows.size();
    return context.model.forward(rows).at("hint").to(torch::kDouble);
  }
  EVERGREEN_CHECK_INPUT(rows.contains("x"),
                        "selection density_shift: the model offers no hint representation and the "
                        "rows have no input 'x' to measure densities on");
  return rows.at("x").reshape({rows.size(), -1}).to(torch::kDouble);
}

}  // namespace

std::string to_string(MemorySelection selection) {
  switch (selection) {
    case MemorySelection::kReservoir:
      return "reservoir";
    case MemorySelection::kClassBalanced:
      return "class_balanced";
    case MemorySelection::kDensityShift:
      return "density_shift";
  }
  return "?";
}

ReplayMemory::ReplayMemory(const ReplayMemoryOptions& options)
    : options_(options), reservoir_(candidate_capacity(options)), balanced_(options.capacity()) {
  EVERGREEN_ASSERT(options.capacity() >= 1, "replay memory capacity {}", options.capacity());
}

void ReplayMemory::add(const Batch& rows, torch::Generator& generator) {
  if (options_.selection() == MemorySelection::kClassBalanced)
    balanced_.add(rows, generator);
  else
    reservoir_.add(rows, generator);
}

void ReplayMemory::end_experience(TrainingContext& context) {
  if (options_.selection() != MemorySelection::kDensityShift || reservoir_.size() == 0) return;
  Batch fresh = reservoir_.contents();
  Batch candidates = Batch::cat({kept_, fresh});
  const int64_t keep = std::min(options_.capacity(), candidates.size());
  if (candidates.size() <= keep) {
    kept_ = candidates;
  } else {
    auto old_rows = torch::zeros({candidates.size()}, torch::kBool);
    old_rows.slice(0, 0, kept_.size()).fill_(true);
    auto log_weights = dmshm_log_weights(embedding_of(context, candidates), old_rows,
                                         options_.density_weight(), options_.shift_weight());
    kept_ =
        candidates.rows(weighted_sample_without_replacement(log_weights, keep, context.generator));
  }
  // Copies, so that the memory holds no view into the candidates' storage.
  Batch owned;
  for (const auto& [name, tensor] : kept_) owned.set(name, tensor.clone());
  kept_ = owned;
  reservoir_ = ReservoirBuffer(candidate_capacity(options_));
}

Batch ReplayMemory::sample(int64_t count, torch::Generator& generator) const {
  switch (options_.selection()) {
    case MemorySelection::kReservoir:
      return reservoir_.sample(count, generator);
    case MemorySelection::kClassBalanced:
      return uniform_rows(balanced_.contents(), count, generator);
    case MemorySelection::kDensityShift:
      return uniform_rows(kept_, count, generator);
  }
  return {};
}

int64_t ReplayMemory::size() const {
  switch (options_.selection()) {
    case MemorySelection::kReservoir:
      return reservoir_.size();
    case MemorySelection::kClassBalanced:
      return balanced_.size();
    case MemorySelection::kDensityShift:
      return kept_.size();
  }
  return 0;
}

int64_t ReplayMemory::bytes() const {
  switch (options_.selection()) {
    case MemorySelection::kReservoir:
      return reservoir_.bytes();
    case MemorySelection::kClassBalanced:
      return balanced_.bytes();
    case MemorySelection::kDensityShift:
      return kept_.bytes() + reservoir_.bytes();
  }
  return 0;
}

void ReplayMemory::save(torch::serialize::OutputArchive& archive, const std::string& prefix) const {
  switch (options_.selection()) {
    case MemorySelection::kReservoir:
      reservoir_.save(archive, prefix);
      break;
    case MemorySelection::kClassBalanced:
      balanced_.save(archive, prefix);
      break;
    case MemorySelection::kDensityShift:
      // Checkpoints fall between experiences, when the candidates are empty.
      save_batch(archive, prefix + "_kept", kept_);
      break;
  }
}

void ReplayMemory::load(torch::serialize::InputArchive& archive, const std::string& prefix) {
  switch (options_.selection()) {
    case MemorySelection::kReservoir:
      reservoir_.load(archive, prefix);
      break;
    case MemorySelection::kClassBalanced:
      balanced_.load(archive, prefix);
      break;
    case MemorySelection::kDensityShift:
      kept_ = load_batch(archive, prefix + "_kept");
      reservoir_ = ReservoirBuffer(candidate_capacity(options_));
      break;
  }
}

}  // namespace evergreen
