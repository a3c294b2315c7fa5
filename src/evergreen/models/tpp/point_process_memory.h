// Memory the point-process models need per event type, checked against the memory budget
// (core/resource_bounds.h) before it is allocated: an event file declaring `dim_process: 1e8`
// sizes every table below, and a model built on it must be refused with the estimate, not tried
// until the allocator gives up.
#pragma once

#include <cstdint>
#include <string>

#include "evergreen/data/experience.h"

namespace evergreen {

/// Copies of each trained value the training keeps: the value, its gradient and Adam's two
/// moments.
constexpr double kTrainingCopiesPerParameter = 4;

/// Throws InputError (check_allocation: "WHAT: would allocate about X GiB, more than the memory
/// budget ...") when `tables` per-type tables of num_types x hidden float32 values (type
/// embeddings, intensity read-outs), with their gradients and optimiser moments, exceed the
/// budget. `what` names the model and where the number of types came from.
///
/// Example:
///   check_type_tables("nhp: 100000000 event types", 100000000, 32, 2);  // throws: ~95 GiB
void check_type_tables(const std::string& what, int64_t num_types, int64_t hidden, int64_t tables);

/// "model 'MODEL': K event types (stream 'NAME': an event file's dim_process, or the types its
/// sequences use)": whom a refusal of check_type_tables names when the types come from a stream.
std::string event_type_source(const Stream& stream, const std::string& model);

/// Throws InputError when a grid of rows x positions x values_per_position x num_types values of
/// `element_size` bytes (every type's intensity at every integral point, or a per-row gradient
/// of the read-out) exceeds the memory budget, naming `model` and the sizes.
void check_per_type_grid(const std::string& model, const char* grid, int64_t rows,
                         int64_t positions, int64_t values_per_position, int64_t num_types,
                         int64_t element_size);

}  // namespace evergreen
