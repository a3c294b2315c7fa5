// Next-event prediction for temporal point processes by Ogata-style thinning, model-agnostic: the
// sampler only sees a function from time offsets to intensities.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>

#include "evergreen/core/batch.h"
#include "evergreen/models/model.h"
#include "evergreen/models/tpp/intensity_function.h"

namespace evergreen {

/// Intensities lambda_k at time offsets after each history's last event: offsets [N, G] (float64,
/// >= 0) -> [N, G, K]. The offsets are relative, s = t - t_last; a model that works in absolute
/// time must add each history's t_last itself. (Handing offsets to code that expects absolute
/// times is the bug in EasyTPP's thinning that we do not copy.)
using OffsetIntensityFunction = std::function<torch::Tensor(const torch::Tensor& offsets)>;

struct ThinningOptions {
  /// Proposals per chain and prediction, EasyTPP's 500 exponential draws. A chain that has
  /// neither accepted nor left the look-ahead window after this many is censored (see below).
  TORCH_ARG(int64_t, draws) = 500;
  /// Independent thinning chains per history; each gives one sample of the next event time.
  TORCH_ARG(int64_t, samples) = 100;
  /// The bound is safety_factor x the largest total intensity seen on the grid (EasyTPP: 5).
  TORCH_ARG(double, safety_factor) = 5.0;
  /// Window [0, look_ahead] of offsets on which the bound is computed and samples are drawn.
  TORCH_ARG(double, look_ahead) = 10.0;
  /// Evenly spaced grid points (ends included) on the window for the bound.
  TORCH_ARG(int64_t, grid_points) = 50;
  /// "mean" of the samples (minimises the expected squared error, so it suits RMSE) or "median"
  /// (minimises the absolute error; the lower median when `samples` is even).
  TORCH_ARG(std::string, estimate) = "mean";
  /// Proposals per chain evaluated per round. Rounds stop as soon as every chain has finished, so
  /// a chain rarely needs the whole `draws`; a smaller chunk wastes fewer evaluations on finished
  /// chains, a larger one makes fewer, bigger calls to the intensity function.
  TORCH_ARG(int64_t, chunk) = 16;
};

/// What the sampler returns for N histories; every time is an offset from the history's last
/// event: absolute time = t_last + offset.
struct NextEventPrediction {
  torch::Tensor offset;      ///< [N] float64: the predicted time to the next event
  torch::Tensor type;        ///< [N] int64: argmax_k lambda_k(offset)
  torch::Tensor samples;     ///< [N, S] float64: the sampled offsets (censored ones included)
  torch::Tensor censored;    ///< [N, S] bool: the chain gave no accepted proposal in the window
  torch::Tensor bound;       ///< [N] float64: the dominating rate the proposals used
  torch::Tensor violations;  ///< [N] int64: proposals at which the total intensity beat the bound
};

/// Samples the next event of N histories by thinning and predicts its time and type.
///
/// Each chain proposes a homogeneous Poisson process of rate B (the bound) after the last event
/// and accepts a proposal s with probability lambda(s) / B, where lambda is the total intensity;
/// the first accepted proposal is a sample of the next event time provided lambda <= B on the
/// window. B = safety_factor x max lambda over `grid_points` points of [0, look_ahead]. That is
/// exact for intensities that are monotone on the window (the maximum is at an end, which the
/// grid includes) and only a heuristic otherwise: a peak between two grid points can exceed the
/// grid maximum, and the safety factor merely makes it unlikely to exceed B. Where it does, the
/// sampler under-samples that peak; it counts such proposals in `violations` so callers can see.
///
/// The bound is only known on the window, so a chain whose next proposal falls past look_ahead
/// stops and records look_ahead as its sample, marked censored; a chain that uses all `draws`
/// without accepting records its last proposal (a lower bound of its next event), also censored.
/// Both bias the mean down: choose look_ahead so that the chance of no event in the window is
/// negligible, and watch `censored`.
///
/// Every random draw comes from `generator`, in a fixed order, so a seed fixes the prediction.
///
/// Example:
///   auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
///   auto intensity_at = [](const torch::Tensor& offsets) {  // constant rates 1 and 2
///     return torch::tensor({1.0, 2.0}, torch::kDouble).expand({offsets.size(0),
///                                                               offsets.size(1), 2});
///   };
///   auto next = thinning_predict(intensity_at, /*histories=*/4, generator, ThinningOptions());
///   // next.offset ~ 1/3 and next.type == 1 for each of the 4 histories;
///   // absolute time of history n: last_times[n] + next.offset[n]
NextEventPrediction thinning_predict(const OffsetIntensityFunction& intensity_at, int64_t histories,
                                     torch::Generator& generator, const ThinningOptions& options);

struct NextEventOptions {
  TORCH_ARG(ThinningOptions, thinning) = ThinningOptions();
  /// When > 0, the look-ahead window is this many mean inter-event gaps of the batch, replacing
  /// thinning.look_ahead, so one setting fits data of any time scale. The mean gap is one number
  /// for the whole batch, a scale rather than any event's answer. 0 keeps thinning.look_ahead.
  TORCH_ARG(double, look_ahead_gaps) = 10.0;
  /// Histories sampled per call, to bound memory (about block x samples x chunk x hidden values).
  TORCH_ARG(int64_t, block_size) = 64;
};

/// The HistoryIntensityFunction of `model` on `batch` ("times", "types", "mask" as the model
/// reads them), after one pass over the batch's events: the model's IntensityFunction
/// (Model::intensity_function(); for an NHP the state after every event, for an AttNHP every
/// layer's keys and values, the prompt provider running first, so the prediction sees the
/// prompts forward() would). Every call checks that the model returned [M, G, K] intensities.
/// The function refers to `model` and keeps the pass's tensors. Throws InputError for a model
/// without an intensity function.
HistoryIntensityFunction history_intensities(Model& model, const Batch& batch);

/// Next-event prediction metrics of a model with an intensity function (NHP, AttNHP) on a batch
/// ("times", "types", "mask" as the model reads them): for every event i >= 1 of every sequence,
/// the history is the events before i and the prediction is made after event i - 1 (from one pass
/// over the batch, see history_intensities). Returns "rmse" (of the predicted against the true
/// inter-event time t_i - t_{i-1}), "type_accuracy", "events" (predictions made),
/// "censored_fraction" (of all chains) and "look_ahead" (the window used).
///
/// Example:
///   auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
///   auto metrics = next_event_metrics(*model, test_batch, generator, NextEventOptions());
///   // metrics.at("rmse"), metrics.at("type_accuracy")
std::map<std::string, double> next_event_metrics(Model& model, const Batch& batch,
                                                 torch::Generator& generator,
                                                 const NextEventOptions& options);

}  // namespace evergreen
