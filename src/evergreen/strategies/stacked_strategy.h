// Several strategies as one learner: ER's replay with EWC's penalty, DMSHM's memory under DER++'s
// loss, ... Every hook runs each member in the order the config lists them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "evergreen/core/options.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

/// Hooks of the members, in list order: before_step chains (each member sees the batch the
/// previous one returned), extra losses add up, after_backward runs in order (so a gradient
/// projection listed last sees the penalties listed before it), training_data and evaluate are
/// the first member's, learns_from holds when every member learns. Each member's state is saved
/// under its own nested archive, so two members may use the same keys.
///
/// Example (YAML):
///   strategies: [{name: stack, label: er+ewc, of: [{name: er, memory_size: 200}, ewc]}]
class StackedStrategy : public Strategy {
 public:
  explicit StackedStrategy(std::vector<std::unique_ptr<Strategy>> members);

  Batch training_data(const Experience& experience) override;
  bool learns_from(const TrainingContext& context) const override;
  void before_experience(TrainingContext& context, const Experience& experience) override;
  Batch before_step(TrainingContext& context, const Batch& batch) override;
  torch::Tensor step_loss(TrainingContext& context, const Batch& batch,
                          const Batch& outputs) override;
  torch::Tensor extra_loss(TrainingContext& context, const Batch& batch,
                           const Batch& outputs) override;
  void after_forward(TrainingContext& context, const Batch& batch, const Batch& outputs) override;
  std::vector<ParameterGroup> parameter_groups() override;
  void after_backward(TrainingContext& context) override;
  void after_step(TrainingContext& context, const Batch& batch) override;
  void after_experience(TrainingContext& context, const Experience& experience) override;
  std::map<std::string, double> evaluate(Model& model, const Batch& test) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override;

 private:
  std::vector<std::unique_ptr<Strategy>> members_;
};

/// The names of the members of a `stack` entry (`of`), for the plan's compatibility check.
std::vector<std::string> stacked_member_names(const YAML::Node& entry);

/// Reads `of`: a list of at least two strategy entries (names or maps with their options), none
/// of them a stack; every member's options are read and checked as a top-level entry's are.
std::unique_ptr<Strategy> make_stacked_strategy(Options& options);

}  // namespace evergreen
