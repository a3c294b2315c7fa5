// A trained point-process model's negative log-likelihood per event, in the two conventions the
// ground truth (data/tpp/ground_truth.h) is computed in, so the two subtract.
#pragma once

#include <functional>
#include <memory>

#include "evergreen/core/batch.h"
#include "evergreen/data/tpp/ground_truth.h"

namespace evergreen {

class Model;

/// NLL per event of `model` on the padded sequences `batch`, pooled over sequences (total NLL
/// over total scored events), evaluated `block` sequences at a time to bound memory. The model
/// writes "log_likelihood" and "events" (EasyTPP's convention) and, when it can, their "_full"
/// counterparts over [0, t_N]; without those, `full` is NaN.
///
/// Example:
///   NllPerEvent nll = model_nll_per_event(*model, pad_to_longest(test));
///   double gap = nll.easytpp - synthetic_tpp_true_nll_per_event("hawkes1", test).easytpp;
NllPerEvent model_nll_per_event(Model& model, const Batch& batch, int64_t block = 8);

/// The same with the intensity integral converged: `trained`'s parameters copied into the model
/// `make(points)` builds with `points` integral points per interval (a training grid is coarse
/// for speed, and its quadrature error would count against the model).
///
/// Example:
///   auto make = [&](int64_t points) { return NeuralHawkes(options.integral_points(points)).ptr();
///   }; NllPerEvent nll = model_nll_per_event_with_points(*trained, make, 200, test);
NllPerEvent model_nll_per_event_with_points(
    Model& trained, const std::function<std::shared_ptr<Model>(int64_t points)>& make,
    int64_t points, const Batch& batch, int64_t block = 8);

}  // namespace evergreen
