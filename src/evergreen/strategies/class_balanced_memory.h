// A fixed-capacity memory of labelled rows kept class-balanced by GDumb's greedy sampler (Prabhu
// et al., ECCV 2020): a row is stored while the memory has room; once it is full, a row whose
// class holds fewer rows than the largest class replaces a random row of that largest class, and
// any other row is dropped. The counts therefore only move towards balance: once full, every class
// holds at least (largest count - 1) rows unless the stream never offered it that many.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "evergreen/core/batch.h"

namespace evergreen {

/// Example:
///   ClassBalancedMemory memory(200);
///   memory.add(experience.train, generator);   // rows with int64 labels "y"
///   Batch rows = memory.contents();             // every row held, in slot order
///   auto counts = memory.class_counts();        // label -> rows held
class ClassBalancedMemory {
 public:
  explicit ClassBalancedMemory(int64_t capacity);

  /// Offers every row of `rows` in order (labels in "y", int64 [N]). Storage is allocated on the
  /// first call (one tensor per key of shape [capacity, ...]) and never grows after it.
  void add(const Batch& rows, torch::Generator& generator);
  /// Every row held, in slot order.
  Batch contents() const { return storage_.slice(0, size()); }
  int64_t size() const { return size_; }
  int64_t capacity() const { return capacity_; }
  int64_t seen() const { return seen_; }
  int64_t bytes() const { return storage_.bytes(); }
  /// Rows held per label (labels with no row are absent).
  std::map<int64_t, int64_t> class_counts() const;

  void save(torch::serialize::OutputArchive& archive, const std::string& prefix) const;
  void load(torch::serialize::InputArchive& archive, const std::string& prefix);

 private:
  /// The slot a row of class `label` takes when the memory is full, or -1 to drop the row;
  /// `tie_draw` and `row_draw` are uniforms in [0, 1) that pick among tied largest classes and
  /// among the evicted class's rows.
  int64_t slot_for(int64_t label, double tie_draw, double row_draw);

  int64_t capacity_;
  int64_t size_ = 0;
  int64_t seen_ = 0;
  Batch storage_;
  // The slots each class holds. The order matters: an eviction picks a position in this list, so
  // it is saved as it is to keep resumed runs bit-identical.
  std::map<int64_t, std::vector<int64_t>> slots_by_class_;
};

}  // namespace evergreen
