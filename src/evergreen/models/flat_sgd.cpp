#include "evergreen/models/flat_sgd.h"

namespace evergreen {

FlatSgd::FlatSgd(FlatParameters& parameters, const FlatSgdOptions& options)
    : parameters_(parameters), options_(options) {}

void FlatSgd::reset() { momentum_buffer_ = torch::Tensor(); }

void FlatSgd::step() {
  torch::NoGradGuard no_grad;
  torch::Tensor& values = parameters_.values();
  const torch::Tensor& gradient = parameters_.gradients();
  if (options_.weight_decay() == 0 && options_.momentum() == 0) {
    values.add_(gradient, -options_.learning_rate());  // the common case: one op per step
    return;
  }
  torch::Tensor direction =
      options_.weight_decay() != 0 ? gradient.add(values, options_.weight_decay()) : gradient;
  if (options_.momentum() != 0) {
    // torch::optim::SGD: the first step copies the gradient, later ones decay and add (dampening
    // 0).
    if (!momentum_buffer_.defined())
      momentum_buffer_ = direction.clone();
    else
      momentum_buffer_.mul_(options_.momentum()).add_(direction);
    direction = momentum_buffer_;
  }
  values.add_(direction, -options_.learning_rate());
}

void FlatSgd::save(torch::serialize::OutputArchive& archive, const std::string& prefix) const {
  archive.write(prefix + "_has_momentum", torch::tensor(momentum_buffer_.defined()));
  if (momentum_buffer_.defined()) archive.write(prefix + "_momentum", momentum_buffer_);
}

void FlatSgd::load(torch::serialize::InputArchive& archive, const std::string& prefix) {
  torch::Tensor has_momentum, momentum;
  archive.read(prefix + "_has_momentum", has_momentum);
  momentum_buffer_ = torch::Tensor();
  if (has_momentum.item<bool>()) {
    archive.read(prefix + "_momentum", momentum);
    momentum_buffer_ = momentum.clone();
  }
}

}  // namespace evergreen
