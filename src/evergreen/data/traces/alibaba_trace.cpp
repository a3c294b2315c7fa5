#include "evergreen/data/traces/alibaba_trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/core/options.h"
#include "evergreen/data/io/input_file.h"
#include "evergreen/data/io/text_fields.h"

namespace evergreen {
namespace {

const std::vector<std::string>& machine_usage_columns() {
  static const std::vector<std::string> columns = {
      "machine_id", "time_stamp", "cpu_util_percent", "mem_util_percent", "mem_gps",
      "mkpi",       "net_in",     "net_out",          "disk_io_percent"};
  return columns;
}

const std::vector<std::string>& container_usage_columns() {
  static const std::vector<std::string> columns = {
      "container_id", "machine_id", "time_stamp", "cpu_util_percent", "mem_util_percent", "cpi",
      "mem_gps",      "mpki",       "net_in",     "net_out",          "disk_io_percent"};
  return columns;
}

bool is_alibaba_metric(std::string_view name) {
  for (const auto* columns : {&machine_usage_columns(), &container_usage_columns()}) {
    for (const std::string& column : *columns) {
      if (column == name && column != "machine_id" && column != "container_id" &&
          column != "time_stamp")
        return true;
    }
  }
  return false;
}

// Where the fields of one table are.
struct AlibabaLayout {
  std::string table;
  std::vector<std::string> columns;
  int64_t id_index = -1;    // -1: no id column (grouped)
  int64_t time_index = -1;  // -1: time is the row index times row_seconds (grouped)
  int64_t metric_index = -1;
};

AlibabaLayout alibaba_layout(const std::string& table) {
  AlibabaLayout layout;
  layout.table = table;
  if (table == "machine_usage") {
    layout.columns = machine_usage_columns();
    layout.id_index = 0;
    layout.time_index = 1;
  } else {
    layout.columns = container_usage_columns();
    layout.id_index = 0;
    layout.time_index = 2;
  }
  return layout;
}

// In the trace's own tables only the schema's metrics qualify (not machine_id in
// container_usage); a grouped file holds nothing but metrics.
void resolve_metric(const std::string& file, int64_t line_number, const std::string& metric,
                    AlibabaLayout* layout) {
  const bool grouped = layout->table == "grouped";
  std::vector<std::string> metrics;
  for (int64_t i = 0; i < static_cast<int64_t>(layout->columns.size()); ++i) {
    const std::string& column = layout->columns[i];
    if (!grouped && !is_alibaba_metric(column)) continue;
    if (column == metric) {
      layout->metric_index = i;
      return;
    }
    metrics.push_back(column);
  }
  throw InputError(fmt::format("{}:{}: option 'metric': no metric '{}' in a {} file (metrics: {})",
                               file, line_number, metric, layout->table, fmt::join(metrics, ", ")));
}

// `time` - `first` (time >= first) as an unsigned number of seconds: it always fits, even when
// the two are near opposite ends of int64.
uint64_t seconds_after(int64_t first, int64_t time) {
  return static_cast<uint64_t>(time) - static_cast<uint64_t>(first);
}

// Sums of valid readings per time stamp: the trace is not sorted by time and buckets are only
// known once the earliest time is, so readings are kept per distinct time stamp (tens of
// thousands in the full trace, however many rows).
struct ReadingSums {
  double sum = 0;
  int64_t count = 0;
};

class AlibabaReader {
 public:
  AlibabaReader(std::string file, const AlibabaTraceOptions& options)
      : file_(std::move(file)), options_(options) {}

  Series read(TraceReadReport* report) {
    std::ifstream in = open_input_file(file_);
    std::string line;
    std::vector<Field> fields;
    bool first_row = true;
    int64_t data_rows = 0;
    for (int64_t line_number = 1; std::getline(in, line); ++line_number) {
      clean_line(line_number, &line);
      if (is_blank(line)) continue;
      split_fields(line, ',', &fields);
      if (first_row) {
        first_row = false;
        if (start(line_number, fields)) continue;  // a grouped file's header
      }
      EVERGREEN_CHECK_INPUT(
          static_cast<int64_t>(fields.size()) == static_cast<int64_t>(layout_.columns.size()),
          "{}:{}: expected {} fields ({}: {}), got {}", file_, line_number, layout_.columns.size(),
          layout_.table, fmt::join(layout_.columns, ","), fields.size());
      const int64_t row = data_rows++;
      if (layout_.id_index >= 0 && !options_.id().empty() &&
          fields[layout_.id_index].text != options_.id())
        continue;
      ++selected_rows_;
      int64_t time = 0;
      if (!read_time(line_number, row, fields, &time)) continue;
      double value = 0;
      if (!read_metric(line_number, fields[layout_.metric_index], &value)) continue;
      ReadingSums& sums = sums_[time];
      sums.sum += value;
      ++sums.count;
    }
    EVERGREEN_CHECK_INPUT(!in.bad(), "{}: read error", file_);
    if (report) {
      report->rows = data_rows;
      report->selected_rows = selected_rows_;
    }
    return finish(data_rows, report);
  }

 private:
  // Fixes the layout from the first non-blank line; returns true when that line is a header.
  bool start(int64_t line_number, const std::vector<Field>& fields) {
    std::string table = options_.table();
    if (table == "auto") {
      bool names_a_metric = std::any_of(fields.begin(), fields.end(), [](const Field& field) {
        return is_alibaba_metric(field.text);
      });
      if (names_a_metric) {
        table = "grouped";
      } else if (fields.size() == machine_usage_columns().size()) {
        table = "machine_usage";
      } else if (fields.size() == container_usage_columns().size()) {
        table = "container_usage";
      } else {
        throw InputError(fmt::format(
            "{}:{}: cannot tell the Alibaba table: expected 9 fields (machine_usage), 11 "
            "(container_usage) or a header naming metrics (grouped), got {} fields; set table",
            file_, line_number, fields.size()));
      }
    }
    if (table != "grouped") {
      layout_ = alibaba_layout(table);
      resolve_metric(file_, line_number, options_.metric(), &layout_);
      return false;
    }
    layout_.table = "grouped";
    for (const Field& field : fields) layout_.columns.emplace_back(field.text);
    EVERGREEN_CHECK_INPUT(options_.id().empty(),
                          "{}: option 'id': a grouped file has no machine or container column "
                          "(it holds cluster averages); leave id empty",
                          file_);
    resolve_metric(file_, line_number, options_.metric(), &layout_);
    return true;
  }

  // The reading's time in seconds; false when an empty time field was dropped.
  bool read_time(int64_t line_number, int64_t row, const std::vector<Field>& fields,
                 int64_t* time) {
    if (layout_.time_index < 0) {
      EVERGREEN_CHECK_INPUT(!__builtin_mul_overflow(row, options_.row_seconds(), time),
                            "{}:{}: data row {} would be at {} x {} s (row_seconds), past the "
                            "largest time stamp {}",
                            file_, line_number, row + 1, row, options_.row_seconds(),
                            std::numeric_limits<int64_t>::max());
      return true;
    }
    const Field& field = fields[layout_.time_index];
    if (field.text.empty()) return invalid(line_number, "time_stamp", "empty field");
    EVERGREEN_CHECK_INPUT(parse_int64(field.text, time),
                          "{}:{}:{}: column 'time_stamp': expected an integer number of seconds, "
                          "got '{}'",
                          file_, line_number, field.column, shorten(field.text));
    return true;
  }

  // The reading; false when it was invalid and dropped.
  bool read_metric(int64_t line_number, const Field& field, double* value) {
    const std::string& name = layout_.columns[layout_.metric_index];
    if (field.text.empty()) return invalid(line_number, name, "empty field (a missing reading)");
    EVERGREEN_CHECK_INPUT(parse_double(field.text, value),
                          "{}:{}:{}: column '{}': expected a number, got '{}'", file_, line_number,
                          field.column, name, shorten(field.text));
    if (!std::isfinite(*value)) {
      return invalid(line_number, name,
                     fmt::format("value '{}' is not a finite number", field.text));
    }
    if (*value == -1 || *value == 101) {
      return invalid(line_number, name,
                     fmt::format("invalid value {} (the trace marks invalid readings with -1 or "
                                 "101)",
                                 field.text));
    }
    const bool percentage = name.size() > 8 && name.compare(name.size() - 8, 8, "_percent") == 0;
    if (percentage && (*value < 0 || *value > 100)) {
      return invalid(line_number, name,
                     fmt::format("value {} is outside [0, 100] for a percentage", field.text));
    }
    return true;
  }

  bool invalid(int64_t line_number, const std::string& column, const std::string& what) {
    if (options_.invalid_values() == "drop") {
      ++dropped_;
      return false;
    }
    throw InputError(fmt::format("{}:{}: column '{}': {}; set invalid_values: drop to skip them",
                                 file_, line_number, column, what));
  }

  Series finish(int64_t data_rows, TraceReadReport* report) {
    const std::string& metric = options_.metric();
    EVERGREEN_CHECK_INPUT(data_rows > 0, "{}: no data rows", file_);
    if (selected_rows_ == 0) {
      throw InputError(fmt::format("{}: no row has {} '{}' (option 'id')", file_,
                                   layout_.columns[layout_.id_index], options_.id()));
    }
    EVERGREEN_CHECK_INPUT(!sums_.empty(),
                          "{}: the series is empty: all {} readings of '{}' were invalid and "
                          "dropped",
                          file_, dropped_, metric);

    std::vector<int64_t> times;
    times.reserve(sums_.size());
    for (const auto& [time, sums] : sums_) times.push_back(time);
    std::sort(times.begin(), times.end());
    const int64_t first = times.front();
    const int64_t width = options_.bucket_seconds();
    // A stray time stamp (a year instead of seconds into the trace) would otherwise ask for
    // billions of buckets. Offsets from the first time are unsigned: time stamps of any int64
    // are accepted, and their differences may not fit an int64.
    constexpr int64_t kMaxBuckets = 100'000'000;
    const uint64_t last_bucket = seconds_after(first, times.back()) / static_cast<uint64_t>(width);
    EVERGREEN_CHECK_INPUT(last_bucket < static_cast<uint64_t>(kMaxBuckets),
                          "{}: times span {} to {} seconds: more than {} buckets of {} s; check "
                          "column 'time_stamp' or raise bucket_seconds",
                          file_, first, times.back(), kMaxBuckets, width);
    const int64_t buckets = static_cast<int64_t>(last_bucket) + 1;
    std::vector<ReadingSums> bucket_sums(buckets);
    for (int64_t time : times) {
      const ReadingSums& sums = sums_.at(time);
      ReadingSums& bucket = bucket_sums[seconds_after(first, time) / static_cast<uint64_t>(width)];
      bucket.sum += sums.sum;
      bucket.count += sums.count;
    }

    Series series;
    const std::string base_name = std::filesystem::path(file_).filename().string();
    series.name = options_.id().empty() ? fmt::format("{}:{}", base_name, metric)
                                        : fmt::format("{}:{}:{}", base_name, options_.id(), metric);
    series.step_seconds = static_cast<double>(width);
    series.dropped_points = dropped_;
    series.values.resize(buckets);
    int64_t empty = 0;
    int64_t first_empty = -1;
    for (int64_t i = 0; i < buckets; ++i) {
      if (bucket_sums[i].count == 0) {
        ++empty;
        if (first_empty < 0) first_empty = i;
        continue;
      }
      series.values[i] = bucket_sums[i].sum / static_cast<double>(bucket_sums[i].count);
    }
    if (empty > 0 && options_.empty_buckets() != "interpolate") {
      // An empty bucket lies before the last time, so its start is a time stamp; its end may
      // not be one.
      const int64_t begin =
          static_cast<int64_t>(static_cast<uint64_t>(first) +
                               static_cast<uint64_t>(first_empty) * static_cast<uint64_t>(width));
      int64_t end = 0;
      if (__builtin_add_overflow(begin, width, &end)) end = std::numeric_limits<int64_t>::max();
      throw InputError(fmt::format(
          "{}: bucket {} (seconds [{}, {}) of the trace) holds no valid reading of '{}' ({} of "
          "{} buckets are empty); set empty_buckets: interpolate to fill them linearly",
          file_, first_empty, begin, end, metric, empty, buckets));
    }
    // The first and last buckets hold readings by construction, so every gap has two neighbours.
    int64_t previous = 0;
    for (int64_t i = 1; i < buckets; ++i) {
      if (bucket_sums[i].count == 0) continue;
      for (int64_t gap = previous + 1; gap < i; ++gap) {
        const double fraction =
            static_cast<double>(gap - previous) / static_cast<double>(i - previous);
        series.values[gap] =
            series.values[previous] + fraction * (series.values[i] - series.values[previous]);
      }
      previous = i;
    }
    if (report) report->interpolated_points = empty;
    return series;
  }

  std::string file_;
  const AlibabaTraceOptions& options_;
  AlibabaLayout layout_;
  std::unordered_map<int64_t, ReadingSums> sums_;
  int64_t selected_rows_ = 0;
  int64_t dropped_ = 0;
};

}  // namespace

void check_alibaba_trace_options(const AlibabaTraceOptions& options) {
  check_choice("Alibaba trace option 'table'", options.table(),
               {"auto", "machine_usage", "container_usage", "grouped"});
  check_choice("Alibaba trace option 'invalid_values'", options.invalid_values(),
               {"error", "drop"});
  check_choice("Alibaba trace option 'empty_buckets'", options.empty_buckets(),
               {"error", "interpolate"});
  EVERGREEN_CHECK_INPUT(options.bucket_seconds() >= 1,
                        "Alibaba trace option 'bucket_seconds': expected an integer >= 1, got {}",
                        options.bucket_seconds());
  EVERGREEN_CHECK_INPUT(options.row_seconds() >= 1,
                        "Alibaba trace option 'row_seconds': expected an integer >= 1, got {}",
                        options.row_seconds());
  EVERGREEN_CHECK_INPUT(is_alibaba_metric(options.metric()),
                        "Alibaba trace option 'metric': '{}' is not a metric of the trace",
                        options.metric());
}

Series read_alibaba_trace(const std::string& file, const AlibabaTraceOptions& options,
                          TraceReadReport* report) {
  check_alibaba_trace_options(options);
  return AlibabaReader(file, options).read(report);
}

}  // namespace evergreen
