#include "evergreen/data/trace_readers.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "evergreen/core/error.h"
#include "evergreen/data/input_file.h"
#include "evergreen/data/text_fields.h"

namespace evergreen {
namespace {

// ---------------------------------------------------------------------------------------------
// Shared helpers

// Removes a trailing '\r' and, on the first line, a UTF-8 byte-order mark.
void clean_line(int64_t line_number, std::string* line) {
  if (!line->empty() && line->back() == '\r') line->pop_back();
  if (line_number == 1 && line->rfind("\xEF\xBB\xBF", 0) == 0) line->erase(0, 3);
}

// Counts are plain digit strings: no sign, no exponent, at most 18 digits (no overflow).
bool parse_count(std::string_view text, int64_t* value) {
  if (text.empty() || text.size() > 18) return false;
  int64_t result = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    result = result * 10 + (c - '0');
  }
  *value = result;
  return true;
}

// Long garbage (a binary file read as text) must not make a message unreadable.
std::string shorten(std::string_view text) {
  if (text.size() <= 40) return std::string(text);
  return std::string(text.substr(0, 37)) + "...";
}

void check_choice(const std::string& reader, const std::string& key, const std::string& value,
                  std::initializer_list<const char*> choices) {
  for (const char* choice : choices)
    if (value == choice) return;
  throw InputError(fmt::format("{} option '{}': expected one of {}, got '{}'", reader, key,
                               fmt::join(choices, ", "), value));
}


std::string base_name(const std::string& file) {
  return std::filesystem::path(file).filename().string();
}

// ---------------------------------------------------------------------------------------------
// Alibaba cluster-trace-v2018

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
      *time = row * options_.row_seconds();
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
    const int64_t buckets = (times.back() - first) / width + 1;
    // A stray time stamp (a year instead of seconds into the trace) would otherwise ask for
    // billions of buckets.
    constexpr int64_t kMaxBuckets = 100'000'000;
    EVERGREEN_CHECK_INPUT(buckets <= kMaxBuckets,
                          "{}: times span {} to {} seconds: {} buckets of {} s are more than {}; "
                          "check column 'time_stamp' or raise bucket_seconds",
                          file_, first, times.back(), buckets, width, kMaxBuckets);
    std::vector<ReadingSums> bucket_sums(buckets);
    for (int64_t time : times) {
      const ReadingSums& sums = sums_.at(time);
      ReadingSums& bucket = bucket_sums[(time - first) / width];
      bucket.sum += sums.sum;
      bucket.count += sums.count;
    }

    Series series;
    series.name = options_.id().empty()
                      ? fmt::format("{}:{}", base_name(file_), metric)
                      : fmt::format("{}:{}:{}", base_name(file_), options_.id(), metric);
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
      const int64_t begin = first + first_empty * width;
      throw InputError(fmt::format(
          "{}: bucket {} (seconds [{}, {}) of the trace) holds no valid reading of '{}' ({} of "
          "{} buckets are empty); set empty_buckets: interpolate to fill them linearly",
          file_, first_empty, begin, begin + width, metric, empty, buckets));
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

// ---------------------------------------------------------------------------------------------
// NASA requests per second

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  return quoted + "'";
}

bool starts_with_bzip2_magic(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<char, 3> magic{};
  in.read(magic.data(), magic.size());
  return in.gcount() == 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h';
}

// A text stream: the file itself, or what `tar -xOjf FILE` writes. Decompressing through the
// system's tar keeps bzip2 out of the build's dependencies; tar's messages go to a temporary
// file so that a failure can be reported in one line.
class TextInput {
 public:
  explicit TextInput(const std::string& file) : file_(file) {
    check_readable_file(file);
    if (!starts_with_bzip2_magic(file)) {
      stream_ = std::fopen(file.c_str(), "rb");
      EVERGREEN_CHECK_INPUT(stream_ != nullptr, "{}: cannot open for reading", file);
      return;
    }
    std::string pattern =
        (std::filesystem::temp_directory_path() / "evergreen-tar-XXXXXX").string();
    int descriptor = mkstemp(pattern.data());
    EVERGREEN_CHECK_INPUT(descriptor >= 0, "{}: cannot create a temporary file for tar's messages",
                          file);
    close(descriptor);
    messages_ = pattern;
    std::string command =
        fmt::format("tar -xOjf {} 2>{}", shell_quote(file), shell_quote(messages_));
    stream_ = popen(command.c_str(), "r");
    piped_ = true;
    EVERGREEN_CHECK_INPUT(stream_ != nullptr, "{}: cannot start 'tar -xOjf' to decompress it",
                          file);
  }

  ~TextInput() {
    if (stream_) piped_ ? pclose(stream_) : std::fclose(stream_);
    if (!messages_.empty()) std::remove(messages_.c_str());
  }
  TextInput(const TextInput&) = delete;
  TextInput& operator=(const TextInput&) = delete;

  FILE* stream() { return stream_; }
  bool decompressed() const { return piped_; }

  // Closes the input; when decompressing and the whole text was read, a failure of tar is an
  // error. A reader that stopped early closed the pipe under tar, which then fails on purpose.
  void close_input(bool read_to_end) {
    const bool read_error = std::ferror(stream_) != 0;
    int status = piped_ ? pclose(stream_) : std::fclose(stream_);
    stream_ = nullptr;
    EVERGREEN_CHECK_INPUT(!read_error, "{}: read error", file_);
    if (!piped_ || !read_to_end) return;
    if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    // bzip2 starts its report with a blank line: the first non-blank one says what went wrong.
    std::string message;
    std::ifstream messages(messages_);
    while (std::getline(messages, message) && is_blank(message)) {
    }
    message = std::string(trim(message));
    std::string how =
        status == -1          ? "could not be waited for"
        : WIFEXITED(status)   ? fmt::format("exited with status {}", WEXITSTATUS(status))
        : WIFSIGNALED(status) ? fmt::format("was killed by signal {}", WTERMSIG(status))
                              : "failed";
    throw InputError(fmt::format(
        "{}: decompressing with 'tar -xOjf' failed: tar {}{}{} (expected a bzip2 tar archive of "
        "a text file; tar and bzip2 must be installed)",
        file_, how, message.empty() ? "" : ": ", message));
  }

 private:
  std::string file_;
  FILE* stream_ = nullptr;
  bool piped_ = false;
  std::string messages_;
};

// ---------------------------------------------------------------------------------------------
// Azure Functions 2019

constexpr int64_t kAzureNameFields = 4;
constexpr int64_t kMinutesPerDay = 1440;
constexpr int64_t kAzureFields = kAzureNameFields + kMinutesPerDay;

constexpr std::array<const char*, kAzureNameFields> kAzureNames = {"HashOwner", "HashApp",
                                                                   "HashFunction", "Trigger"};

void check_azure_header(const std::string& file, int64_t line_number,
                        const std::vector<Field>& fields) {
  EVERGREEN_CHECK_INPUT(static_cast<int64_t>(fields.size()) == kAzureFields,
                        "{}:{}: header: expected {} fields (HashOwner,HashApp,HashFunction,"
                        "Trigger,1,...,1440), got {}",
                        file, line_number, kAzureFields, fields.size());
  for (int64_t i = 0; i < kAzureFields; ++i) {
    std::string expected = i < kAzureNameFields ? std::string(kAzureNames[i])
                                                : std::to_string(i - kAzureNameFields + 1);
    EVERGREEN_CHECK_INPUT(fields[i].text == expected,
                          "{}:{}:{}: header field {}: expected '{}', got '{}'", file, line_number,
                          fields[i].column, i + 1, expected, shorten(fields[i].text));
  }
}

// Adds the selected rows of one day file to `minutes` (1,440 sums); returns the rows read and
// selected.
std::pair<int64_t, int64_t> add_azure_day(const std::string& file,
                                          const AzureFunctionsOptions& options,
                                          std::vector<int64_t>* minutes) {
  std::ifstream in = open_input_file(file);
  const std::array<const std::string*, kAzureNameFields> filters = {
      &options.owner(), &options.app(), &options.function(), &options.trigger()};
  std::string line;
  std::vector<Field> fields;
  bool header = true;
  int64_t rows = 0;
  int64_t selected = 0;
  for (int64_t line_number = 1; std::getline(in, line); ++line_number) {
    clean_line(line_number, &line);
    if (is_blank(line)) continue;
    split_fields(line, ',', &fields);
    if (header) {
      check_azure_header(file, line_number, fields);
      header = false;
      continue;
    }
    EVERGREEN_CHECK_INPUT(static_cast<int64_t>(fields.size()) == kAzureFields,
                          "{}:{}: expected {} fields (4 hashes and trigger, then 1440 per-minute "
                          "counts), got {}",
                          file, line_number, kAzureFields, fields.size());
    ++rows;
    bool keep = true;
    for (int64_t i = 0; i < kAzureNameFields; ++i)
      keep = keep && (filters[i]->empty() || fields[i].text == *filters[i]);
    if (!keep) continue;
    ++selected;
    for (int64_t minute = 0; minute < kMinutesPerDay; ++minute) {
      const Field& field = fields[kAzureNameFields + minute];
      int64_t count = 0;
      EVERGREEN_CHECK_INPUT(parse_count(field.text, &count),
                            "{}:{}:{}: column '{}': expected a non-negative integer count of "
                            "invocations, got '{}'",
                            file, line_number, field.column, minute + 1, shorten(field.text));
      (*minutes)[minute] += count;
    }
  }
  EVERGREEN_CHECK_INPUT(!in.bad(), "{}: read error", file);
  EVERGREEN_CHECK_INPUT(!header,
                        "{}: empty file: expected the header HashOwner,HashApp,"
                        "HashFunction,Trigger,1,...,1440",
                        file);
  return {rows, selected};
}

// Glob matching with '*' and '?' (no character classes: trace file names need none).
bool glob_match(std::string_view pattern, std::string_view name) {
  size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Natural order: runs of digits compare by value, so day 2 comes before day 10 even without
// zero padding.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t a_end = i, b_end = j;
      while (a_end < a.size() && is_digit(a[a_end])) ++a_end;
      while (b_end < b.size() && is_digit(b[b_end])) ++b_end;
      std::string_view x(a.data() + i, a_end - i), y(b.data() + j, b_end - j);
      while (x.size() > 1 && x.front() == '0') x.remove_prefix(1);
      while (y.size() > 1 && y.front() == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = a_end;
      j = b_end;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
  return a < b;  // equal by value ("d01" vs "d1"): any fixed order
}

}  // namespace

void check_alibaba_trace_options(const AlibabaTraceOptions& options) {
  const std::string reader = "Alibaba trace";
  check_choice(reader, "table", options.table(),
               {"auto", "machine_usage", "container_usage", "grouped"});
  check_choice(reader, "invalid_values", options.invalid_values(), {"error", "drop"});
  check_choice(reader, "empty_buckets", options.empty_buckets(), {"error", "interpolate"});
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

void check_nasa_requests_options(const NasaRequestsOptions& options) {
  EVERGREEN_CHECK_INPUT(options.resample() >= 1,
                        "NASA requests option 'resample': expected an integer >= 1, got {}",
                        options.resample());
  EVERGREEN_CHECK_INPUT(options.max_points() >= 0,
                        "NASA requests option 'max_points': expected an integer >= 0 (0: all), "
                        "got {}",
                        options.max_points());
}

Series read_nasa_requests(const std::string& file, const NasaRequestsOptions& options,
                          TraceReadReport* report) {
  check_nasa_requests_options(options);
  TextInput input(file);
  Series series;
  series.name = base_name(file);
  series.step_seconds = static_cast<double>(options.resample());

  const int64_t wanted = options.max_points();
  int64_t seconds = 0;
  int64_t group_sum = 0;
  int64_t group_size = 0;
  bool stopped = false;
  int64_t line_number = 1;
  int64_t field_number = 0;
  std::string token;
  // Judges the token just ended; returns false once enough points are read.
  auto end_token = [&]() {
    ++field_number;
    int64_t count = 0;
    EVERGREEN_CHECK_INPUT(parse_count(token, &count),
                          "{}:{}: field {}: expected a non-negative integer count of requests, "
                          "got '{}'",
                          file, line_number, field_number, shorten(token));
    token.clear();
    ++seconds;
    group_sum += count;
    if (++group_size < options.resample()) return true;
    series.values.push_back(static_cast<double>(group_sum));
    group_sum = 0;
    group_size = 0;
    return wanted == 0 || static_cast<int64_t>(series.values.size()) < wanted;
  };
  std::vector<char> buffer(1 << 16);
  size_t count;
  while (!stopped && (count = std::fread(buffer.data(), 1, buffer.size(), input.stream())) > 0) {
    for (size_t i = 0; i < count && !stopped; ++i) {
      const char c = buffer[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        if (!token.empty()) stopped = !end_token();
        if (c == '\n') {
          ++line_number;
          field_number = 0;
        }
      } else {
        token.push_back(c);
      }
    }
  }
  if (!stopped && !token.empty()) stopped = !end_token();
  input.close_input(/*read_to_end=*/!stopped);

  EVERGREEN_CHECK_INPUT(seconds > 0, "{}: no values: expected whitespace-separated counts{}", file,
                        input.decompressed()
                            ? " in a bzip2 tar archive (a plain .bz2 file must be decompressed "
                              "first)"
                            : "");
  EVERGREEN_CHECK_INPUT(!series.values.empty(),
                        "{}: the series is empty after resampling: {} values are fewer than "
                        "resample factor {}",
                        file, seconds, options.resample());
  if (report) {
    report->rows = seconds;
    report->selected_rows = seconds;
  }
  return series;
}

void check_azure_functions_options(const AzureFunctionsOptions& options) {
  EVERGREEN_CHECK_INPUT(options.resample() >= 1,
                        "Azure Functions option 'resample': expected an integer >= 1, got {}",
                        options.resample());
}

Series read_azure_functions(const std::vector<std::string>& files,
                            const AzureFunctionsOptions& options, TraceReadReport* report) {
  check_azure_functions_options(options);
  EVERGREEN_CHECK_INPUT(!files.empty(), "Azure Functions: no day files given");
  std::vector<int64_t> minutes;
  int64_t rows = 0;
  int64_t selected = 0;
  for (const std::string& file : files) {
    std::vector<int64_t> day(kMinutesPerDay, 0);
    auto [day_rows, day_selected] = add_azure_day(file, options, &day);
    rows += day_rows;
    selected += day_selected;
    minutes.insert(minutes.end(), day.begin(), day.end());
  }
  std::vector<std::string> filters;
  if (!options.owner().empty()) filters.push_back("owner " + options.owner());
  if (!options.app().empty()) filters.push_back("app " + options.app());
  if (!options.function().empty()) filters.push_back("function " + options.function());
  if (!options.trigger().empty()) filters.push_back("trigger " + options.trigger());
  EVERGREEN_CHECK_INPUT(rows > 0, "{}: no data rows in {} day file(s)", files.front(),
                        files.size());
  EVERGREEN_CHECK_INPUT(selected > 0, "{}: no row matches {} in {} day file(s) ({} rows read)",
                        files.front(), fmt::join(filters, ", "), files.size(), rows);

  Series series;
  series.name =
      fmt::format("azure_functions:{}{}", filters.empty() ? "all" : "", fmt::join(filters, ","));
  series.step_seconds = 60.0 * static_cast<double>(options.resample());
  const int64_t groups = static_cast<int64_t>(minutes.size()) / options.resample();
  EVERGREEN_CHECK_INPUT(groups > 0,
                        "{}: the series is empty after resampling: {} minutes are fewer than "
                        "resample factor {}",
                        files.front(), minutes.size(), options.resample());
  series.values.resize(groups);
  for (int64_t group = 0; group < groups; ++group) {
    int64_t sum = 0;
    for (int64_t i = group * options.resample(); i < (group + 1) * options.resample(); ++i)
      sum += minutes[i];
    series.values[group] = static_cast<double>(sum);
  }
  if (report) {
    report->rows = rows;
    report->selected_rows = selected;
  }
  return series;
}

std::vector<std::string> list_trace_files(const std::string& directory,
                                          const std::string& pattern) {
  std::error_code error;
  EVERGREEN_CHECK_INPUT(std::filesystem::is_directory(directory, error), "{}: directory not found",
                        directory);
  EVERGREEN_CHECK_INPUT(pattern.find('/') == std::string::npos && !pattern.empty(),
                        "{}: file pattern '{}': expected a file name with * and ?, no '/'",
                        directory, pattern);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file(error) && glob_match(pattern, name)) names.push_back(name);
  }
  EVERGREEN_CHECK_INPUT(!error, "{}: cannot list the directory: {}", directory, error.message());
  EVERGREEN_CHECK_INPUT(!names.empty(), "{}: no file matches '{}'", directory, pattern);
  std::sort(names.begin(), names.end(), natural_less);
  std::vector<std::string> files;
  for (const std::string& name : names)
    files.push_back((std::filesystem::path(directory) / name).string());
  return files;
}

}  // namespace evergreen
