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
    case StreamKind::kTokenSequences:
      return "token sequences";
  }
  return "unknown";
}

}  // namespace evergreen
