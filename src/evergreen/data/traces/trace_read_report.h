// What a trace reader found besides the values.
#pragma once

#include <cstdint>

namespace evergreen {

/// What a trace reader found besides the values, for the stream's metadata and the user.
struct TraceReadReport {
  /// Data rows (Alibaba, Azure) or values (NASA) read from the files.
  int64_t rows = 0;
  /// Rows that passed the id or hash filters (all rows without filters).
  int64_t selected_rows = 0;
  /// Points filled by interpolation (Alibaba, `empty_buckets: interpolate`).
  int64_t interpolated_points = 0;
};

}  // namespace evergreen
