#include "evergreen/eval/classification_metrics.h"

#include <limits>

#include "evergreen/core/error.h"

namespace evergreen {

torch::Tensor mask_to_task_classes(const torch::Tensor& scores, const torch::Tensor& tasks,
                                   int64_t classes_per_task) {
  EVERGREEN_ASSERT(classes_per_task > 0, "task masks need classes_per_task > 0");
  auto classes = torch::arange(scores.size(1), tasks.options()).unsqueeze(0);
  auto first = (tasks * classes_per_task).unsqueeze(1);
  auto inside = (classes >= first).logical_and(classes < first + classes_per_task);
  return scores.masked_fill(inside.logical_not(), -std::numeric_limits<float>::infinity());
}

std::map<std::string, double> classification_metrics(const torch::Tensor& scores,
                                                     const torch::Tensor& labels,
                                                     const torch::Tensor& tasks,
                                                     int64_t classes_per_task) {
  EVERGREEN_ASSERT(scores.dim() == 2 && labels.dim() == 1 && scores.size(0) == labels.size(0),
                   "scores [N, C] and labels [N] expected");
  const double rows = static_cast<double>(std::max<int64_t>(labels.size(0), 1));
  auto correct = [&](const torch::Tensor& s) {
    return s.argmax(1).eq(labels).sum().item<double>() / rows;
  };
  std::map<std::string, double> metrics{{"accuracy", correct(scores)}};
  if (classes_per_task > 0)
    metrics["task_il_accuracy"] = correct(mask_to_task_classes(scores, tasks, classes_per_task));
  return metrics;
}

}  // namespace evergreen
