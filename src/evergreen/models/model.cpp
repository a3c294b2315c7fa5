#include "evergreen/models/model.h"

#include "evergreen/core/error.h"

namespace evergreen {

const char* output_kind_name(OutputKind kind) {
  switch (kind) {
    case OutputKind::kRegression:
      return "regression";
    case OutputKind::kLogits:
      return "logits";
    case OutputKind::kSequenceLikelihood:
      return "sequence likelihood";
  }
  return "unknown";
}

std::map<std::string, double> Model::evaluate_outputs(const Batch& batch, const Batch& outputs) {
  throw InputError(fmt::format("this model ({} outputs) cannot score outputs a strategy changed",
                               output_kind_name(capabilities().output)));
}

torch::Tensor Model::distillation_loss(const Batch& outputs,
                                       const torch::Tensor& teacher_prediction,
                                       double temperature) {
  const torch::Tensor& prediction = outputs.at("prediction");
  if (capabilities().output != OutputKind::kLogits || temperature <= 0)
    return torch::mse_loss(prediction, teacher_prediction);
  namespace F = torch::nn::functional;
  auto student = F::log_softmax(prediction / temperature, F::LogSoftmaxFuncOptions(1));
  auto teacher = F::softmax(teacher_prediction / temperature, F::SoftmaxFuncOptions(1));
  return F::kl_div(student, teacher, F::KLDivFuncOptions().reduction(torch::kBatchMean)) *
         (temperature * temperature);
}

}  // namespace evergreen
