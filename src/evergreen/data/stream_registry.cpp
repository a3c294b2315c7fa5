#include "evergreen/data/stream_registry.h"

#include "evergreen/data/text/text_stream.h"
#include "evergreen/data/tpp/event_streams.h"
#include "evergreen/data/vision/classic_streams.h"
#include "evergreen/data/workload_streams.h"

namespace evergreen {

const Registry<StreamFactory>& stream_registry() {
  static const Registry<StreamFactory> registry(
      "stream",
      {
          {"synthetic_workload", "generated workload with seasonality and abnormal events",
           make_synthetic_workload_stream},
          {"csv_workload", "a workload series read from a CSV file", make_csv_workload_stream},
          {"alibaba_trace", "Alibaba 2018 machine/container usage", make_alibaba_trace_stream},
          {"nasa_requests", "NASA HTTP requests per second, resampled", make_nasa_stream},
          {"azure_functions", "Azure Functions 2019 invocations", make_azure_functions_stream},
          {"regime_shifting_hawkes", "Hawkes event sequences whose parameters change per window",
           make_hawkes_regime_stream},
          {"event_sequences", "an event data set (npz, rmtpp, easytpp) split into train and test",
           make_event_sequence_stream},
          {"event_windows", "a long real event stream cut into consecutive time windows",
           make_event_window_stream},
          {"split_images",
           "Split Fashion-MNIST (or any MNIST-layout set): classes in pairs, "
           "class-incremental",
           make_split_image_stream},
          {"permuted_images", "Permuted Fashion-MNIST: one pixel permutation per task",
           make_permuted_image_stream},
          {"rotated_images", "Rotated Fashion-MNIST: one angle in [0, 180) per task",
           make_rotated_image_stream},
          {"text", "text files, one experience each, as token rows for language models",
           make_text_stream},
      });
  return registry;
}

}  // namespace evergreen
