#include "evergreen/data/traces/nasa_requests.h"

#include <fmt/format.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/data/io/input_file.h"
#include "evergreen/data/io/subprocess.h"
#include "evergreen/data/io/text_fields.h"

namespace evergreen {
namespace {

bool starts_with_bzip2_magic(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<char, 3> magic{};
  in.read(magic.data(), magic.size());
  return in.gcount() == 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h';
}

// A text stream: the file itself, or what `tar -xOjf FILE` writes. Decompressing through the
// system's tar keeps bzip2 out of the build's dependencies; tar's messages are kept so that a
// failure can be reported in one line.
class TextInput {
 public:
  explicit TextInput(const std::string& file) : file_(file) {
    check_readable_file(file);
    if (!starts_with_bzip2_magic(file)) {
      file_stream_ = std::fopen(file.c_str(), "rb");
      EVERGREEN_CHECK_INPUT(file_stream_ != nullptr, "{}: cannot open for reading", file);
      return;
    }
    EVERGREEN_CHECK_INPUT(tar_.capture_errors(),
                          "{}: cannot create a temporary file for tar's messages", file);
    const bool started = tar_.start("tar -xOjf " + shell_quote(file));
    EVERGREEN_CHECK_INPUT(started, "{}: cannot start 'tar -xOjf' to decompress it", file);
    piped_ = true;
  }

  ~TextInput() {
    if (file_stream_) std::fclose(file_stream_);
  }
  TextInput(const TextInput&) = delete;
  TextInput& operator=(const TextInput&) = delete;

  FILE* stream() { return piped_ ? tar_.stream() : file_stream_; }
  bool decompressed() const { return piped_; }

  // Closes the input; when decompressing and the whole text was read, a failure of tar is an
  // error. A reader that stopped early closed the pipe under tar, which then fails on purpose.
  void close_input(bool read_to_end) {
    const bool read_error = std::ferror(stream()) != 0;
    int status = 0;
    if (piped_) {
      status = tar_.close();
    } else {
      std::fclose(file_stream_);
      file_stream_ = nullptr;
    }
    EVERGREEN_CHECK_INPUT(!read_error, "{}: read error", file_);
    if (!piped_ || !read_to_end || command_succeeded(status)) return;
    // bzip2 starts its report with a blank line: the first non-blank one says what went wrong.
    const std::string message = tar_.first_error_line();
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
  FILE* file_stream_ = nullptr;  // a plain text file
  CommandPipe tar_;              // or tar's output
  bool piped_ = false;
};

}  // namespace

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
  series.name = std::filesystem::path(file).filename().string();
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
    EVERGREEN_CHECK_INPUT(!__builtin_add_overflow(group_sum, count, &group_sum),
                          "{}:{}: field {}: the counts of seconds {}-{} (resample {}) add up to "
                          "more than {} requests",
                          file, line_number, field_number, seconds - group_size,
                          seconds - group_size + options.resample() - 1, options.resample(),
                          std::numeric_limits<int64_t>::max());
    if (++group_size < options.resample()) return true;
    // The text may come out of a small bzip2 archive (a few kilobytes can decompress to
    // gigabytes): the points are bounded by the memory budget as they grow, the old and the
    // new buffer together.
    if (series.values.size() == series.values.capacity()) {
      check_allocation(
          3.0 * sizeof(double) * static_cast<double>(series.values.size()),
          fmt::format("{}:{}: {} points read so far", file, line_number, series.values.size()));
    }
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

}  // namespace evergreen
