// Analytic multiply-accumulate (MAC) counts per layer, so a run can report the work it did
// without hooking every operator. Convention (fvcore's): one fused multiply-add counts as one
// FLOP, so these MAC counts are what evergreen reports under the name `train_flops`. Multiply
// by 2 to compare with tools that count a multiply and an add separately.
#pragma once

#include <cstdint>

namespace evergreen {

/// MACs of a fully connected layer `y = x W^T + b` applied to `rows` input rows:
/// `in_features * out_features` per row. Bias additions are not counted (they are additions,
/// not multiply-adds, and are negligible next to the product).
///
/// Example:
///   int64_t macs = linear_macs(/*in_features=*/64, /*out_features=*/32, /*rows=*/128);  // 262144
int64_t linear_macs(int64_t in_features, int64_t out_features, int64_t rows = 1);

/// MACs of a single-layer LSTM run over `steps` time steps for `batch` sequences. Per step and
/// sequence, the four gates' matrix products cost `4 * hidden * (input + hidden)` (W_ih x and
/// W_hh h). The element-wise gate non-linearities, the cell update and the biases are not
/// counted: they are O(hidden) per step against O(hidden * (input + hidden)).
///
/// Example:
///   int64_t macs = lstm_macs(/*input_size=*/8, /*hidden_size=*/16, /*steps=*/24);  // 36864
int64_t lstm_macs(int64_t input_size, int64_t hidden_size, int64_t steps, int64_t batch = 1);

/// MACs of one training step given the forward pass's MACs: forward + backward, where the
/// backward pass costs about twice the forward (one product for the gradient with respect to
/// the input, one for the gradient with respect to the weights), so 3x forward in all.
///
/// Example:
///   int64_t train = training_macs(linear_macs(64, 32, 128));  // 786432
int64_t training_macs(int64_t forward_macs);

/// rows * macs_per_row, failing loudly on 64-bit overflow.
int64_t rows_times_macs(int64_t rows, int64_t macs_per_row);

}  // namespace evergreen
