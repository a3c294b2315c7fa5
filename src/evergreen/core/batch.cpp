#include "evergreen/core/batch.h"

#include "evergreen/core/error.h"

namespace evergreen {

const torch::Tensor& Batch::at(const std::string& name) const {
  auto found = tensors_.find(name);
  EVERGREEN_ASSERT(found != tensors_.end(), "batch has no tensor named '{}'", name);
  return found->second;
}

int64_t Batch::size() const { return tensors_.empty() ? 0 : tensors_.begin()->second.size(0); }

int64_t Batch::bytes() const {
  int64_t total = 0;
  for (const auto& [name, tensor] : tensors_) total += tensor.numel() * tensor.element_size();
  return total;
}

Batch Batch::rows(const torch::Tensor& index) const {
  Batch result;
  // Indices come from the run's CPU generator; the rows may live on an accelerator.
  for (const auto& [name, tensor] : tensors_)
    result.set(name, tensor.index_select(0, index.to(tensor.device())));
  return result;
}

Batch Batch::to(const torch::Device& device) const {
  Batch result;
  for (const auto& [name, tensor] : tensors_) result.set(name, tensor.to(device));
  return result;
}

Batch Batch::slice(int64_t begin, int64_t end) const {
  Batch result;
  for (const auto& [name, tensor] : tensors_) result.set(name, tensor.slice(0, begin, end));
  return result;
}

Batch Batch::cat(const std::vector<Batch>& batches) {
  std::vector<const Batch*> nonempty;
  for (const auto& batch : batches)
    if (!batch.empty()) nonempty.push_back(&batch);
  if (nonempty.empty()) return {};
  if (nonempty.size() == 1) return *nonempty.front();
  Batch result;
  for (const auto& [name, first] : nonempty.front()->tensors_) {
    std::vector<torch::Tensor> parts;
    parts.reserve(nonempty.size());
    for (const Batch* batch : nonempty) parts.push_back(batch->at(name));
    result.set(name, torch::cat(parts, 0));
  }
  return result;
}

}  // namespace evergreen
