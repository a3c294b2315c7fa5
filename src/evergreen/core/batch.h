// Batch: the named tensors that models, strategies and buffers exchange (like TensorDict).
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace evergreen {

/// Named tensors sharing a leading (row) dimension.
///
/// Example:
///   Batch batch{{"x", torch::randn({32, 48})}, {"y", torch::randn({32, 6})}};
///   Batch first_ten = batch.rows(torch::arange(10));
class Batch {
 public:
  Batch() = default;
  Batch(std::initializer_list<std::pair<const std::string, torch::Tensor>> tensors)
      : tensors_(tensors) {}

  const torch::Tensor& at(const std::string& name) const;
  bool contains(const std::string& name) const { return tensors_.count(name) > 0; }
  void set(const std::string& name, torch::Tensor tensor) { tensors_[name] = std::move(tensor); }
  void erase(const std::string& name) { tensors_.erase(name); }
  bool empty() const { return tensors_.empty(); }

  /// Number of rows (leading dimension); 0 for an empty batch.
  int64_t size() const;
  /// Bytes held by all tensors.
  int64_t bytes() const;

  /// The rows at `index` (a 1-D int64 tensor) of every tensor.
  Batch rows(const torch::Tensor& index) const;
  /// Every tensor on `device` (no copy for those already there).
  Batch to(const torch::Device& device) const;
  /// Rows [begin, end) of every tensor, without copying.
  Batch slice(int64_t begin, int64_t end) const;

  const std::map<std::string, torch::Tensor>& tensors() const { return tensors_; }
  auto begin() const { return tensors_.begin(); }
  auto end() const { return tensors_.end(); }

  /// Concatenates batches row-wise; all must hold the same names.
  static Batch cat(const std::vector<Batch>& batches);

 private:
  std::map<std::string, torch::Tensor> tensors_;
};

}  // namespace evergreen
