#include "evergreen/strategies/joint.h"

#include "evergreen/strategies/batch_archive.h"

namespace evergreen {

Batch JointStrategy::training_data(const Experience& experience) {
  seen_ = Batch::cat({seen_, experience.train});
  return seen_;
}

bool JointStrategy::learns_from(const TrainingContext& context) const {
  return !offline_ || context.spec == nullptr ||
         context.experience_index + 1 >= context.spec->num_tasks;
}

void JointStrategy::save(torch::serialize::OutputArchive& archive) const {
  save_batch(archive, "joint_seen", seen_);
}

void JointStrategy::load(torch::serialize::InputArchive& archive) {
  seen_ = load_batch(archive, "joint_seen");
}

std::unique_ptr<Strategy> make_joint(Options& options) {
  return std::make_unique<JointStrategy>(options.get<bool>(
      "offline", false, "train once, after the last experience, on all of them"));
}

}  // namespace evergreen
