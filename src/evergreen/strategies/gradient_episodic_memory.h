// GEM (Lopez-Paz & Ranzato, NeurIPS 2017): an episodic memory per past task; every step the
// gradient g of the step's loss is compared with the gradient g_k of each past task's memory loss,
// and when one of them conflicts (<g, g_k> < 0) g is replaced by the closest vector g~ that
// conflicts with none:
//   minimise 0.5 ||g~ - g||^2  subject to  G g~ >= 0,   G = [g_1; ...; g_t].
// As in the paper it is solved through its dual over t variables,
//   minimise 0.5 v' G G' v + g' G' v  subject to  v >= margin,   then g~ = G' v + g.
// With margin 0 this is the exact projection. The paper reports that biasing v upwards by a small
// gamma favours backward transfer; we keep the bias as a lower bound on v (the form behind the
// published gamma values, e.g. 0.5 on Permuted MNIST), which keeps G g~ >= 0 exact: G g~ is the
// gradient of the dual, and at its optimum that is zero where v is above the bound and
// non-negative where v sits on it.
//
// Memory: every experience is a task. At the end of an experience a random subset of its training
// rows is stored (random rather than the paper's "last m rows", so that an ordered stream does not
// bias it). When the stream's spec gives its number of tasks T, each task keeps memory_size / T
// rows, as in the paper (the first memory_size % T tasks one row more). Otherwise the rows are
// shared equally by the tasks seen so far, and when a task arrives the older tasks shrink by
// dropping their newest surplus rows, which, the rows being in random order, is a random subset.
#pragma once

#include <vector>

#include "evergreen/core/options.h"
#include "evergreen/strategies/strategy.h"

namespace evergreen {

struct GradientEpisodicMemoryOptions {
  TORCH_ARG(int64_t, memory_size) = 200;
  /// Lower bound of the dual variables (the paper's gamma; 0 gives the exact projection).
  TORCH_ARG(double, margin) = 0.5;
};

/// The dual of GEM's projection: minimise 0.5 v' gram v + linear' v subject to v >= lower_bound,
/// for a symmetric positive semi-definite `gram` [t, t] and `linear` [t] (double). An exact
/// active-set method (Lawson & Hanson's NNLS on the Gram form, after substituting
/// u = v - lower_bound): finite, and at the answer every free coordinate has a zero gradient and
/// every bound one a non-negative gradient, to 1e-10 relative.
///
/// Example:
///   auto v = gem_dual_solve(G.matmul(G.t()), G.matmul(g), 0.0);   // then g~ = G' v + g
torch::Tensor gem_dual_solve(const torch::Tensor& gram, const torch::Tensor& linear,
                             double lower_bound);

/// g~ for the step gradient `gradient` [D] and the past tasks' gradients `task_gradients` [t, D]:
/// a clone of `gradient` when it conflicts with none, else G' v + g with v from gem_dual_solve.
/// Computed in double precision, returned in the dtype of `gradient`.
torch::Tensor gem_project(const torch::Tensor& gradient, const torch::Tensor& task_gradients,
                          double margin);

/// Example (YAML): strategies: [{name: gem, memory_size: 200, margin: 0.5}]
class GradientEpisodicMemoryStrategy : public Strategy {
 public:
  explicit GradientEpisodicMemoryStrategy(const GradientEpisodicMemoryOptions& options);
  void after_backward(TrainingContext& context) override;
  void after_experience(TrainingContext& context, const Experience& experience) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
  MemoryUsage memory() const override;
  /// The rows kept of each task seen, in task order.
  const std::vector<Batch>& task_memories() const { return task_memories_; }

 private:
  GradientEpisodicMemoryOptions options_;
  std::vector<Batch> task_memories_;
};

/// Reads memory_size and margin.
std::unique_ptr<Strategy> make_gradient_episodic_memory(Options& options);

}  // namespace evergreen
