#include "evergreen/strategies/class_balanced_memory.h"

#include "evergreen/core/error.h"
#include "evergreen/strategies/batch_archive.h"
#include "evergreen/strategies/memory_slots.h"

namespace evergreen {

ClassBalancedMemory::ClassBalancedMemory(int64_t capacity) : capacity_(capacity) {
  EVERGREEN_CHECK_INPUT(capacity >= 1, "memory size must be >= 1, got {}", capacity);
}

int64_t ClassBalancedMemory::slot_for(int64_t label, double tie_draw, double row_draw) {
  int64_t largest = 0;
  std::vector<int64_t> largest_classes;
  for (const auto& [other, slots] : slots_by_class_) {
    auto count = static_cast<int64_t>(slots.size());
    if (count > largest) {
      largest = count;
      largest_classes.clear();
    }
    if (count == largest) largest_classes.push_back(other);
  }
  auto own = slots_by_class_.find(label);
  int64_t own_count = own == slots_by_class_.end() ? 0 : static_cast<int64_t>(own->second.size());
  if (own_count >= largest) return -1;
  // Ties between largest classes are broken at random, so that no label is favoured by its value.
  int64_t victim = largest_classes[std::min<int64_t>(
      static_cast<int64_t>(tie_draw * static_cast<double>(largest_classes.size())),
      static_cast<int64_t>(largest_classes.size()) - 1)];
  std::vector<int64_t>& victim_slots = slots_by_class_[victim];
  auto position =
      std::min<int64_t>(static_cast<int64_t>(row_draw * static_cast<double>(victim_slots.size())),
                        static_cast<int64_t>(victim_slots.size()) - 1);
  int64_t slot = victim_slots[position];
  victim_slots[position] = victim_slots.back();
  victim_slots.pop_back();
  if (victim_slots.empty()) slots_by_class_.erase(victim);
  return slot;
}

void ClassBalancedMemory::add(const Batch& rows, torch::Generator& generator) {
  const int64_t count = rows.size();
  if (count == 0) return;
  EVERGREEN_CHECK_INPUT(
      rows.contains("y") && rows.at("y").scalar_type() == torch::kLong && rows.at("y").dim() == 1,
      "a class-balanced memory needs int64 labels \"y\" [N]");
  if (storage_.empty()) storage_ = allocate_memory_slots(rows, capacity_);
  // Two uniforms per row drawn in one call whatever happens to the row, so that the generator
  // advances the same way however full the memory is.
  auto draws = torch::rand({count, 2}, generator, torch::kDouble);
  auto draw = draws.accessor<double, 2>();
  auto labels_tensor = rows.at("y").contiguous();
  const int64_t* labels = labels_tensor.data_ptr<int64_t>();
  std::map<int64_t, int64_t> slot_to_row;  // a later row taking a slot overrides an earlier one
  for (int64_t row = 0; row < count; ++row) {
    int64_t slot;
    if (size_ < capacity_) {
      slot = size_++;
    } else {
      slot = slot_for(labels[row], draw[row][0], draw[row][1]);
      if (slot < 0) continue;
    }
    slots_by_class_[labels[row]].push_back(slot);
    slot_to_row[slot] = row;
  }
  seen_ += count;
  write_memory_slots(storage_, rows, slot_to_row);
}

std::map<int64_t, int64_t> ClassBalancedMemory::class_counts() const {
  std::map<int64_t, int64_t> counts;
  for (const auto& [label, slots] : slots_by_class_)
    counts[label] = static_cast<int64_t>(slots.size());
  return counts;
}

void ClassBalancedMemory::save(torch::serialize::OutputArchive& archive,
                               const std::string& prefix) const {
  archive.write(prefix + "_size", torch::tensor(size_));
  archive.write(prefix + "_seen", torch::tensor(seen_));
  std::vector<int64_t> labels, counts, slots;
  for (const auto& [label, class_slots] : slots_by_class_) {
    labels.push_back(label);
    counts.push_back(static_cast<int64_t>(class_slots.size()));
    slots.insert(slots.end(), class_slots.begin(), class_slots.end());
  }
  archive.write(prefix + "_labels", torch::tensor(labels, torch::kLong));
  archive.write(prefix + "_counts", torch::tensor(counts, torch::kLong));
  archive.write(prefix + "_slots", torch::tensor(slots, torch::kLong));
  save_batch(archive, prefix + "_rows", storage_);
}

void ClassBalancedMemory::load(torch::serialize::InputArchive& archive, const std::string& prefix) {
  torch::Tensor size, seen, labels, counts, slots;
  archive.read(prefix + "_size", size);
  archive.read(prefix + "_seen", seen);
  archive.read(prefix + "_labels", labels);
  archive.read(prefix + "_counts", counts);
  archive.read(prefix + "_slots", slots);
  size_ = size.item<int64_t>();
  seen_ = seen.item<int64_t>();
  storage_ = load_batch(archive, prefix + "_rows");
  EVERGREEN_CHECK_INPUT(labels.numel() == counts.numel() &&
                            counts.sum().item<int64_t>() == slots.numel() &&
                            slots.numel() == size_ && size_ <= capacity_,
                        "checkpoint: class-balanced memory '{}' does not fit a capacity of {} "
                        "(holds {} rows in {} slots)",
                        prefix, capacity_, size_, slots.numel());
  slots_by_class_.clear();
  auto label = labels.accessor<int64_t, 1>();
  auto count = counts.accessor<int64_t, 1>();
  auto slot = slots.accessor<int64_t, 1>();
  int64_t offset = 0;
  for (int64_t i = 0; i < labels.numel(); ++i) {
    auto& class_slots = slots_by_class_[label[i]];
    for (int64_t j = 0; j < count[i]; ++j) class_slots.push_back(slot[offset + j]);
    offset += count[i];
  }
}

}  // namespace evergreen
