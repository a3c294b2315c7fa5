// A fixed-capacity memory of batch rows filled by reservoir sampling (Vitter 1985, algorithm R):
// after n rows have been offered, every one of them is in the buffer with probability
// capacity / n, whatever the order they came in.
#pragma once

#include <torch/torch.h>

#include <string>

#include "evergreen/core/batch.h"

namespace evergreen {

/// Example:
///   ReservoirBuffer buffer(200);
///   buffer.add(batch, generator);                        // rows of any Batch
///   Batch replay = buffer.sample(32, generator);         // uniform, without replacement
class ReservoirBuffer {
 public:
  explicit ReservoirBuffer(int64_t capacity);

  /// Offers every row of `rows` in order. Storage is allocated on the first call, so the
  /// memory never grows after it (one tensor per key of shape [capacity, ...]).
  void add(const Batch& rows, torch::Generator& generator);
  /// `count` distinct rows drawn uniformly (all rows when fewer are held).
  Batch sample(int64_t count, torch::Generator& generator) const;
  /// Every row held.
  Batch contents() const { return storage_.slice(0, size()); }
  int64_t size() const { return std::min(seen_, capacity_); }
  int64_t capacity() const { return capacity_; }
  int64_t seen() const { return seen_; }
  int64_t bytes() const;

  void save(torch::serialize::OutputArchive& archive, const std::string& prefix) const;
  void load(torch::serialize::InputArchive& archive, const std::string& prefix);

 private:
  int64_t capacity_;
  int64_t seen_ = 0;
  Batch storage_;
};

}  // namespace evergreen
