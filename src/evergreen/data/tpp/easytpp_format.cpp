// read_easytpp_json, declared in event_sequences.h: EasyTPP's JSON layout.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/data/io/input_file.h"
#include "evergreen/data/io/json_records.h"
#include "evergreen/data/io/text_fields.h"
#include "evergreen/data/tpp/event_sequences.h"

namespace evergreen {
namespace {

// Reads one EasyTPP record, naming its sequence and line in every error.
class EasytppRecordReader {
 public:
  EasytppRecordReader(const std::string& file, const JsonRecord& record, int64_t index)
      : where_(fmt::format("{}:{}: sequence {}", file, record.line, index + 1)),
        json_(parse_json_record(file, record)) {}

  const std::string& where() const { return where_; }

  const nlohmann::json& field(const char* key) const {
    auto found = json_.find(key);
    EVERGREEN_CHECK_INPUT(found != json_.end(),
                          "{}: field '{}' is missing: expected the EasyTPP "
                          "keys dim_process, seq_idx, seq_len, time_since_start, "
                          "time_since_last_event, type_event",
                          where_, key);
    return *found;
  }

  int64_t integer(const char* key) const { return integer_value(field(key), key); }

  // Python writes integers without a decimal point; a float here means the wrong column.
  int64_t integer_value(const nlohmann::json& value, const std::string& name) const {
    if (value.is_number_integer()) {
      if (value.is_number_unsigned() &&
          value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw InputError(
            fmt::format("{}: field {}: expected an integer, got {}", where_, name, value.dump()));
      return value.get<int64_t>();
    }
    throw InputError(fmt::format("{}: field {}: expected an integer, got {}", where_, name,
                                 shorten_first_line(value.dump())));
  }

  const nlohmann::json& array(const char* key, int64_t length) const {
    const nlohmann::json& value = field(key);
    EVERGREEN_CHECK_INPUT(value.is_array(), "{}: field '{}': expected an array, got {}", where_,
                          key, shorten_first_line(value.dump()));
    EVERGREEN_CHECK_INPUT(static_cast<int64_t>(value.size()) == length,
                          "{}: field '{}': expected seq_len = {} values, got {}", where_, key,
                          length, value.size());
    return value;
  }

  std::vector<double> times(const char* key, int64_t length) const {
    const nlohmann::json& values = array(key, length);
    std::vector<double> result;
    result.reserve(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      const nlohmann::json& value = values[i];
      EVERGREEN_CHECK_INPUT(value.is_number(), "{}: field '{}'[{}]: expected a number, got {}",
                            where_, key, i, shorten_first_line(value.dump()));
      double time = value.get<double>();
      EVERGREEN_CHECK_INPUT(std::isfinite(time),
                            "{}: field '{}'[{}]: expected a finite number, "
                            "got {}",
                            where_, key, i, time);
      result.push_back(time);
    }
    return result;
  }

 private:
  std::string where_;
  nlohmann::json json_;
};

// Both columns are rounded copies of the same times, so their disagreement grows with the size
// of the times, not with the gap: the tolerance is relative to the largest value involved.
bool nearly_equal(double a, double b, double scale) {
  return std::abs(a - b) <= 1e-6 * std::max({std::abs(a), std::abs(b), std::abs(scale)});
}

}  // namespace

EventDataset read_easytpp_json(const std::string& file) {
  const std::string content = read_whole_file(file);
  std::vector<JsonRecord> records = split_json_records(file, content);
  EVERGREEN_CHECK_INPUT(!records.empty(),
                        "{}:1: no sequences: expected one JSON object per "
                        "sequence (JSON lines or an array)",
                        file);

  EventDataset dataset;
  int64_t first_line = 0;
  for (size_t index = 0; index < records.size(); ++index) {
    EasytppRecordReader reader(file, records[index], static_cast<int64_t>(index));
    const std::string& where = reader.where();

    int64_t dim_process = reader.integer("dim_process");
    EVERGREEN_CHECK_INPUT(dim_process > 0,
                          "{}: field 'dim_process': expected a positive number "
                          "of event types, got {}",
                          where, dim_process);
    if (index == 0) {
      // dim_process sizes every per-type table from here on (the ids below, each model's type
      // embedding and read-out, which check their own): a typo such as 1e12 stops here.
      check_allocation(
          static_cast<double>(dim_process) * sizeof(int64_t),
          fmt::format("{}: field 'dim_process' = {}: the table of type ids", where, dim_process));
      dataset.num_types = dim_process;
      first_line = records[index].line;
    }
    EVERGREEN_CHECK_INPUT(dim_process == dataset.num_types,
                          "{}: field 'dim_process': expected {} "
                          "as in sequence 1 (line {}), got {}",
                          where, dataset.num_types, first_line, dim_process);
    reader.integer("seq_idx");  // checked for shape only: the order of the file is kept
    int64_t length = reader.integer("seq_len");
    EVERGREEN_CHECK_INPUT(length > 0, "{}: field 'seq_len': expected at least one event, got {}",
                          where, length);

    MarkedSequence sequence;
    sequence.times = reader.times("time_since_start", length);
    std::vector<double> gaps = reader.times("time_since_last_event", length);
    const nlohmann::json& types = reader.array("type_event", length);
    sequence.types.reserve(types.size());
    for (size_t i = 0; i < types.size(); ++i) {
      int64_t type = reader.integer_value(types[i], fmt::format("'type_event'[{}]", i));
      EVERGREEN_CHECK_INPUT(type >= 0 && type < dim_process,
                            "{}: field 'type_event'[{}]: "
                            "expected a type in [0, dim_process = {}), got {}",
                            where, i, dim_process, type);
      sequence.types.push_back(type);
    }

    const std::vector<double>& times = sequence.times;
    // The first gap is 0 in files whose clock starts at each sequence's first event, and the
    // first time in files whose clock starts before it: both are published.
    EVERGREEN_CHECK_INPUT(gaps[0] == 0.0 || nearly_equal(gaps[0], times[0], 0.0),
                          "{}: field 'time_since_last_event'[0]: expected 0 or "
                          "time_since_start[0] = {}, got {}",
                          where, times[0], gaps[0]);
    for (size_t i = 1; i < times.size(); ++i) {
      EVERGREEN_CHECK_INPUT(times[i] >= times[i - 1],
                            "{}: field 'time_since_start'[{}]: expected "
                            "non-decreasing times, got {} after {}",
                            where, i, times[i], times[i - 1]);
      double difference = times[i] - times[i - 1];
      EVERGREEN_CHECK_INPUT(nearly_equal(gaps[i], difference, times[i]),
                            "{}: field 'time_since_last_event'[{}]: expected time_since_start[{}] "
                            "- time_since_start[{}] = {} (relative tolerance 1e-6), got {}",
                            where, i, i, i - 1, difference, gaps[i]);
    }
    dataset.sequences.push_back(std::move(sequence));
  }
  dataset.original_type_ids.resize(dataset.num_types);
  for (int64_t k = 0; k < dataset.num_types; ++k) dataset.original_type_ids[k] = k;
  return dataset;
}

}  // namespace evergreen
