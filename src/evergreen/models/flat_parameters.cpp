#include "evergreen/models/flat_parameters.h"

#include "evergreen/core/error.h"

namespace evergreen {

FlatParameters::FlatParameters(torch::nn::Module& module) {
  // Frozen parameters (requires_grad false: a LoRA model's base weights) are not trained, so
  // they stay out of the buffer, the optimiser and the strategies' view.
  std::vector<torch::Tensor> parameters;
  for (const auto& parameter : module.parameters())
    if (parameter.requires_grad()) parameters.push_back(parameter);
  int64_t total = 0;
  for (const auto& parameter : parameters) total += parameter.numel();
  EVERGREEN_ASSERT(total > 0, "module has no parameters");
  auto options = parameters.front().options();
  values_ = torch::empty({total}, options);
  gradients_ = torch::zeros({total}, options);
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (auto& parameter : parameters) {
    int64_t count = parameter.numel();
    auto value_view = values_.slice(0, offset, offset + count).view(parameter.sizes());
    value_view.copy_(parameter);
    parameter.set_data(value_view);
    // Autograd accumulates in place into a defined gradient (outside create_graph), so the
    // gradients land in the flat buffer without a copy.
    parameter.mutable_grad() = gradients_.slice(0, offset, offset + count).view(parameter.sizes());
    offset += count;
  }
}

}  // namespace evergreen
