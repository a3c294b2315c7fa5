#include "evergreen/data/tpp/event_sequences.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"

namespace evergreen {

// The readers are in one file per format: easytpp_format.cpp, rmtpp_format.cpp, npz_format.cpp.

int64_t EventDataset::num_events() const {
  int64_t total = 0;
  for (const MarkedSequence& sequence : sequences)
    total += static_cast<int64_t>(sequence.times.size());
  return total;
}

EventDataset read_event_dataset(const std::string& file, const std::string& format,
                                const std::string& time_file) {
  const std::filesystem::path path(file);
  std::string resolved = format;
  if (format == "auto") {
    const std::string extension = path.extension().string();
    resolved = extension == ".npz"                             ? "npz"
               : extension == ".json" || extension == ".jsonl" ? "easytpp"
                                                               : "rmtpp";
  }
  if (resolved == "npz") return read_npz_arrival_times(file);
  if (resolved == "easytpp") return read_easytpp_json(file);
  EVERGREEN_CHECK_INPUT(resolved == "rmtpp",
                        "{}: format '{}': expected auto, npz, easytpp or rmtpp", file, format);
  std::string times = time_file;
  if (times.empty()) {
    std::string name = path.filename().string();
    const auto at = name.find("event");
    EVERGREEN_CHECK_INPUT(at != std::string::npos,
                          "{}: RMTPP text needs its time file: give it, or name the event file "
                          "event*.txt beside time*.txt",
                          file);
    name.replace(at, 5, "time");
    times = (path.parent_path() / name).string();
  }
  EVERGREEN_CHECK_INPUT(std::filesystem::exists(times), "{}: the RMTPP time file {} does not exist",
                        file, times);
  return read_rmtpp_text(file, times);
}

void write_easytpp_json(const EventDataset& data, const std::string& file) {
  std::string text;
  for (size_t index = 0; index < data.sequences.size(); ++index) {
    const MarkedSequence& sequence = data.sequences[index];
    std::vector<std::string> since_start, since_last;
    double previous = 0;
    for (double time : sequence.times) {
      since_start.push_back(fmt::format("{:.17g}", time));
      since_last.push_back(fmt::format("{:.17g}", time - previous));
      previous = time;
    }
    text += fmt::format(
        "{{\"dim_process\": {}, \"seq_idx\": {}, \"seq_len\": {}, \"time_since_start\": [{}], "
        "\"time_since_last_event\": [{}], \"type_event\": [{}]}}\n",
        data.num_types, index, sequence.size(), fmt::join(since_start, ", "),
        fmt::join(since_last, ", "), fmt::join(sequence.types, ", "));
  }
  write_file_atomically(file, text);
}

}  // namespace evergreen
