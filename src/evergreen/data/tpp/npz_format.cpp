// read_npz_arrival_times, declared in event_sequences.h: unmarked arrival times in a NumPy .npz.
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "evergreen/core/error.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/data/io/npy_array.h"
#include "evergreen/data/io/zip_archive.h"
#include "evergreen/data/tpp/event_sequences.h"

namespace evergreen {

EventDataset read_npz_arrival_times(const std::string& file, const std::string& array_name) {
  ZipArchive zip(file);
  const ZipEntry* entry = zip.find(array_name);
  EVERGREEN_CHECK_INPUT(entry != nullptr,
                        "{}: no entry '{}' in the archive: expected a NumPy "
                        ".npz holding it (entries: {})",
                        file, array_name, zip.names());
  const std::string where = fmt::format("{}: entry '{}'", file, array_name);
  // The entry's bytes, the parsed array, and each event's time and type: four copies of the size
  // the archive declares, refused before a (possibly deflated) entry is extracted.
  check_allocation(
      4.0 * static_cast<double>(entry->size),
      fmt::format("{} ({} bytes uncompressed): reading its arrival times", where, entry->size));
  NpyArray array = parse_npy(zip.extract(*entry), where);
  EVERGREEN_CHECK_INPUT(array.rows > 0 && array.columns > 0,
                        "{}: shape ({}, {}): expected at "
                        "least one sequence of at least one event",
                        where, array.rows, array.columns);

  EventDataset dataset;
  dataset.num_types = 1;
  dataset.original_type_ids = {0};
  dataset.sequences.resize(static_cast<size_t>(array.rows));
  for (int64_t row = 0; row < array.rows; ++row) {
    MarkedSequence& sequence = dataset.sequences[row];
    const double* values = array.values.data() + row * array.columns;
    sequence.times.assign(values, values + array.columns);
    sequence.types.assign(static_cast<size_t>(array.columns), 0);
    for (int64_t column = 0; column < array.columns; ++column) {
      double time = values[column];
      EVERGREEN_CHECK_INPUT(std::isfinite(time),
                            "{}: element [{}, {}]: expected a finite time, "
                            "got {}",
                            where, row, column, time);
      EVERGREEN_CHECK_INPUT(column == 0 || time >= values[column - 1],
                            "{}: element [{}, {}]: "
                            "time {} is earlier than the previous one {}: expected non-decreasing "
                            "times in each row",
                            where, row, column, time, values[column - 1]);
    }
  }
  return dataset;
}

}  // namespace evergreen
