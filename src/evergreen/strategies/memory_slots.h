// Fixed-capacity row storage shared by the memories (reservoir, class-balanced): allocated once,
// written slot by slot, so the memory never grows after its first rows.
#pragma once

#include <map>

#include "evergreen/core/batch.h"

namespace evergreen {

/// `capacity` zero rows of every key of `rows` (same trailing shape, dtype and device).
Batch allocate_memory_slots(const Batch& rows, int64_t capacity);

/// Copies row `source` of `rows` into slot `slot` of `storage` for every (slot, source) of
/// `slot_to_row`, in one index_copy_ per key. `rows` must hold the keys `storage` was made with.
void write_memory_slots(Batch& storage, const Batch& rows,
                        const std::map<int64_t, int64_t>& slot_to_row);

}  // namespace evergreen
