// Accuracy of class scores, class-incremental and task-incremental (Mammoth's protocol).
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

namespace evergreen {

/// "accuracy": fraction of rows whose highest score is their label (class-IL, and domain-IL
/// where every task shares the classes). With `classes_per_task` k > 0 also
/// "task_il_accuracy": the same after masking the scores of every class outside the row's task
/// (task t owns classes [t*k, (t+1)*k)), as Mammoth's Task-IL evaluation does.
///
/// Example:
///   auto metrics = classification_metrics(logits, batch.at("y"), batch.at("task"), 2);
///   double class_il = metrics.at("accuracy"), task_il = metrics.at("task_il_accuracy");
std::map<std::string, double> classification_metrics(const torch::Tensor& scores,
                                                     const torch::Tensor& labels,
                                                     const torch::Tensor& tasks,
                                                     int64_t classes_per_task);

/// `scores` [N, C] with every class outside each row's task set to -infinity.
torch::Tensor mask_to_task_classes(const torch::Tensor& scores, const torch::Tensor& tasks,
                                   int64_t classes_per_task);

}  // namespace evergreen
