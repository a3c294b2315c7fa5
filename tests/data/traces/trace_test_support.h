// Shared by the trace reader tests in this folder: the TraceReaders fixture (one test suite
// across the files, so it is defined once) and Azure Functions day files.
#pragma once

#include <map>
#include <string>

#include "test_support.h"

namespace evergreen::testing {

class TraceReaders : public FileTest {};

/// The header of an Azure Functions invocation file.
inline std::string azure_header() {
  std::string header = "HashOwner,HashApp,HashFunction,Trigger";
  for (int minute = 1; minute <= 1440; ++minute) header += "," + std::to_string(minute);
  return header + "\n";
}

/// One row with the given counts at 1-based minutes, zero elsewhere.
inline std::string azure_row(const std::string& names, std::map<int, int> counts) {
  std::string row = names;
  for (int minute = 1; minute <= 1440; ++minute)
    row += "," + std::to_string(counts.count(minute) ? counts[minute] : 0);
  return row + "\n";
}

}  // namespace evergreen::testing
