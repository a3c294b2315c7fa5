#include "evergreen/strategies/memory_slots.h"

#include <vector>

#include "evergreen/core/error.h"

namespace evergreen {

Batch allocate_memory_slots(const Batch& rows, int64_t capacity) {
  Batch storage;
  for (const auto& [name, tensor] : rows) {
    auto shape = tensor.sizes().vec();
    shape[0] = capacity;
    storage.set(name, torch::zeros(shape, tensor.options()));
  }
  return storage;
}

void write_memory_slots(Batch& storage, const Batch& rows,
                        const std::map<int64_t, int64_t>& slot_to_row) {
  if (slot_to_row.empty()) return;
  std::vector<int64_t> slots, sources;
  for (const auto& [slot, row] : slot_to_row) {
    slots.push_back(slot);
    sources.push_back(row);
  }
  auto slot_index = torch::tensor(slots, torch::kLong);
  auto source_index = torch::tensor(sources, torch::kLong);
  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : rows) {
    EVERGREEN_ASSERT(storage.contains(name), "memory rows gained a key '{}'", name);
    const_cast<torch::Tensor&>(storage.at(name))
        .index_copy_(0, slot_index, tensor.detach().index_select(0, source_index));
  }
}

}  // namespace evergreen
