// The memory every replay strategy (ER, DER/DER++, A-GEM) keeps, with the rule that chooses its
// rows as an option, so that a selection rule and a way of replaying combine freely (DMSHM's
// selection under DER++ replay is `{name: derpp, selection: density_shift}`):
//   reservoir      every offered row is held with probability capacity / rows offered
//                  (reservoir_buffer.h; the default, Mammoth's buffer);
//   class_balanced GDumb's greedy class-balanced sampler (class_balanced_memory.h; labelled rows);
//   density_shift  DMSHM's rule (dmshm.h, after Hao et al. 2023): the rows offered during an
//                  experience are candidates (a reservoir of at most `candidates` of them); when
//                  the experience ends the memory is redrawn from old memory and candidates with
//                  weights exp(density_weight z(density) + shift_weight z(shift)) over their
//                  embeddings. Replay during an experience therefore draws on the memory as it
//                  was when the experience began, as in DMSHM.
// Embeddings for density_shift: the model's hint representation when it offers one, else the
// flattened input "x" (docs/strategies.md).
#pragma once

#include <string>

#include "evergreen/core/batch.h"
#include "evergreen/strategies/class_balanced_memory.h"
#include "evergreen/strategies/reservoir_buffer.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

enum class MemorySelection { kReservoir, kClassBalanced, kDensityShift };

/// "reservoir", "class_balanced", "density_shift".
std::string to_string(MemorySelection selection);

struct ReplayMemoryOptions {
  TORCH_ARG(int64_t, capacity) = 200;
  TORCH_ARG(MemorySelection, selection) = MemorySelection::kReservoir;
  /// density_shift: rows of one experience considered at its end (0: 10 x capacity).
  TORCH_ARG(int64_t, candidates) = 0;
  TORCH_ARG(double, density_weight) = 1.0;
  TORCH_ARG(double, shift_weight) = 1.0;
};

/// Example:
///   ReplayMemory memory(ReplayMemoryOptions().capacity(200));
///   memory.add(batch, context.generator);           // after every step
///   memory.end_experience(context);                 // after every experience
///   Batch replay = memory.sample(32, context.generator);
class ReplayMemory {
 public:
  explicit ReplayMemory(const ReplayMemoryOptions& options);

  /// Offers the rows of one step.
  void add(const Batch& rows, torch::Generator& generator);
  /// Closes an experience: density_shift redraws the memory here (a no-op for the others).
  void end_experience(TrainingContext& context);
  /// `count` distinct rows drawn uniformly from the memory (all rows when fewer are held).
  Batch sample(int64_t count, torch::Generator& generator) const;
  int64_t size() const;
  int64_t bytes() const;
  const ReplayMemoryOptions& options() const { return options_; }

  void save(torch::serialize::OutputArchive& archive, const std::string& prefix) const;
  void load(torch::serialize::InputArchive& archive, const std::string& prefix);

 private:
  ReplayMemoryOptions options_;
  ReservoirBuffer reservoir_;     // reservoir: the memory; density_shift: this experience's rows
  ClassBalancedMemory balanced_;  // class_balanced only
  Batch kept_;                    // density_shift only: the memory
};

}  // namespace evergreen
