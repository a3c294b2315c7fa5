#include "evergreen/green/flops.h"

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

// Large models over long streams reach 1e18 MACs; an overflow must fail loudly rather than wrap
// into a negative count that would silently corrupt the report.
int64_t checked_multiply(int64_t a, int64_t b, const char* what) {
  int64_t product = 0;
  EVERGREEN_CHECK_INPUT(!__builtin_mul_overflow(a, b, &product),
                        "{}: MAC count overflows 64 bits ({} x {})", what, a, b);
  return product;
}

int64_t checked_add(int64_t a, int64_t b, const char* what) {
  int64_t sum = 0;
  EVERGREEN_CHECK_INPUT(!__builtin_add_overflow(a, b, &sum),
                        "{}: MAC count overflows 64 bits ({} + {})", what, a, b);
  return sum;
}

}  // namespace

int64_t linear_macs(int64_t in_features, int64_t out_features, int64_t rows) {
  EVERGREEN_CHECK_INPUT(in_features >= 0 && out_features >= 0 && rows >= 0,
                        "linear_macs: sizes must be non-negative (in_features={}, "
                        "out_features={}, rows={})",
                        in_features, out_features, rows);
  return checked_multiply(checked_multiply(in_features, out_features, "linear_macs"), rows,
                          "linear_macs");
}

int64_t lstm_macs(int64_t input_size, int64_t hidden_size, int64_t steps, int64_t batch) {
  EVERGREEN_CHECK_INPUT(input_size >= 0 && hidden_size >= 0 && steps >= 0 && batch >= 0,
                        "lstm_macs: sizes must be non-negative (input_size={}, hidden_size={}, "
                        "steps={}, batch={})",
                        input_size, hidden_size, steps, batch);
  int64_t per_step =
      checked_multiply(checked_multiply(4, hidden_size, "lstm_macs"),
                       checked_add(input_size, hidden_size, "lstm_macs"), "lstm_macs");
  return checked_multiply(checked_multiply(per_step, steps, "lstm_macs"), batch, "lstm_macs");
}

int64_t rows_times_macs(int64_t rows, int64_t macs_per_row) {
  EVERGREEN_CHECK_INPUT(rows >= 0 && macs_per_row >= 0,
                        "rows_times_macs: counts must be non-negative ({} x {})", rows,
                        macs_per_row);
  return checked_multiply(rows, macs_per_row, "rows_times_macs");
}

int64_t training_macs(int64_t forward_macs) {
  EVERGREEN_CHECK_INPUT(forward_macs >= 0,
                        "training_macs: forward MACs must be non-negative, got {}", forward_macs);
  return checked_multiply(3, forward_macs, "training_macs");
}

}  // namespace evergreen
