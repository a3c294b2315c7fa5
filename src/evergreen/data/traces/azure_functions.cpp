#include "evergreen/data/traces/azure_functions.h"

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <limits>
#include <utility>

#include "evergreen/core/error.h"
#include "evergreen/data/io/input_file.h"
#include "evergreen/data/io/text_fields.h"

namespace evergreen {
namespace {

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
      EVERGREEN_CHECK_INPUT(!__builtin_add_overflow((*minutes)[minute], count, &(*minutes)[minute]),
                            "{}:{}:{}: column '{}': the counts of the selected rows add up to more "
                            "than {} invocations in one minute",
                            file, line_number, field.column, minute + 1,
                            std::numeric_limits<int64_t>::max());
    }
  }
  EVERGREEN_CHECK_INPUT(!in.bad(), "{}: read error", file);
  EVERGREEN_CHECK_INPUT(!header,
                        "{}: empty file: expected the header HashOwner,HashApp,"
                        "HashFunction,Trigger,1,...,1440",
                        file);
  return {rows, selected};
}

}  // namespace

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
    const int64_t begin = group * options.resample();
    const int64_t end = begin + options.resample();
    for (int64_t i = begin; i < end; ++i) {
      EVERGREEN_CHECK_INPUT(!__builtin_add_overflow(sum, minutes[i], &sum),
                            "{}: minutes {}-{} (resample {}): their invocations add up to more "
                            "than {}",
                            files.front(), begin + 1, end, options.resample(),
                            std::numeric_limits<int64_t>::max());
    }
    series.values[group] = static_cast<double>(sum);
  }
  if (report) {
    report->rows = rows;
    report->selected_rows = selected;
  }
  return series;
}

}  // namespace evergreen
