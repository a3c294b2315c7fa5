#include "evergreen/data/csv_series.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>

#include "evergreen/core/error.h"
#include "evergreen/data/io/text_fields.h"

namespace evergreen {
namespace {

std::vector<Field> split_fields(std::string_view line, char delimiter) {
  std::vector<Field> fields;
  split_fields(line, delimiter, &fields);
  return fields;
}

bool parse_label(std::string_view text, int* label) {
  if (text.empty()) return false;
  std::string buffer(text);
  char* end = nullptr;
  errno = 0;
  long parsed = std::strtol(buffer.c_str(), &end, 10);
  if (end != buffer.c_str() + buffer.size() || errno == ERANGE || parsed < INT32_MIN ||
      parsed > INT32_MAX)
    return false;
  *label = static_cast<int>(parsed);
  return true;
}

bool is_index(const std::string& text) {
  return !text.empty() && text.size() < 10 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string delimiter_text(char delimiter) {
  if (delimiter == '\t') return "tab";
  if (delimiter == ' ') return "whitespace";
  return std::string(1, delimiter);
}

bool delimiter_allowed(char delimiter) {
  return delimiter != '"' && delimiter != '\n' && delimiter != '\r';
}

std::optional<char> parse_delimiter(const std::string& text) {
  if (text == "tab" || text == "\t") return '\t';
  if (text == "space" || text == "whitespace" || text == " ") return ' ';
  if (text.size() == 1 && delimiter_allowed(text[0])) return text[0];
  return std::nullopt;
}

}  // namespace

// One statement per option, which clang-format would break into one line per argument.
// clang-format off
const OptionSchema<CsvSeriesOptions>& csv_series_schema() {
  static const OptionSchema<CsvSeriesOptions> schema = [] {
    OptionSchema<CsvSeriesOptions> s("CSV series");
    s.add("column", [](auto& o) -> auto& { return o.column(); },
          "header name or 0-based field index (a header name that looks like an index wins)")
        .check([](const auto& o) { return !o.column().empty(); },
               "must be a header name or a 0-based index");
    s.add("header", [](auto& o) -> auto& { return o.header(); },
          "whether the first row is a header; auto: when its field in the column is not a "
          "number, or the column is given by name")
        .choices({"auto", "true", "false"});
    s.add_parsed("delimiter", [](auto& o) -> auto& { return o.delimiter(); },
                 "field separator: one character, tab, or whitespace (runs of spaces and tabs)",
                 delimiter_text, parse_delimiter,
                 "one character (not a quote or a line break), tab or whitespace")
        .check([](const auto& o) { return delimiter_allowed(o.delimiter()); },
               "must not be a quote or a line break");
    s.add("layout", [](auto& o) -> auto& { return o.layout(); },
          "columns: one row per step; flat: every field of every line is the next value, as in "
          "the NASA trace's one line of per-second counts")
        .choices({"columns", "flat"});
    s.add("resample", [](auto& o) -> auto& { return o.resample(); },
          "aggregate k consecutive values into one point; a trailing partial group is dropped so "
          "that every point covers the same time")
        .min(1);
    s.add("aggregate", [](auto& o) -> auto& { return o.aggregate(); },
          "how resampled rows combine: mean for utilisation, sum for counts")
        .choices({"mean", "sum"});
    s.add("step_seconds", [](auto& o) -> auto& { return o.step_seconds(); },
          "seconds between rows; the series' step is step_seconds * resample")
        .greater_than(0);
    s.add("invalid_values", [](auto& o) -> auto& { return o.invalid_values(); },
          "sentinels and non-finite values: an error, or the row is dropped and counted in the "
          "stream's dropped_points")
        .choices({"error", "drop"});
    s.add("sentinels", [](auto& o) -> auto& { return o.sentinels(); },
          "values meaning \"missing\", e.g. [-1, 101] for Alibaba cluster-trace-v2018");
    s.add("label_column", [](auto& o) -> auto& { return o.label_column(); },
          "optional column of integer anomaly labels (e.g. a generated file's anomaly_kind); a "
          "resampled point takes its group's largest label")
        .check([](const auto& o) { return o.layout() == "columns" || o.label_column().empty(); },
               "must be empty with layout flat");
    return s;
  }();
  return schema;
}
// clang-format on

void check_csv_series_options(const CsvSeriesOptions& options) {
  csv_series_schema().validate(options);
}

namespace {

// A column chosen by name or index, resolved against the header (when there is one).
struct ResolvedColumn {
  int64_t index = -1;
  std::string name;  // for messages: the header's name, else the index as given
};

ResolvedColumn resolve_column(const std::string& file, int64_t line_number, const std::string& key,
                              const std::string& column, const std::vector<std::string>* header) {
  if (header) {
    auto found = std::find(header->begin(), header->end(), column);
    if (found != header->end()) return {static_cast<int64_t>(found - header->begin()), column};
    if (is_index(column)) {
      int64_t index = std::stoll(column);
      EVERGREEN_CHECK_INPUT(index < static_cast<int64_t>(header->size()),
                            "{}:{}: option '{}': index {} is out of range: the header has {} "
                            "fields ({})",
                            file, line_number, key, index, header->size(),
                            fmt::join(*header, ", "));
      return {index, (*header)[index]};
    }
    throw InputError(fmt::format("{}:{}: option '{}': no column named '{}' (the header has: {})",
                                 file, line_number, key, column, fmt::join(*header, ", ")));
  }
  EVERGREEN_CHECK_INPUT(is_index(column),
                        "{}: option '{}': '{}' is a column name, but the file is read without a "
                        "header (header: false); give a 0-based index",
                        file, key, column);
  return {std::stoll(column), column};
}

// Decides whether the first non-blank row is a header.
bool first_row_is_header(const CsvSeriesOptions& options, const std::vector<Field>& fields) {
  if (options.header() != "auto") return options.header() == "true";
  if (options.layout() == "columns" && !is_index(options.column())) return true;
  int64_t index = options.layout() == "flat" ? 0 : std::stoll(options.column());
  if (index >= static_cast<int64_t>(fields.size())) return false;  // reported as a ragged row
  double ignored;
  return !parse_double(fields[index].text, &ignored);
}

// Accumulates values and labels; judges invalid values by the options' policy.
class SeriesBuilder {
 public:
  SeriesBuilder(std::string file, const CsvSeriesOptions& options)
      : file_(std::move(file)), options_(options) {}

  // Returns false when the row was dropped.
  bool add_value(int64_t line_number, const Field& field, const std::string& what) {
    double value;
    EVERGREEN_CHECK_INPUT(parse_double(field.text, &value),
                          "{}:{}:{}: {}: expected a number, got '{}'", file_, line_number,
                          field.column, what, shorten(field.text));
    bool finite = std::isfinite(value);
    bool sentinel = std::find(options_.sentinels().begin(), options_.sentinels().end(), value) !=
                    options_.sentinels().end();
    if (finite && !sentinel) {
      values_.push_back(value);
      return true;
    }
    if (options_.invalid_values() == "drop") {
      ++dropped_;
      return false;
    }
    throw InputError(fmt::format(
        "{}:{}:{}: {}: {}, got '{}' (set invalid_values: drop to skip "
        "such rows)",
        file_, line_number, field.column, what,
        finite ? "a value listed in sentinels" : "not a finite number", shorten(field.text)));
  }

  void add_label(int64_t line_number, const Field& field, const std::string& what) {
    int label;
    EVERGREEN_CHECK_INPUT(parse_label(field.text, &label),
                          "{}:{}:{}: {}: expected an integer label, got '{}'", file_, line_number,
                          field.column, what, shorten(field.text));
    labels_.push_back(label);
  }

  Series finish(const std::string& name) {
    EVERGREEN_CHECK_INPUT(!values_.empty() || dropped_ == 0,
                          "{}: the series is empty: all {} values were invalid and dropped", file_,
                          dropped_);
    EVERGREEN_CHECK_INPUT(!values_.empty(), "{}: the series is empty: no data rows", file_);
    const int64_t factor = options_.resample();
    const int64_t groups = static_cast<int64_t>(values_.size()) / factor;
    EVERGREEN_CHECK_INPUT(groups > 0,
                          "{}: the series is empty after resampling: {} values are fewer than "
                          "resample factor {}",
                          file_, values_.size(), factor);
    Series series;
    series.name = name;
    series.step_seconds = options_.step_seconds() * static_cast<double>(factor);
    series.dropped_points = dropped_;
    series.values.resize(groups);
    if (!labels_.empty()) series.anomaly_labels.resize(groups);
    const bool mean = options_.aggregate() == "mean";
    for (int64_t group = 0; group < groups; ++group) {
      double sum = 0;
      int label = 0;
      for (int64_t i = group * factor; i < (group + 1) * factor; ++i) {
        sum += values_[i];
        if (!labels_.empty()) label = std::max(label, labels_[i]);
      }
      double point = mean ? sum / static_cast<double>(factor) : sum;
      // Finite values can sum past the largest double; their mean still fits, so it is summed
      // again in extended range (only then: results stay those of plain double sums).
      if (!std::isfinite(point) && mean) point = extended_mean(group * factor, factor);
      EVERGREEN_CHECK_INPUT(std::isfinite(point),
                            "{}: {}: values {}-{} (resample {}, aggregate {}): their {} is not a "
                            "finite number",
                            file_, column_, group * factor + 1, (group + 1) * factor, factor,
                            options_.aggregate(), mean ? "mean" : "sum");
      series.values[group] = point;
      if (!labels_.empty()) series.anomaly_labels[group] = label;
    }
    return series;
  }

  // "column 'NAME'" (or "value" in the flat layout) for messages about the whole series.
  void set_column(std::string column) { column_ = std::move(column); }

 private:
  double extended_mean(int64_t first, int64_t count) const {
    long double sum = 0;
    for (int64_t i = first; i < first + count; ++i) sum += values_[i];
    return static_cast<double>(sum / static_cast<long double>(count));
  }

  std::string file_;
  const CsvSeriesOptions& options_;
  std::string column_ = "value";
  std::vector<double> values_;
  std::vector<int> labels_;
  int64_t dropped_ = 0;
};

}  // namespace

Series read_csv_series(const std::string& file, const CsvSeriesOptions& options) {
  check_csv_series_options(options);
  std::error_code error;
  EVERGREEN_CHECK_INPUT(std::filesystem::exists(file, error), "{}: file not found", file);
  EVERGREEN_CHECK_INPUT(!std::filesystem::is_directory(file, error),
                        "{}: is a directory, expected a CSV file", file);
  std::ifstream in(file, std::ios::binary);
  EVERGREEN_CHECK_INPUT(in.good(), "{}: cannot open for reading", file);

  const bool flat = options.layout() == "flat";
  SeriesBuilder builder(file, options);
  bool first_row = true;
  ResolvedColumn value_column;
  ResolvedColumn label_column;
  std::string line;
  for (int64_t line_number = 1; std::getline(in, line); ++line_number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 BOM
    if (is_blank(line)) continue;

    if (flat) {
      if (first_row) {
        first_row = false;
        std::vector<Field> first_field;
        for_each_field(line, options.delimiter(), [&](const Field& field) {
          if (first_field.empty()) first_field.push_back(field);
        });
        if (first_row_is_header(options, first_field)) continue;
      }
      for_each_field(line, options.delimiter(),
                     [&](const Field& field) { builder.add_value(line_number, field, "value"); });
      continue;
    }

    std::vector<Field> fields = split_fields(line, options.delimiter());
    if (first_row) {
      first_row = false;
      bool header = first_row_is_header(options, fields);
      std::vector<std::string> names;
      for (const Field& field : fields) names.emplace_back(field.text);
      const std::vector<std::string>* header_names = header ? &names : nullptr;
      value_column = resolve_column(file, line_number, "column", options.column(), header_names);
      if (!options.label_column().empty()) {
        label_column =
            resolve_column(file, line_number, "label_column", options.label_column(), header_names);
      }
      if (header) continue;
    }
    for (const ResolvedColumn* column : {&value_column, &label_column}) {
      if (column->index < 0) continue;
      EVERGREEN_CHECK_INPUT(column->index < static_cast<int64_t>(fields.size()),
                            "{}:{}: column '{}' (index {}) is missing: expected at least {} "
                            "fields, got {}",
                            file, line_number, column->name, column->index, column->index + 1,
                            fields.size());
    }
    bool kept = builder.add_value(line_number, fields[value_column.index],
                                  fmt::format("column '{}'", value_column.name));
    if (kept && label_column.index >= 0) {
      builder.add_label(line_number, fields[label_column.index],
                        fmt::format("column '{}'", label_column.name));
    }
  }
  EVERGREEN_CHECK_INPUT(!in.bad(), "{}: read error", file);

  std::string base = std::filesystem::path(file).filename().string();
  if (!flat) builder.set_column(fmt::format("column '{}'", value_column.name));
  return builder.finish(flat ? base : base + ":" + value_column.name);
}

}  // namespace evergreen
