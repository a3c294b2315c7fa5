#include "evergreen/data/experience.h"

namespace evergreen {

const char* stream_kind_name(StreamKind kind) {
  switch (kind) {
    case StreamKind::kForecasting:
      return "forecasting windows";
    case StreamKind::kEventSequences:
      return "event sequences";
    case StreamKind::kClassification:
      return "labelled images";
  }
  return "unknown";
}

}  // namespace evergreen
