#include "evergreen/models/model_registry.h"

#include "evergreen/models/forecast/lstm_forecaster.h"
#include "evergreen/models/forecast/mlp_forecaster.h"
#include "evergreen/models/lm/causal_language_model.h"
#include "evergreen/models/tpp/attentive_neural_hawkes.h"
#include "evergreen/models/tpp/neural_hawkes.h"
#include "evergreen/models/tpp/transformer_hawkes.h"
#include "evergreen/models/vision/mlp_classifier.h"

namespace evergreen {

const ModelRegistry& model_registry() {
  using Kind = StreamKind;
  static const ModelRegistry registry(
      "model", {
                   {"mlp",
                    "MLP forecaster (window -> horizon)",
                    make_mlp,
                    {Kind::kForecasting, Forecaster::kCapabilities}},
                   {"lstm",
                    "LSTM forecaster (one value per step)",
                    make_lstm,
                    {Kind::kForecasting, Forecaster::kCapabilities}},
                   {"nhp",
                    "neural Hawkes process (continuous-time LSTM; Mei & Eisner 2017)",
                    make_neural_hawkes,
                    {Kind::kEventSequences, NeuralHawkesImpl::kCapabilities}},
                   {"attnhp",
                    "attentive neural Hawkes process (Yang, Mei & Eisner 2022)",
                    make_attentive_neural_hawkes,
                    {Kind::kEventSequences, AttentiveNeuralHawkesImpl::kCapabilities}},
                   {"thp",
                    "Transformer Hawkes process (after Zuo et al. 2020)",
                    make_transformer_hawkes,
                    {Kind::kEventSequences, TransformerHawkesImpl::kCapabilities}},
                   {"mlp_classifier",
                    "MLP image classifier (Mammoth's 784-100-100-10 backbone)",
                    make_mlp_classifier,
                    {Kind::kClassification, MlpClassifierImpl::kCapabilities}},
                   {"causal_lm",
                    "transformer language model (Llama or GPT-2; next-token loss)",
                    lm::make_causal_language_model,
                    {Kind::kTokenSequences, lm::CausalLanguageModelImpl::kCapabilities}},
               });
  return registry;
}

}  // namespace evergreen
