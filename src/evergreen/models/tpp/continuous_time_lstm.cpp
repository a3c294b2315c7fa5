#include "evergreen/models/tpp/continuous_time_lstm.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "evergreen/core/error.h"

// glibc's vector math library (libmvec) has SIMD versions of exp, tanh and log1p; declaring the
// scalar functions SIMD-callable lets GCC vectorise the loops over hidden units below into calls
// that take 4 (SSE2) or 8 (AVX2) lanes at once. It needs -fno-math-errno (CMakeLists.txt); the
// results are those of libmvec's functions (within 4 ulp of the scalar ones).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__)
#define EVERGREEN_SIMD_MATH __attribute__((__simd__("notinbranch")))
#else
#define EVERGREEN_SIMD_MATH
#endif
extern "C" {
float expf(float) noexcept EVERGREEN_SIMD_MATH;
double exp(double) noexcept EVERGREEN_SIMD_MATH;
float tanhf(float) noexcept EVERGREEN_SIMD_MATH;
double tanh(double) noexcept EVERGREEN_SIMD_MATH;
float log1pf(float) noexcept EVERGREEN_SIMD_MATH;
double log1p(double) noexcept EVERGREEN_SIMD_MATH;
float expm1f(float) noexcept EVERGREEN_SIMD_MATH;
double expm1(double) noexcept EVERGREEN_SIMD_MATH;
}

namespace evergreen {
namespace {

inline float exp_of(float x) { return ::expf(x); }
inline double exp_of(double x) { return ::exp(x); }
inline float tanh_of(float x) { return ::tanhf(x); }
inline double tanh_of(double x) { return ::tanh(x); }
inline float log1p_of(float x) { return ::log1pf(x); }
inline double log1p_of(double x) { return ::log1p(x); }
inline float expm1_of(float x) { return ::expm1f(x); }
inline double expm1_of(double x) { return ::expm1(x); }

// The gate blocks of the fused linear layer, in order.
enum Gate : int64_t { kInput, kForget, kCandidate, kOutput, kTargetInput, kTargetForget, kDecay };
constexpr int64_t kGates = 7;
// The state after an event, in this order: cell, cell target, decay, output gate.
constexpr int64_t kStateParts = 4;

template <typename T>
T sigmoid(T x) {
  return T(1) / (T(1) + exp_of(-x));
}
// As torch::softplus: the identity above 20.
template <typename T>
T softplus(T x) {
  return x > T(20) ? x : log1p_of(exp_of(x));
}
// log softplus(x), without softplus's underflow far below 0 (where it equals x).
template <typename T>
T log_softplus(T x) {
  return x < T(-20) ? x : std::log(softplus(x));
}
// d log softplus(x) / dx = sigmoid(x) / softplus(x).
template <typename T>
T log_softplus_slope(T x) {
  return x < T(-20) ? T(1) : sigmoid(x) / softplus(x);
}

template <typename T>
struct Sizes {
  int64_t rows, length, hidden, types;
};

template <typename T>
struct ReadOut {
  const T* weight;  // [K, H]
  const T* bias;    // [K]
};

// h(t) after an event with `state` at `offset` = t - t_i: o tanh(c_bar + (c - c_bar) e), with
// e = exp(-delta offset). Writes e, tanh(.) and h, H values each.
template <typename T>
void hidden_at(const T* __restrict state, T offset, int64_t hidden, T* __restrict factor,
               T* __restrict squashed, T* __restrict out) {
  const T* __restrict cell = state, * __restrict target = state + hidden, * __restrict decay = state + 2 * hidden, * __restrict output = state + 3 * hidden;
  for (int64_t u = 0; u < hidden; ++u) {
    factor[u] = exp_of(-decay[u] * offset);
    squashed[u] = tanh_of(target[u] + (cell[u] - target[u]) * factor[u]);
    out[u] = output[u] * squashed[u];
  }
}

// Eight partial sums, so that the compiler may keep them in one vector register (a single sum
// is a chain it must not reorder).
template <typename T>
T dot(const T* __restrict a, const T* __restrict b, int64_t size) {
  T partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t u = 0;
  for (; u + 8 <= size; u += 8)
    for (int64_t lane = 0; lane < 8; ++lane) partial[lane] += a[u + lane] * b[u + lane];
  T sum = ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
          ((partial[4] + partial[5]) + (partial[6] + partial[7]));
  for (; u < size; ++u) sum += a[u] * b[u];
  return sum;
}

// Scratch space for one interval: e, tanh, h and dL/dh, and the rule's nodes.
template <typename T>
struct IntervalScratch {
  IntervalScratch(int64_t hidden, int64_t points)
      : values(4 * hidden), offsets(points), weights(points), hidden(hidden) {}
  T* factor() { return values.data(); }
  T* squashed() { return values.data() + hidden; }
  T* out() { return values.data() + 2 * hidden; }
  T* grad_out() { return values.data() + 3 * hidden; }
  std::vector<T> values, offsets, weights;
  int64_t hidden;
};

// The points of an interval of length `gap` at which the intensity is read: the rule's nodes,
// then the event at the interval's end unless the rule's last node is already there. Calls
// visit(offset, weight, event_here) for each.
template <typename T, typename Visit>
void for_each_point(const IntegralRule& rule, T gap, bool has_event, IntervalScratch<T>& scratch,
                    Visit&& visit) {
  rule.nodes(gap, scratch.offsets.data(), scratch.weights.data());
  const auto count = static_cast<int64_t>(scratch.offsets.size());
  const bool merged = rule.last_node_at_end();
  for (int64_t p = 0; p < count; ++p)
    visit(scratch.offsets[p], scratch.weights[p], has_event && merged && p == count - 1);
  if (has_event && !merged) visit(gap, T(0), true);
}

// The interval of length `gap` after an event with `state`: log lambda_type at its end (0 when
// type < 0) and the integral of the total intensity over it.
template <typename T>
std::pair<T, T> interval_forward(const T* state, T gap, int64_t type, const ReadOut<T>& read_out,
                                 const Sizes<T>& sizes, const IntegralRule& rule,
                                 IntervalScratch<T>& scratch) {
  T log_intensity = 0, integral = 0;
  for_each_point(rule, gap, type >= 0, scratch, [&](T offset, T weight, bool event_here) {
    if (weight == 0 && !event_here) return;
    hidden_at(state, offset, sizes.hidden, scratch.factor(), scratch.squashed(), scratch.out());
    for (int64_t k = 0; k < sizes.types; ++k) {
      T z = read_out.bias[k] + dot(read_out.weight + k * sizes.hidden, scratch.out(), sizes.hidden);
      if (weight != 0) integral += weight * softplus(z);
      if (event_here && k == type) log_intensity = log_softplus(z);
    }
  });
  return {log_intensity, integral};
}

// Adds the gradient of event_scale * log lambda_type - integral_scale * integral (the two values
// interval_forward returns) with respect to `state` ([4H], into grad_state) and the read-out.
template <typename T>
void interval_backward(const T* state, T gap, int64_t type, T event_scale, T integral_scale,
                       const ReadOut<T>& read_out, const Sizes<T>& sizes, const IntegralRule& rule,
                       T* grad_state, T* grad_weight, T* grad_bias, IntervalScratch<T>& scratch) {
  const int64_t hidden = sizes.hidden;
  const T *cell = state, *target = state + hidden, *output = state + 3 * hidden;
  T *grad_cell = grad_state, *grad_target = grad_state + hidden,
    *grad_decay = grad_state + 2 * hidden, *grad_output = grad_state + 3 * hidden;
  T *factor = scratch.factor(), *squashed = scratch.squashed(), *out = scratch.out(),
    *grad_out = scratch.grad_out();
  for_each_point(rule, gap, type >= 0, scratch, [&](T offset, T weight, bool event_here) {
    if (weight == 0 && !event_here) return;
    hidden_at(state, offset, hidden, factor, squashed, out);
    std::fill(grad_out, grad_out + hidden, T(0));
    for (int64_t k = 0; k < sizes.types; ++k) {
      const T* row = read_out.weight + k * hidden;
      T z = read_out.bias[k] + dot(row, out, hidden);
      T grad_z = 0;
      if (weight != 0) grad_z -= integral_scale * weight * sigmoid(z);
      if (event_here && k == type) grad_z += event_scale * log_softplus_slope(z);
      if (grad_z == 0) continue;
      grad_bias[k] += grad_z;
      for (int64_t u = 0; u < hidden; ++u) {
        grad_weight[k * hidden + u] += grad_z * out[u];
        grad_out[u] += grad_z * row[u];
      }
    }
    for (int64_t u = 0; u < hidden; ++u) {
      grad_output[u] += grad_out[u] * squashed[u];
      T grad_decayed = grad_out[u] * output[u] * (1 - squashed[u] * squashed[u]);
      grad_cell[u] += grad_decayed * factor[u];
      grad_target[u] += grad_decayed * (1 - factor[u]);
      grad_decay[u] -= grad_decayed * (cell[u] - target[u]) * factor[u] * offset;
    }
  });
}

// What the recurrence keeps per event, [N, L, width] each: 12 H values, all the backward pass
// needs besides what it recomputes cheaply (the decay up to each event).
struct RecurrenceTensors {
  torch::Tensor hidden_in;    // h(t_i), the state the event's update reads [H]
  torch::Tensor activations;  // the gate pre-activations, then their activations [7H]; the
                              // backward pass overwrites them with their gradients
  torch::Tensor states;       // cell, target, decay, output gate after the event [4H]
};

// Allocates the buffers and fills `activations` with the embedding's share of the gates plus the
// bias, one matrix product for all events.
RecurrenceTensors start_recurrence(const torch::Tensor& embedded, const torch::Tensor& gate_weight,
                                   const torch::Tensor& gate_bias) {
  const int64_t rows = embedded.size(0), length = embedded.size(1), hidden = embedded.size(2);
  auto options = gate_weight.options();
  RecurrenceTensors out{torch::empty({rows, length, hidden}, options),
                        torch::empty({rows, length, kGates * hidden}, options),
                        torch::empty({rows, length, kStateParts * hidden}, options)};
  auto flat = out.activations.view({rows * length, kGates * hidden});
  torch::addmm_out(flat, gate_bias, embedded.reshape({rows * length, hidden}),
                   gate_weight.slice(1, 0, hidden).t());
  return out;
}

// c(t_i) and exp(-delta (t_i - t_{i-1})) from the state after event i - 1.
template <typename T>
void decay_to(const T* __restrict previous, T gap, int64_t hidden, T* __restrict decayed,
              T* __restrict factor) {
  const T *cell0 = previous, *target0 = previous + hidden, *decay0 = previous + 2 * hidden;
  for (int64_t u = 0; u < hidden; ++u) {
    factor[u] = exp_of(-decay0[u] * gap);
    decayed[u] = target0[u] + (cell0[u] - target0[u]) * factor[u];
  }
}

// The continuous-time LSTM over every row's events; `hidden_weight` [7H, H] is the share of
// h(t_i) in the gates (start_recurrence has added the rest).
template <typename T>
void run_recurrence(const torch::Tensor& hidden_weight, const torch::Tensor& times,
                    const torch::Tensor& mask, RecurrenceTensors& out) {
  const int64_t rows = times.size(0), length = times.size(1), hidden = hidden_weight.size(1);
  const int64_t width = kGates * hidden;
  // Transposed so that adding h_k times row k is a contiguous update of all gates.
  auto transposed = hidden_weight.t().contiguous();
  const T* weight_t = transposed.data_ptr<T>();
  const T* time = times.data_ptr<T>();
  const T* valid = mask.data_ptr<T>();
  T *hidden_in = out.hidden_in.data_ptr<T>(), *activations = out.activations.data_ptr<T>(),
    *states = out.states.data_ptr<T>();
  at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
    std::vector<T> zero(kStateParts * hidden, T(0)), d(hidden), e(hidden);
    for (int64_t n = begin; n < end; ++n) {
      for (int64_t i = 0; i < length; ++i) {
        const int64_t at = n * length + i;
        const T* previous = i > 0 ? states + (at - 1) * kStateParts * hidden : zero.data();
        const T *target0 = previous + hidden, *output0 = previous + 3 * hidden;
        T* h = hidden_in + at * hidden;
        const T gap = i > 0 ? std::max(time[at] - time[at - 1], T(0)) : T(0);
        decay_to(previous, gap, hidden, d.data(), e.data());
        for (int64_t u = 0; u < hidden; ++u) h[u] = output0[u] * tanh_of(d[u]);
        T* state = states + at * kStateParts * hidden;
        T* gates = activations + at * width;
        if (valid[at] == 0) {  // padding keeps the last event's state
          std::copy(d.begin(), d.end(), state);
          std::copy(previous + hidden, previous + kStateParts * hidden, state + hidden);
          std::fill(gates, gates + width, T(0));
          continue;
        }
        for (int64_t k = 0; k < hidden; ++k) {
          const T hk = h[k];
          const T* row = weight_t + k * width;
          for (int64_t j = 0; j < width; ++j) gates[j] += hk * row[j];
        }
        for (int64_t u = 0; u < hidden; ++u) {
          const T input = sigmoid(gates[kInput * hidden + u]);
          const T forget = sigmoid(gates[kForget * hidden + u]);
          const T candidate = tanh_of(gates[kCandidate * hidden + u]);
          const T output = sigmoid(gates[kOutput * hidden + u]);
          const T target_input = sigmoid(gates[kTargetInput * hidden + u]);
          const T target_forget = sigmoid(gates[kTargetForget * hidden + u]);
          const T decay = softplus(gates[kDecay * hidden + u]);
          gates[kInput * hidden + u] = input;
          gates[kForget * hidden + u] = forget;
          gates[kCandidate * hidden + u] = candidate;
          gates[kOutput * hidden + u] = output;
          gates[kTargetInput * hidden + u] = target_input;
          gates[kTargetForget * hidden + u] = target_forget;
          gates[kDecay * hidden + u] = decay;
          state[u] = forget * d[u] + input * candidate;
          state[hidden + u] = target_forget * target0[u] + target_input * candidate;
          state[2 * hidden + u] = decay;
          state[3 * hidden + u] = output;
        }
      }
    }
  });
}

// Backward through the recurrence of one row, given dL/d(state after each event) [L, 4H]:
// overwrites the row's activations [L, 7H] with dL/d(gate pre-activations).
template <typename T>
void recurrence_backward_row(int64_t n, RecurrenceTensors& saved, const T* hidden_weight,
                             const T* times, const T* mask, int64_t length, int64_t hidden,
                             const T* grad_states) {
  const int64_t width = kGates * hidden, state_width = kStateParts * hidden;
  const T* states = saved.states.data_ptr<T>();
  T* activations = saved.activations.data_ptr<T>();
  std::vector<T> carry(state_width, T(0)), carry_previous(state_width), zero(state_width, T(0));
  std::vector<T> d(hidden), e(hidden), grad_decayed(hidden), grad_hidden(hidden);
  for (int64_t i = length - 1; i >= 0; --i) {
    const int64_t at = n * length + i;
    for (int64_t x = 0; x < state_width; ++x) carry[x] += grad_states[i * state_width + x];
    const T *grad_cell = carry.data(), *grad_target = carry.data() + hidden,
            *grad_decay = carry.data() + 2 * hidden, *grad_output = carry.data() + 3 * hidden;
    const T* previous = i > 0 ? states + (at - 1) * state_width : zero.data();
    const T* target0 = previous + hidden;
    const T gap = i > 0 ? std::max(times[at] - times[at - 1], T(0)) : T(0);
    decay_to(previous, gap, hidden, d.data(), e.data());
    std::fill(carry_previous.begin(), carry_previous.end(), T(0));
    T *previous_cell = carry_previous.data(), *previous_target = carry_previous.data() + hidden,
      *previous_decay = carry_previous.data() + 2 * hidden,
      *previous_output = carry_previous.data() + 3 * hidden;
    std::fill(grad_hidden.begin(), grad_hidden.end(), T(0));
    T* gates = activations + at * width;  // activations in, gradients out
    if (mask[at] != 0) {
      for (int64_t u = 0; u < hidden; ++u) {
        const T input = gates[kInput * hidden + u], forget = gates[kForget * hidden + u],
                candidate = gates[kCandidate * hidden + u], output = gates[kOutput * hidden + u],
                target_input = gates[kTargetInput * hidden + u],
                target_forget = gates[kTargetForget * hidden + u],
                decay_slope = -expm1_of(-gates[kDecay * hidden + u]);  // sigmoid of its input
        grad_decayed[u] = grad_cell[u] * forget;
        const T grad_candidate = grad_cell[u] * input + grad_target[u] * target_input;
        gates[kInput * hidden + u] = grad_cell[u] * candidate * input * (1 - input);
        gates[kForget * hidden + u] = grad_cell[u] * d[u] * forget * (1 - forget);
        gates[kCandidate * hidden + u] = grad_candidate * (1 - candidate * candidate);
        gates[kOutput * hidden + u] = grad_output[u] * output * (1 - output);
        gates[kTargetInput * hidden + u] =
            grad_target[u] * candidate * target_input * (1 - target_input);
        gates[kTargetForget * hidden + u] =
            grad_target[u] * target0[u] * target_forget * (1 - target_forget);
        gates[kDecay * hidden + u] = grad_decay[u] * decay_slope;
        previous_target[u] = grad_target[u] * target_forget;
      }
      for (int64_t j = 0; j < width; ++j) {
        const T g = gates[j];
        const T* row = hidden_weight + j * hidden;
        for (int64_t u = 0; u < hidden; ++u) grad_hidden[u] += g * row[u];
      }
    } else {  // padding passed the state through: c = c(t_i), the rest unchanged
      std::copy(grad_cell, grad_cell + hidden, grad_decayed.begin());
      std::copy(carry.begin() + hidden, carry.end(), carry_previous.begin() + hidden);
    }
    if (i > 0) {
      // h(t_i) = o tanh(c(t_i)), c(t_i) = c_bar + (c - c_bar) e, e = exp(-delta gap)
      const T *cell0 = previous, *output0 = previous + 3 * hidden;
      for (int64_t u = 0; u < hidden; ++u) {
        const T squashed = tanh_of(d[u]);
        previous_output[u] += grad_hidden[u] * squashed;
        const T g = grad_decayed[u] + grad_hidden[u] * output0[u] * (1 - squashed * squashed);
        previous_cell[u] += g * e[u];
        previous_target[u] += g * (1 - e[u]);
        previous_decay[u] -= g * (cell0[u] - target0[u]) * e[u] * gap;
      }
    }
    std::swap(carry, carry_previous);
  }
}

// Indices of the last event of each row (-1 for an empty row).
std::vector<int64_t> last_events(const torch::Tensor& mask) {
  const int64_t rows = mask.size(0), length = mask.size(1);
  auto valid = (mask != 0).to(torch::kLong).contiguous();
  const int64_t* flag = valid.data_ptr<int64_t>();
  std::vector<int64_t> last(rows, -1);
  for (int64_t n = 0; n < rows; ++n)
    for (int64_t i = 0; i < length; ++i)
      if (flag[n * length + i] != 0) last[n] = i;
  return last;
}

struct Prepared {
  torch::Tensor times, types, mask, end_time;
};

Prepared prepare(const EventBatchView& events, const torch::TensorOptions& options,
                 int64_t num_types) {
  Prepared p;
  p.times = events.times.detach().to(options).contiguous();
  p.mask = events.mask.detach().to(options).contiguous();
  p.types = events.types.detach().clamp(0, num_types - 1).to(torch::kLong).contiguous();
  EVERGREEN_CHECK_INPUT(
      p.times.dim() == 2 && p.types.sizes() == p.times.sizes() && p.mask.sizes() == p.times.sizes(),
      "nhp: times, types and mask must be [N, L] alike");
  // T defaults to each row's last event.
  auto last = last_events(p.mask);
  std::vector<double> last_time(last.size(), 0.0);
  auto times_double = p.times.to(torch::kDouble);
  for (size_t n = 0; n < last.size(); ++n)
    if (last[n] >= 0) last_time[n] = times_double[n][last[n]].item<double>();
  auto last_tensor = torch::tensor(last_time, torch::kDouble);
  if (events.end_time.defined()) {
    p.end_time = events.end_time.detach().to(torch::kDouble).contiguous();
    EVERGREEN_CHECK_INPUT(p.end_time.dim() == 1 && p.end_time.size(0) == p.times.size(0),
                          "nhp: end_time must be [N]");
    EVERGREEN_CHECK_INPUT((p.end_time >= last_tensor).all().item<bool>(),
                          "nhp: end_time must not precede a sequence's last event");
    p.end_time = p.end_time.to(options);
  } else {
    p.end_time = last_tensor.to(options);
  }
  return p;
}

class LikelihoodFunction : public torch::autograd::Function<LikelihoodFunction> {
 public:
  static torch::autograd::variable_list forward(
      torch::autograd::AutogradContext* context, torch::Tensor embedded, torch::Tensor gate_weight,
      torch::Tensor gate_bias, torch::Tensor intensity_weight, torch::Tensor intensity_bias,
      torch::Tensor times, torch::Tensor types, torch::Tensor mask, torch::Tensor end_time,
      std::string rule_name, int64_t rule_points, double rule_resolution) {
    const auto rule = IntegralRule::make(rule_name, rule_points, rule_resolution);
    const int64_t rows = times.size(0), length = times.size(1),
                  hidden = gate_weight.size(0) / kGates;
    const int64_t num_types = intensity_weight.size(0);
    auto options = gate_weight.options();
    embedded = embedded.contiguous();
    RecurrenceTensors saved = start_recurrence(embedded, gate_weight, gate_bias);
    auto hidden_weight = gate_weight.slice(1, hidden, 2 * hidden).contiguous();
    auto log_likelihood = torch::zeros({rows}, options);
    auto log_likelihood_full = torch::zeros({rows}, options);
    auto hidden_last = torch::zeros({rows, hidden}, options);
    auto read_out_weight = intensity_weight.contiguous(),
         read_out_bias = intensity_bias.contiguous();
    auto last = last_events(mask);
    AT_DISPATCH_FLOATING_TYPES(options.dtype().toScalarType(), "nhp_forward", [&] {
      using T = scalar_t;
      run_recurrence<T>(hidden_weight, times, mask, saved);
      const Sizes<T> sizes{rows, length, hidden, num_types};
      const ReadOut<T> read_out{read_out_weight.data_ptr<T>(), read_out_bias.data_ptr<T>()};
      const T *time = times.data_ptr<T>(), *end = end_time.data_ptr<T>();
      const int64_t* type = types.data_ptr<int64_t>();
      const T* states = saved.states.data_ptr<T>();
      T *ll = log_likelihood.data_ptr<T>(), *full = log_likelihood_full.data_ptr<T>(),
        *h_last = hidden_last.data_ptr<T>();
      const int64_t state_width = kStateParts * hidden;
      at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t finish) {
        IntervalScratch<T> scratch(hidden, rule.points());
        std::vector<T> zero(state_width, T(0));
        for (int64_t n = begin; n < finish; ++n) {
          if (last[n] < 0) continue;
          const int64_t base = n * length;
          T sum = 0;
          for (int64_t i = 1; i <= last[n]; ++i) {
            const T gap = std::max(time[base + i] - time[base + i - 1], T(0));
            auto [log_intensity, integral] =
                interval_forward(states + (base + i - 1) * state_width, gap, type[base + i],
                                 read_out, sizes, rule, scratch);
            sum += log_intensity - integral;
          }
          ll[n] = sum;
          auto [first_log_intensity, first_integral] =
              interval_forward(zero.data(), time[base], type[base], read_out, sizes, rule, scratch);
          auto tail = interval_forward(states + (base + last[n]) * state_width,
                                       end[n] - time[base + last[n]], int64_t{-1}, read_out, sizes,
                                       rule, scratch);
          full[n] = sum + first_log_intensity - first_integral - tail.second;
          const T* state = states + (base + last[n]) * state_width;
          for (int64_t u = 0; u < hidden; ++u)
            h_last[n * hidden + u] = state[3 * hidden + u] * std::tanh(state[u]);
        }
      });
    });
    context->save_for_backward({embedded, gate_weight, intensity_weight, intensity_bias});
    context->saved_data["times"] = times;
    context->saved_data["types"] = types;
    context->saved_data["mask"] = mask;
    context->saved_data["end_time"] = end_time;
    context->saved_data["rule_name"] = rule_name;
    context->saved_data["rule_points"] = rule_points;
    context->saved_data["rule_resolution"] = rule_resolution;
    context->saved_data["hidden_in"] = saved.hidden_in;
    context->saved_data["activations"] = saved.activations;
    context->saved_data["states"] = saved.states;
    context->saved_data["consumed"] = false;
    context->mark_non_differentiable({hidden_last});
    return {log_likelihood, log_likelihood_full, hidden_last};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list grad_outputs) {
    auto inputs = context->get_saved_variables();
    auto embedded = inputs[0], gate_weight = inputs[1], intensity_weight = inputs[2],
         intensity_bias = inputs[3];
    auto& data = context->saved_data;
    auto times = data["times"].toTensor(), types = data["types"].toTensor(),
         mask = data["mask"].toTensor(), end_time = data["end_time"].toTensor();
    // The pass below overwrites the saved activations with gradients, so it can run only once.
    EVERGREEN_ASSERT(!data["consumed"].toBool(),
                     "nhp: backward through the same forward pass twice (retain_graph) is not "
                     "supported");
    data["consumed"] = true;
    RecurrenceTensors saved{data["hidden_in"].toTensor(), data["activations"].toTensor(),
                            data["states"].toTensor()};
    const auto rule =
        IntegralRule::make(data["rule_name"].toStringRef(), data["rule_points"].toInt(),
                           data["rule_resolution"].toDouble());
    const int64_t rows = times.size(0), length = times.size(1),
                  hidden = gate_weight.size(0) / kGates;
    const int64_t num_types = intensity_weight.size(0), width = kGates * hidden;
    auto options = gate_weight.options();
    auto upstream = [&](size_t index) {
      return grad_outputs[index].defined() ? grad_outputs[index].contiguous()
                                           : torch::zeros({rows}, options);
    };
    auto grad_ll = upstream(0), grad_full = upstream(1);
    auto grad_read_weight = torch::zeros({rows, num_types, hidden}, options);
    auto grad_read_bias = torch::zeros({rows, num_types}, options);
    auto hidden_weight = gate_weight.slice(1, hidden, 2 * hidden).contiguous();
    auto read_out_weight = intensity_weight.contiguous(),
         read_out_bias = intensity_bias.contiguous();
    auto last = last_events(mask);
    AT_DISPATCH_FLOATING_TYPES(options.dtype().toScalarType(), "nhp_backward", [&] {
      using T = scalar_t;
      const Sizes<T> sizes{rows, length, hidden, num_types};
      const ReadOut<T> read_out{read_out_weight.data_ptr<T>(), read_out_bias.data_ptr<T>()};
      const T *time = times.data_ptr<T>(), *end = end_time.data_ptr<T>(),
              *valid = mask.data_ptr<T>(), *g_ll = grad_ll.data_ptr<T>(),
              *g_full = grad_full.data_ptr<T>();
      const int64_t* type = types.data_ptr<int64_t>();
      const T* states = saved.states.data_ptr<T>();
      const int64_t state_width = kStateParts * hidden;
      at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t finish) {
        IntervalScratch<T> scratch(hidden, rule.points());
        std::vector<T> zero(state_width, T(0)), ignored(state_width);
        std::vector<T> grad_states(length * state_width);
        for (int64_t n = begin; n < finish; ++n) {
          if (last[n] < 0) continue;
          const int64_t base = n * length;
          T* weight_grad = grad_read_weight.data_ptr<T>() + n * num_types * hidden;
          T* bias_grad = grad_read_bias.data_ptr<T>() + n * num_types;
          std::fill(grad_states.begin(), grad_states.end(), T(0));
          // Every term of the EasyTPP likelihood is also a term of the full one.
          const T scale = g_ll[n] + g_full[n];
          for (int64_t i = 1; i <= last[n]; ++i) {
            const T gap = std::max(time[base + i] - time[base + i - 1], T(0));
            interval_backward(states + (base + i - 1) * state_width, gap, type[base + i], scale,
                              scale, read_out, sizes, rule,
                              grad_states.data() + (i - 1) * state_width, weight_grad, bias_grad,
                              scratch);
          }
          interval_backward(zero.data(), time[base], type[base], g_full[n], g_full[n], read_out,
                            sizes, rule, ignored.data(), weight_grad, bias_grad, scratch);
          interval_backward(states + (base + last[n]) * state_width, end[n] - time[base + last[n]],
                            int64_t{-1}, T(0), g_full[n], read_out, sizes, rule,
                            grad_states.data() + last[n] * state_width, weight_grad, bias_grad,
                            scratch);
          recurrence_backward_row<T>(n, saved, hidden_weight.data_ptr<T>(), time, valid, length,
                                     hidden, grad_states.data());
        }
      });
    });
    auto flat_grad = saved.activations.view({rows * length, width});
    auto grad_embedded = flat_grad.mm(gate_weight.slice(1, 0, hidden)).view({rows, length, hidden});
    auto grad_gate_weight =
        torch::cat({flat_grad.t().mm(embedded.view({rows * length, hidden})),
                    flat_grad.t().mm(saved.hidden_in.view({rows * length, hidden}))},
                   1);
    return {grad_embedded,         grad_gate_weight, flat_grad.sum(0), grad_read_weight.sum(0),
            grad_read_bias.sum(0), torch::Tensor(),  torch::Tensor(),  torch::Tensor(),
            torch::Tensor(),       torch::Tensor(),  torch::Tensor(),  torch::Tensor()};
  }
};

}  // namespace

ContinuousTimeLstmLikelihood continuous_time_lstm_likelihood(
    const ContinuousTimeLstmWeights& weights, const EventBatchView& events,
    const IntegralRule& rule) {
  auto options = weights.gate_weight.options();
  Prepared p = prepare(events, options, weights.intensity_weight.size(0));
  auto outputs = LikelihoodFunction::apply(
      weights.embedded.to(options), weights.gate_weight, weights.gate_bias,
      weights.intensity_weight, weights.intensity_bias, p.times, p.types, p.mask, p.end_time,
      rule.name(), rule.points(), rule.resolution());
  return {outputs[0], outputs[1], outputs[2]};
}

NeuralHawkesStates continuous_time_lstm_states(const ContinuousTimeLstmWeights& weights,
                                               const EventBatchView& events) {
  torch::NoGradGuard no_grad;
  auto options = weights.gate_weight.options();
  Prepared p = prepare(events, options, weights.intensity_weight.size(0));
  const int64_t hidden = weights.gate_weight.size(0) / kGates;
  RecurrenceTensors saved =
      start_recurrence(weights.embedded.to(options), weights.gate_weight, weights.gate_bias);
  auto hidden_weight = weights.gate_weight.slice(1, hidden, 2 * hidden).contiguous();
  AT_DISPATCH_FLOATING_TYPES(options.dtype().toScalarType(), "nhp_states", [&] {
    run_recurrence<scalar_t>(hidden_weight, p.times, p.mask, saved);
  });
  auto part = [&](int64_t index) {
    return saved.states.slice(2, index * hidden, (index + 1) * hidden).contiguous();
  };
  return {part(0), part(1), part(2), part(3)};
}

}  // namespace evergreen
