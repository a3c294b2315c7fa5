#include "evergreen/strategies/stacked_strategy.h"

#include "evergreen/strategies/strategy_registry.h"

namespace evergreen {

StackedStrategy::StackedStrategy(std::vector<std::unique_ptr<Strategy>> members)
    : members_(std::move(members)) {
  EVERGREEN_ASSERT(!members_.empty(), "a stack needs members");
}

Batch StackedStrategy::training_data(const Experience& experience) {
  Batch data = members_.front()->training_data(experience);
  for (size_t i = 1; i < members_.size(); ++i) members_[i]->training_data(experience);
  return data;
}

bool StackedStrategy::learns_from(const TrainingContext& context) const {
  for (const auto& member : members_)
    if (!member->learns_from(context)) return false;
  return true;
}

void StackedStrategy::before_experience(TrainingContext& context, const Experience& experience) {
  for (auto& member : members_) member->before_experience(context, experience);
}

Batch StackedStrategy::before_step(TrainingContext& context, const Batch& batch) {
  Batch step = batch;
  for (auto& member : members_) step = member->before_step(context, step);
  return step;
}

torch::Tensor StackedStrategy::step_loss(TrainingContext& context, const Batch& batch,
                                         const Batch& outputs) {
  for (auto& member : members_) {
    torch::Tensor loss = member->step_loss(context, batch, outputs);
    if (loss.defined()) return loss;
  }
  return {};
}

torch::Tensor StackedStrategy::extra_loss(TrainingContext& context, const Batch& batch,
                                          const Batch& outputs) {
  torch::Tensor total;
  for (auto& member : members_) {
    torch::Tensor term = member->extra_loss(context, batch, outputs);
    if (term.defined()) total = total.defined() ? total + term : term;
  }
  return total;
}

void StackedStrategy::after_forward(TrainingContext& context, const Batch& batch,
                                    const Batch& outputs) {
  for (auto& member : members_) member->after_forward(context, batch, outputs);
}

std::vector<ParameterGroup> StackedStrategy::parameter_groups() {
  std::vector<ParameterGroup> groups;
  for (size_t i = 0; i < members_.size(); ++i)
    for (ParameterGroup group : members_[i]->parameter_groups()) {
      group.name = "stack_member_" + std::to_string(i) + "_" + group.name;
      groups.push_back(group);
    }
  return groups;
}

void StackedStrategy::after_backward(TrainingContext& context) {
  for (auto& member : members_) member->after_backward(context);
}

void StackedStrategy::after_step(TrainingContext& context, const Batch& batch) {
  for (auto& member : members_) member->after_step(context, batch);
}

void StackedStrategy::after_experience(TrainingContext& context, const Experience& experience) {
  for (auto& member : members_) member->after_experience(context, experience);
}

std::map<std::string, double> StackedStrategy::evaluate(Model& model, const Batch& test) {
  return members_.front()->evaluate(model, test);
}

void StackedStrategy::save(torch::serialize::OutputArchive& archive) const {
  for (size_t i = 0; i < members_.size(); ++i) {
    torch::serialize::OutputArchive member;
    members_[i]->save(member);
    archive.write("stack_member_" + std::to_string(i), member);
  }
}

void StackedStrategy::load(torch::serialize::InputArchive& archive) {
  for (size_t i = 0; i < members_.size(); ++i) {
    torch::serialize::InputArchive member;
    archive.read("stack_member_" + std::to_string(i), member);
    members_[i]->load(member);
  }
}

MemoryUsage StackedStrategy::memory() const {
  MemoryUsage total;
  for (const auto& member : members_) {
    MemoryUsage usage = member->memory();
    total.samples += usage.samples;
    total.bytes += usage.bytes;
  }
  return total;
}

std::vector<std::string> stacked_member_names(const YAML::Node& entry) {
  std::vector<std::string> names;
  if (!entry.IsMap() || entry["name"].as<std::string>("") != "stack") return names;
  const YAML::Node members = entry["of"];
  if (!members.IsDefined() || !members.IsSequence()) return names;
  for (const auto& member : members)
    names.push_back(member.IsMap() ? member["name"].as<std::string>("") : member.as<std::string>());
  return names;
}

std::unique_ptr<Strategy> make_stacked_strategy(Options& options) {
  options.mark_read("of");
  YAML::Node node = options.node();  // a handle: writes reach the config
  YAML::Node members = node["of"];
  if (!members.IsDefined() || members.IsNull()) {
    // `--list` builds every strategy from empty options: show the stack with an example pair.
    members = YAML::Load("[er, ewc]");
    node["of"] = members;
  }
  EVERGREEN_CHECK_INPUT(members.IsSequence() && members.size() >= 2,
                        "{}: give a list of at least two strategies to stack", options.where("of"));
  std::vector<std::unique_ptr<Strategy>> built;
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i].IsScalar()) {
      YAML::Node entry(YAML::NodeType::Map);
      entry["name"] = members[i].as<std::string>();
      members[i] = entry;
    }
    std::string path = fmt::format("{}.of[{}]", options.path(), i);
    EVERGREEN_CHECK_INPUT(members[i].IsMap(), "{}: {} must be a name or a map", options.file(),
                          path);
    Options member(members[i], path, options.file());
    auto name = member.get<std::string>("name", "naive", "strategy name");
    EVERGREEN_CHECK_INPUT(name != "stack", "{}: a stack cannot hold another stack",
                          member.where("name"));
    built.push_back(strategy_registry().find(name, member.where("name")).make(member));
    member.check_all_read();
  }
  return std::make_unique<StackedStrategy>(std::move(built));
}

}  // namespace evergreen
