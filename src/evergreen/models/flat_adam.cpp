#include "evergreen/models/flat_adam.h"

#include <cmath>

namespace evergreen {

FlatAdam::FlatAdam(FlatParameters& parameters, const FlatAdamOptions& options)
    : parameters_(parameters), options_(options) {
  reset();
}

void FlatAdam::reset() {
  first_moment_ = torch::zeros_like(parameters_.values());
  second_moment_ = torch::zeros_like(parameters_.values());
  denominator_ = torch::empty_like(parameters_.values());
  steps_ = 0;
}

void FlatAdam::step() {
  torch::NoGradGuard no_grad;
  ++steps_;
  torch::Tensor gradient = parameters_.gradients();
  if (options_.weight_decay() != 0) {
    if (options_.decoupled_weight_decay())
      parameters_.values().mul_(1.0 - options_.learning_rate() * options_.weight_decay());
    else
      gradient = gradient.add(parameters_.values(), options_.weight_decay());
  }
  double bias_correction1 = 1.0 - std::pow(options_.beta1(), static_cast<double>(steps_));
  double bias_correction2 = 1.0 - std::pow(options_.beta2(), static_cast<double>(steps_));
  first_moment_.mul_(options_.beta1()).add_(gradient, 1.0 - options_.beta1());
  second_moment_.mul_(options_.beta2()).addcmul_(gradient, gradient, 1.0 - options_.beta2());
  // Same order of operations as torch::optim::Adam, so both give the same numbers.
  torch::sqrt_out(denominator_, second_moment_);
  denominator_.div_(std::sqrt(bias_correction2)).add_(options_.epsilon());
  parameters_.values().addcdiv_(first_moment_, denominator_,
                                -options_.learning_rate() / bias_correction1);
}

void FlatAdam::save(torch::serialize::OutputArchive& archive, const std::string& prefix) const {
  archive.write(prefix + "_first_moment", first_moment_);
  archive.write(prefix + "_second_moment", second_moment_);
  archive.write(prefix + "_steps", torch::tensor(steps_));
}

void FlatAdam::load(torch::serialize::InputArchive& archive, const std::string& prefix) {
  // Read into fresh tensors and copy: reading into a defined tensor would rebind it.
  torch::Tensor first_moment, second_moment, steps;
  archive.read(prefix + "_first_moment", first_moment);
  archive.read(prefix + "_second_moment", second_moment);
  archive.read(prefix + "_steps", steps);
  torch::NoGradGuard no_grad;
  first_moment_.copy_(first_moment);
  second_moment_.copy_(second_moment);
  steps_ = steps.item<int64_t>();
}

}  // namespace evergreen
