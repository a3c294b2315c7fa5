// read_rmtpp_text, declared in event_sequences.h: RMTPP's paired event and time text files.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/data/io/input_file.h"
#include "evergreen/data/io/text_fields.h"
#include "evergreen/data/tpp/event_sequences.h"

namespace evergreen {
namespace {

// The lines of `file` without line-end characters; blank lines at the end are dropped (editors
// and `echo >>` leave them), a UTF-8 byte-order mark is removed.
std::vector<std::string> read_lines(const std::string& file) {
  std::ifstream in = open_input_file(file);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    clean_line(static_cast<int64_t>(lines.size()) + 1, &line);
    lines.push_back(std::move(line));
  }
  EVERGREEN_CHECK_INPUT(!in.bad(), "{}: read error", file);
  while (!lines.empty() && is_blank(lines.back())) lines.pop_back();
  return lines;
}

}  // namespace

EventDataset read_rmtpp_text(const std::string& event_file, const std::string& time_file) {
  const std::vector<std::string> event_lines = read_lines(event_file);
  const std::vector<std::string> time_lines = read_lines(time_file);
  EVERGREEN_CHECK_INPUT(!event_lines.empty(),
                        "{}:1: no sequences: expected one line of event "
                        "types per sequence",
                        event_file);
  EVERGREEN_CHECK_INPUT(event_lines.size() == time_lines.size(),
                        "{} has {} lines but {} has {}: "
                        "expected line i of the event file to match line i of the time file",
                        event_file, event_lines.size(), time_file, time_lines.size());

  EventDataset dataset;
  std::vector<std::vector<int64_t>> raw_types(event_lines.size());
  dataset.sequences.resize(event_lines.size());
  std::vector<int64_t> distinct;
  for (size_t i = 0; i < event_lines.size(); ++i) {
    const int64_t line = static_cast<int64_t>(i) + 1;
    EVERGREEN_CHECK_INPUT(!is_blank(event_lines[i]),
                          "{}:{}: blank line: expected the event types "
                          "of one sequence",
                          event_file, line);
    EVERGREEN_CHECK_INPUT(!is_blank(time_lines[i]),
                          "{}:{}: blank line: expected the event times "
                          "of one sequence",
                          time_file, line);
    std::vector<int64_t>& types = raw_types[i];
    int64_t event = 0;
    for_each_field(event_lines[i], ' ', [&](const Field& field) {
      ++event;
      int64_t type = 0;
      EVERGREEN_CHECK_INPUT(parse_int64(field.text, &type),
                            "{}:{}:{}: event {}: expected an "
                            "integer event type, got '{}'",
                            event_file, line, field.column, event, shorten_first_line(field.text));
      types.push_back(type);
    });
    std::vector<double>& times = dataset.sequences[i].times;
    event = 0;
    for_each_field(time_lines[i], ' ', [&](const Field& field) {
      ++event;
      double time = 0.0;
      EVERGREEN_CHECK_INPUT(parse_double(field.text, &time),
                            "{}:{}:{}: event {}: expected a "
                            "number (event time), got '{}'",
                            time_file, line, field.column, event, shorten_first_line(field.text));
      EVERGREEN_CHECK_INPUT(std::isfinite(time),
                            "{}:{}:{}: event {}: expected a finite event "
                            "time, got '{}'",
                            time_file, line, field.column, event, field.text);
      EVERGREEN_CHECK_INPUT(times.empty() || time >= times.back(),
                            "{}:{}:{}: event {}: time {} is "
                            "earlier than the previous event's {} (negative gap {}): expected "
                            "non-decreasing times",
                            time_file, line, field.column, event, time, times.back(),
                            time - times.back());
      times.push_back(time);
    });
    EVERGREEN_CHECK_INPUT(types.size() == times.size(),
                          "{}:{} has {} event types but {}:{} has {} "
                          "times: expected one time per event",
                          event_file, line, types.size(), time_file, line, times.size());
    distinct.insert(distinct.end(), types.begin(), types.end());
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  }

  // Raw ids are arbitrary labels (MIMIC-II's are sparse); sorted order keeps the mapping
  // independent of which sequence mentions an id first.
  for (size_t i = 0; i < raw_types.size(); ++i) {
    std::vector<int64_t>& types = dataset.sequences[i].types;
    types.reserve(raw_types[i].size());
    for (int64_t raw : raw_types[i])
      types.push_back(std::lower_bound(distinct.begin(), distinct.end(), raw) - distinct.begin());
  }
  dataset.num_types = static_cast<int64_t>(distinct.size());
  dataset.original_type_ids = std::move(distinct);
  return dataset;
}

}  // namespace evergreen
