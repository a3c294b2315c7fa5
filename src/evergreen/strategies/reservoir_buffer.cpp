#include "evergreen/strategies/reservoir_buffer.h"

#include <map>

#include "evergreen/core/error.h"
#include "evergreen/strategies/batch_archive.h"
#include "evergreen/strategies/memory_slots.h"

namespace evergreen {

ReservoirBuffer::ReservoirBuffer(int64_t capacity) : capacity_(capacity) {
  EVERGREEN_CHECK_INPUT(capacity >= 1, "memory size must be >= 1, got {}", capacity);
}

void ReservoirBuffer::add(const Batch& rows, torch::Generator& generator) {
  int64_t count = rows.size();
  if (count == 0) return;
  if (storage_.empty()) storage_ = allocate_memory_slots(rows, capacity_);
  // One uniform draw per row, in one call; row i is the (seen_ + i + 1)-th item of the stream.
  auto uniforms = torch::rand({count}, generator, torch::kDouble);
  auto uniform = uniforms.accessor<double, 1>();
  std::map<int64_t, int64_t> slot_to_row;  // later rows overwrite earlier ones, as in sequence
  for (int64_t row = 0; row < count; ++row) {
    int64_t position = seen_ + row;  // items before this one
    if (position < capacity_) {
      slot_to_row[position] = row;
    } else {
      auto slot = static_cast<int64_t>(uniform[row] * static_cast<double>(position + 1));
      if (slot < capacity_) slot_to_row[slot] = row;
    }
  }
  seen_ += count;
  write_memory_slots(storage_, rows, slot_to_row);
}

Batch ReservoirBuffer::sample(int64_t count, torch::Generator& generator) const {
  int64_t held = size();
  if (held == 0 || count <= 0) return {};
  if (count >= held) return contents();
  auto index = torch::randperm(held, generator, torch::kLong).slice(0, 0, count);
  return storage_.rows(index);
}

int64_t ReservoirBuffer::bytes() const { return storage_.bytes(); }

void ReservoirBuffer::save(torch::serialize::OutputArchive& archive,
                           const std::string& prefix) const {
  archive.write(prefix + "_seen", torch::tensor(seen_));
  save_batch(archive, prefix + "_rows", storage_);
}

void ReservoirBuffer::load(torch::serialize::InputArchive& archive, const std::string& prefix) {
  torch::Tensor seen;
  archive.read(prefix + "_seen", seen);
  seen_ = seen.item<int64_t>();
  storage_ = load_batch(archive, prefix + "_rows");
}

}  // namespace evergreen
