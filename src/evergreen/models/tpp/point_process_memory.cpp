#include "evergreen/models/tpp/point_process_memory.h"

#include <fmt/format.h>

#include "evergreen/core/resource_bounds.h"

namespace evergreen {

void check_type_tables(const std::string& what, int64_t num_types, int64_t hidden, int64_t tables) {
  const double values =
      static_cast<double>(tables) * static_cast<double>(num_types) * static_cast<double>(hidden);
  check_allocation(values * sizeof(float) * kTrainingCopiesPerParameter,
                   fmt::format("{}: {} per-type tables of {} x {} float32 values, with their "
                               "gradients and optimiser moments",
                               what, tables, num_types, hidden));
}

std::string event_type_source(const Stream& stream, const std::string& model) {
  return fmt::format(
      "model '{}': {} event types (stream '{}': an event file's dim_process, or the types its "
      "sequences use)",
      model, stream.spec.num_event_types, stream.name);
}

void check_per_type_grid(const std::string& model, const char* grid, int64_t rows,
                         int64_t positions, int64_t values_per_position, int64_t num_types,
                         int64_t element_size) {
  const double values = static_cast<double>(rows) * static_cast<double>(positions) *
                        static_cast<double>(values_per_position) * static_cast<double>(num_types);
  check_allocation(values * static_cast<double>(element_size),
                   fmt::format("{}: {} of {} sequences x {} positions x {} x {} event types", model,
                               grid, rows, positions, values_per_position, num_types));
}

}  // namespace evergreen
