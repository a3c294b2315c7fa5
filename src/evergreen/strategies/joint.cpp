#include "evergreen/strategies/joint.h"

#include "evergreen/strategies/batch_archive.h"

namespace evergreen {

Batch JointStrategy::training_data(const Experience& experience) {
  seen_ = Batch::cat({seen_, experience.train});
  return seen_;
}

void JointStrategy::save(torch::serialize::OutputArchive& archive) const {
  save_batch(archive, "joint_seen", seen_);
}

void JointStrategy::load(torch::serialize::InputArchive& archive) {
  seen_ = load_batch(archive, "joint_seen");
}

}  // namespace evergreen
