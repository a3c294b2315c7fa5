#include "evergreen/strategies/gradient_episodic_memory.h"

#include <algorithm>
#include <cmath>

#include "evergreen/core/error.h"
#include "evergreen/strategies/batch_archive.h"
#include "evergreen/strategies/memory_options.h"

namespace evergreen {
namespace {

/// Solves gram[S, S] z = rhs for the coordinates in `set` by Cholesky, in place of `rhs`. A
/// passive set of Lawson & Hanson's method has linearly independent rows in exact arithmetic;
/// nearly parallel task gradients can still make the block numerically singular, and then a
/// ridge of 1e-12 of the largest diagonal entry is added and the factorisation retried.
std::vector<double> solve_on_set(const std::vector<double>& gram, int64_t n,
                                 const std::vector<int64_t>& set, const std::vector<double>& rhs) {
  const auto m = static_cast<int64_t>(set.size());
  double largest = 0;
  for (int64_t i : set) largest = std::max(largest, gram[i * n + i]);
  for (double ridge : {0.0, 1e-12 * largest, 1e-8 * largest}) {
    std::vector<double> factor(m * m, 0.0);
    bool positive = true;
    for (int64_t i = 0; i < m && positive; ++i) {
      for (int64_t j = 0; j <= i; ++j) {
        double sum = gram[set[i] * n + set[j]] + (i == j ? ridge : 0.0);
        for (int64_t k = 0; k < j; ++k) sum -= factor[i * m + k] * factor[j * m + k];
        if (i == j) {
          if (!(sum > 1e-14 * largest)) {
            positive = false;
            break;
          }
          factor[i * m + i] = std::sqrt(sum);
        } else {
          factor[i * m + j] = sum / factor[j * m + j];
        }
      }
    }
    if (!positive) continue;
    std::vector<double> z(m);
    for (int64_t i = 0; i < m; ++i) {  // L y = rhs
      double sum = rhs[i];
      for (int64_t k = 0; k < i; ++k) sum -= factor[i * m + k] * z[k];
      z[i] = sum / factor[i * m + i];
    }
    for (int64_t i = m - 1; i >= 0; --i) {  // L' z = y
      double sum = z[i];
      for (int64_t k = i + 1; k < m; ++k) sum -= factor[k * m + i] * z[k];
      z[i] = sum / factor[i * m + i];
    }
    return z;
  }
  EVERGREEN_ASSERT(false, "GEM dual: the Gram matrix block is not positive semi-definite");
  return {};
}

}  // namespace

torch::Tensor gem_dual_solve(const torch::Tensor& gram_tensor, const torch::Tensor& linear_tensor,
                             double lower_bound) {
  const int64_t n = linear_tensor.numel();
  EVERGREEN_ASSERT(gram_tensor.dim() == 2 && gram_tensor.size(0) == n && gram_tensor.size(1) == n,
                   "GEM dual: gram [{0}, {0}] expected", n);
  auto gram_contiguous = gram_tensor.to(torch::kDouble).contiguous();
  auto linear_contiguous = linear_tensor.to(torch::kDouble).contiguous();
  std::vector<double> gram(gram_contiguous.data_ptr<double>(),
                           gram_contiguous.data_ptr<double>() + n * n);
  // With u = v - lower_bound the problem becomes min 0.5 u' P u + c' u over u >= 0, c = q + P b.
  std::vector<double> linear(n);
  double scale = 0;
  for (int64_t i = 0; i < n; ++i) {
    double sum = linear_contiguous.data_ptr<double>()[i];
    for (int64_t j = 0; j < n; ++j) sum += gram[i * n + j] * lower_bound;
    linear[i] = sum;
    scale = std::max({scale, std::abs(sum), gram[i * n + i]});
  }
  const double tolerance = 1e-10 * scale;
  std::vector<double> u(n, 0.0);
  std::vector<bool> passive(n, false), blocked(n, false);
  auto descent = [&](int64_t i) {  // -(P u + c)_i, the negative gradient
    double sum = linear[i];
    for (int64_t j = 0; j < n; ++j) sum += gram[i * n + j] * u[j];
    return -sum;
  };
  // Lawson & Hanson terminate in finitely many steps; the cap only guards against rounding loops.
  for (int64_t iteration = 0; iteration < 10 * n + 100; ++iteration) {
    int64_t entering = -1;
    double steepest = tolerance;
    for (int64_t i = 0; i < n; ++i) {
      if (passive[i] || blocked[i]) continue;
      double w = descent(i);
      if (w > steepest) {
        steepest = w;
        entering = i;
      }
    }
    if (entering < 0) break;
    passive[entering] = true;
    bool first = true;
    while (true) {
      std::vector<int64_t> set;
      for (int64_t i = 0; i < n; ++i)
        if (passive[i]) set.push_back(i);
      std::vector<double> rhs;
      for (int64_t i : set) rhs.push_back(-linear[i]);
      std::vector<double> z = solve_on_set(gram, n, set, rhs);
      bool feasible = true;
      for (size_t k = 0; k < set.size(); ++k) feasible = feasible && z[k] > 0;
      if (feasible) {
        std::fill(u.begin(), u.end(), 0.0);
        for (size_t k = 0; k < set.size(); ++k) u[set[k]] = z[k];
        std::fill(blocked.begin(), blocked.end(), false);
        break;
      }
      auto position = std::find(set.begin(), set.end(), entering) - set.begin();
      if (first && z[position] <= 0) {
        // Rounding made the entering coordinate useless: set it aside until u moves.
        passive[entering] = false;
        blocked[entering] = true;
        break;
      }
      first = false;
      // Step from u towards z as far as feasibility allows, then free the coordinates that hit 0.
      double alpha = 2.0;  // above any step, so the first coordinate with z <= 0 sets it
      size_t limiting = set.size();
      for (size_t k = 0; k < set.size(); ++k) {
        if (z[k] > 0) continue;
        double gap = u[set[k]] - z[k];
        double step = gap > 0 ? u[set[k]] / gap : 0.0;
        if (step < alpha) {
          alpha = step;
          limiting = k;
        }
      }
      for (size_t k = 0; k < set.size(); ++k) {
        u[set[k]] += alpha * (z[k] - u[set[k]]);
        if (k == limiting || u[set[k]] <= 0) {  // the limiting one is 0 up to rounding
          u[set[k]] = 0;
          passive[set[k]] = false;
        }
      }
    }
  }
  auto result = torch::empty({n}, torch::kDouble);
  for (int64_t i = 0; i < n; ++i) result[i] = u[i] + lower_bound;
  return result;
}

torch::Tensor gem_project(const torch::Tensor& gradient, const torch::Tensor& task_gradients,
                          double margin) {
  auto g = gradient.to(torch::kDouble);
  auto tasks = task_gradients.to(torch::kDouble);
  auto dots = tasks.matmul(g);
  if (dots.min().item<double>() >= 0) return gradient.clone();
  auto v = gem_dual_solve(tasks.matmul(tasks.t()), dots, margin);
  return (tasks.t().matmul(v) + g).to(gradient.scalar_type());
}

GradientEpisodicMemoryStrategy::GradientEpisodicMemoryStrategy(
    const GradientEpisodicMemoryOptions& options)
    : options_(options) {
  // make_gradient_episodic_memory checks the options read from a config.
  EVERGREEN_ASSERT(options.memory_size() >= 1 && options.margin() >= 0,
                   "gem: memory_size {}, margin {}", options.memory_size(), options.margin());
}

void GradientEpisodicMemoryStrategy::after_backward(TrainingContext& context) {
  if (task_memories_.empty()) return;
  torch::Tensor& gradients = context.parameters.gradients();
  auto step_gradient = gradients.clone();
  std::vector<torch::Tensor> task_gradients;
  for (const Batch& rows : task_memories_) {
    if (rows.size() == 0) continue;
    context.parameters.zero_gradients();
    context.model.loss(rows, context.model.forward(rows)).backward();
    context.extra_training_rows += rows.size();
    task_gradients.push_back(gradients.clone());
  }
  torch::NoGradGuard no_grad;
  if (task_gradients.empty()) {
    gradients.copy_(step_gradient);
    return;
  }
  gradients.copy_(gem_project(step_gradient, torch::stack(task_gradients), options_.margin()));
}

void GradientEpisodicMemoryStrategy::after_experience(TrainingContext& context,
                                                      const Experience& experience) {
  const auto seen = static_cast<int64_t>(task_memories_.size()) + 1;
  // A share of the whole stream's tasks when the stream says how many (the paper's fixed per-task
  // memory), otherwise a share of the tasks seen so far.
  const int64_t tasks = std::max(seen, context.spec ? context.spec->num_tasks : 0);
  const int64_t memory_size = options_.memory_size();
  auto quota = [&](int64_t task) {
    return memory_size / tasks + (task < memory_size % tasks ? 1 : 0);
  };
  // Quotas only shrink as tasks arrive, so an older task keeps the first rows it holds; copies,
  // not views, so that the dropped rows are freed.
  for (int64_t task = 0; task + 1 < seen; ++task) {
    Batch& rows = task_memories_[task];
    int64_t keep = std::min(rows.size(), quota(task));
    if (keep < rows.size()) rows = rows.rows(torch::arange(keep, torch::kLong));
  }
  const Batch& train = experience.train;
  int64_t keep = std::min(train.size(), quota(seen - 1));
  auto index = torch::randperm(train.size(), context.generator, torch::kLong).slice(0, 0, keep);
  task_memories_.push_back(train.rows(index));
}

MemoryUsage GradientEpisodicMemoryStrategy::memory() const {
  MemoryUsage usage;
  for (const Batch& rows : task_memories_) {
    usage.samples += rows.size();
    usage.bytes += rows.bytes();
  }
  return usage;
}

void GradientEpisodicMemoryStrategy::save(torch::serialize::OutputArchive& archive) const {
  archive.write("gem_tasks", torch::tensor(static_cast<int64_t>(task_memories_.size())));
  for (size_t task = 0; task < task_memories_.size(); ++task)
    save_batch(archive, "gem_task_" + std::to_string(task), task_memories_[task]);
}

void GradientEpisodicMemoryStrategy::load(torch::serialize::InputArchive& archive) {
  torch::Tensor tasks;
  archive.read("gem_tasks", tasks);
  task_memories_.clear();
  for (int64_t task = 0; task < tasks.item<int64_t>(); ++task)
    task_memories_.push_back(load_batch(archive, "gem_task_" + std::to_string(task)));
}

std::unique_ptr<Strategy> make_gradient_episodic_memory(Options& options) {
  auto memory_size =
      read_memory_size(options, 1, "rows kept in memory, shared equally by the tasks");
  auto margin = options.get<double>(
      "margin", 0.5, "lower bound of the dual variables (the paper's gamma; 0: exact projection)");
  EVERGREEN_CHECK_INPUT(margin >= 0 && std::isfinite(margin), "{}: must be >= 0, got {}",
                        options.where("margin"), margin);
  return std::make_unique<GradientEpisodicMemoryStrategy>(
      GradientEpisodicMemoryOptions().memory_size(memory_size).margin(margin));
}

}  // namespace evergreen
