#include "evergreen/models/flat_parameters.h"

#include "evergreen/core/error.h"

namespace evergreen {

FlatParameters::FlatParameters(torch::nn::Module& module) {
  auto parameters = module.parameters();
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
