#include "evergreen/data/tpp/event_sequences.h"

#include <fmt/format.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "evergreen/core/error.h"
#include "evergreen/data/input_file.h"
#include "evergreen/data/text_fields.h"

namespace evergreen {

int64_t EventDataset::num_events() const {
  int64_t total = 0;
  for (const MarkedSequence& sequence : sequences)
    total += static_cast<int64_t>(sequence.times.size());
  return total;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Shared helpers

std::string read_whole_file(const std::string& file) {
  std::ifstream in = open_input_file(file);
  std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EVERGREEN_CHECK_INPUT(!in.bad(), "{}: read error", file);
  return contents;
}

// Long garbage (a binary file read as text) must not make a message unreadable, and a quoted
// snippet must not break the message's single line.
std::string shorten(std::string_view text) {
  text = text.substr(0, text.find_first_of("\r\n"));
  if (text.size() <= 40) return std::string(text);
  return std::string(text.substr(0, 37)) + "...";
}

// ---------------------------------------------------------------------------------------------
// EasyTPP JSON

// One top-level JSON object of the file and the line it starts on. nlohmann::json reports
// positions relative to what it parses, so the file is cut into objects first: then every
// message can name the file's own line, whether the file is JSON lines or one array.
struct JsonRecord {
  std::string_view text;
  int64_t line = 0;
};

class JsonRecordSplitter {
 public:
  JsonRecordSplitter(const std::string& file, std::string_view content)
      : file_(file), content_(content) {
    if (content_.substr(0, 3) == "\xEF\xBB\xBF") position_ = 3;
  }

  std::vector<JsonRecord> split() {
    std::vector<JsonRecord> records;
    skip_space();
    if (at_end()) return records;
    if (content_[position_] != '[') {
      // JSON lines (or objects simply following each other).
      while (!at_end()) {
        expect_object_start("a JSON object per sequence");
        records.push_back(scan_object());
        skip_space();
      }
      return records;
    }
    ++position_;
    skip_space();
    if (!at_end() && content_[position_] == ']') {
      ++position_;
    } else {
      while (true) {
        expect_object_start("a JSON object per sequence inside the array");
        records.push_back(scan_object());
        skip_space();
        EVERGREEN_CHECK_INPUT(!at_end(), "{}:{}: the JSON array is not closed: expected ']'", file_,
                              line_);
        char next = content_[position_++];
        if (next == ']') break;
        EVERGREEN_CHECK_INPUT(next == ',', "{}:{}: expected ',' or ']' after a sequence, got '{}'",
                              file_, line_, next);
        skip_space();
      }
    }
    skip_space();
    EVERGREEN_CHECK_INPUT(at_end(), "{}:{}: expected nothing after the JSON array, got '{}'", file_,
                          line_, shorten(content_.substr(position_, 40)));
    return records;
  }

 private:
  bool at_end() const { return position_ >= content_.size(); }

  void skip_space() {
    while (!at_end()) {
      char c = content_[position_];
      if (c == '\n') {
        ++line_;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        return;
      }
      ++position_;
    }
  }

  void expect_object_start(const char* expected) {
    EVERGREEN_CHECK_INPUT(!at_end(), "{}:{}: unexpected end of file: expected {}", file_, line_,
                          expected);
    EVERGREEN_CHECK_INPUT(content_[position_] == '{', "{}:{}: expected {}, got '{}'", file_, line_,
                          expected, shorten(content_.substr(position_, 40)));
  }

  // The object starting at position_, found by matching brackets outside strings; whether the
  // inside is valid JSON is nlohmann's to judge.
  JsonRecord scan_object() {
    const size_t begin = position_;
    const int64_t begin_line = line_;
    int64_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (; !at_end(); ++position_) {
      char c = content_[position_];
      if (c == '\n') ++line_;
      if (in_string) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          in_string = false;
        }
        continue;
      }
      if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) {
          ++position_;
          return {content_.substr(begin, position_ - begin), begin_line};
        }
      }
    }
    throw InputError(fmt::format("{}:{}: the JSON object starting on this line is not closed",
                                 file_, begin_line));
  }

  std::string file_;
  std::string_view content_;
  size_t position_ = 0;
  int64_t line_ = 1;
};

// nlohmann's message counts lines within the record; the caller names the file's line instead,
// so only the part after "line L, column C: " is kept.
std::string parse_error_reason(const nlohmann::json::parse_error& error) {
  std::string message = error.what();
  size_t column = message.find("column ");
  if (column != std::string::npos) {
    size_t colon = message.find(": ", column);
    if (colon != std::string::npos) return message.substr(colon + 2);
  }
  return message;
}

// Reads one EasyTPP record, naming its sequence and line in every error.
class EasytppRecordReader {
 public:
  EasytppRecordReader(const std::string& file, const JsonRecord& record, int64_t index)
      : where_(fmt::format("{}:{}: sequence {}", file, record.line, index + 1)) {
    try {
      json_ = nlohmann::json::parse(record.text);
    } catch (const nlohmann::json::parse_error& error) {
      // The byte offset locates the error's own line inside a multi-line record.
      size_t byte = std::min<size_t>(error.byte, record.text.size());
      int64_t line =
          record.line +
          std::count(record.text.begin(), record.text.begin() + (byte > 0 ? byte - 1 : 0), '\n');
      // Python's json module writes NaN and Infinity unless told not to: say why they fail.
      const bool python_literal = record.text.find("NaN") != std::string_view::npos ||
                                  record.text.find("Infinity") != std::string_view::npos;
      throw InputError(fmt::format("{}:{}: invalid JSON: {}{}", file, line,
                                   parse_error_reason(error),
                                   python_literal ? " (NaN and Infinity are not JSON)" : ""));
    }
  }

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
                                 shorten(value.dump())));
  }

  const nlohmann::json& array(const char* key, int64_t length) const {
    const nlohmann::json& value = field(key);
    EVERGREEN_CHECK_INPUT(value.is_array(), "{}: field '{}': expected an array, got {}", where_,
                          key, shorten(value.dump()));
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
                            where_, key, i, shorten(value.dump()));
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
  std::vector<JsonRecord> records = JsonRecordSplitter(file, content).split();
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

// ---------------------------------------------------------------------------------------------
// RMTPP paired text files

namespace {

// The lines of `file` without line-end characters; blank lines at the end are dropped (editors
// and `echo >>` leave them), a UTF-8 byte-order mark is removed.
std::vector<std::string> read_lines(const std::string& file) {
  check_readable_file(file);
  std::ifstream in(file, std::ios::binary);
  EVERGREEN_CHECK_INPUT(in.good(), "{}: cannot open for reading", file);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lines.empty() && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
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
                            event_file, line, field.column, event, shorten(field.text));
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
                            time_file, line, field.column, event, shorten(field.text));
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

// ---------------------------------------------------------------------------------------------
// NumPy .npz arrival times

namespace {

uint64_t little_endian(std::string_view bytes, size_t offset, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i)
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  return value;
}

uint32_t crc32(std::string_view bytes) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> entries{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      entries[n] = c;
    }
    return entries;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (char byte : bytes) crc = table[(crc ^ static_cast<unsigned char>(byte)) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Where an entry's bytes are, from the central directory: local headers may carry placeholder
// sizes (NumPy writes ZIP64 local headers), the central directory always has the real ones.
struct ZipEntry {
  std::string name;
  uint16_t flags = 0;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;
  uint64_t local_header_offset = 0;
};

class ZipReader {
 public:
  explicit ZipReader(const std::string& file) : file_(file) {
    check_readable_file(file);
    in_.open(file, std::ios::binary);
    EVERGREEN_CHECK_INPUT(in_.good(), "{}: cannot open for reading", file);
    in_.seekg(0, std::ios::end);
    file_size_ = static_cast<uint64_t>(in_.tellg());
    read_central_directory();
  }

  const ZipEntry* find(const std::string& name) const {
    for (const ZipEntry& entry : entries_)
      if (entry.name == name) return &entry;
    return nullptr;
  }

  std::string names() const {
    std::vector<std::string> names;
    for (const ZipEntry& entry : entries_) names.push_back("'" + entry.name + "'");
    return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
  }

  // The uncompressed bytes of `entry`.
  std::string extract(const ZipEntry& entry) {
    EVERGREEN_CHECK_INPUT((entry.flags & 1) == 0,
                          "{}: entry '{}' is encrypted: expected a plain "
                          "NumPy .npz",
                          file_, entry.name);
    std::string header = read(entry.local_header_offset, 30, "local file header");
    EVERGREEN_CHECK_INPUT(little_endian(header, 0, 4) == 0x04034b50,
                          "{}: entry '{}': no local "
                          "file header at offset {}: the archive is corrupt",
                          file_, entry.name, entry.local_header_offset);
    uint64_t data_offset = entry.local_header_offset + 30 + little_endian(header, 26, 2) +
                           little_endian(header, 28, 2);
    if (entry.method == 8) return inflate_with_unzip(entry);
    EVERGREEN_CHECK_INPUT(entry.method == 0,
                          "{}: entry '{}': compression method {}: expected 0 "
                          "(stored) or 8 (deflated)",
                          file_, entry.name, entry.method);
    EVERGREEN_CHECK_INPUT(entry.compressed_size == entry.size,
                          "{}: entry '{}' is stored but its "
                          "sizes differ ({} and {} bytes): the archive is corrupt",
                          file_, entry.name, entry.compressed_size, entry.size);
    std::string data = read(data_offset, entry.size, "entry data");
    uint32_t computed = crc32(data);
    EVERGREEN_CHECK_INPUT(computed == entry.crc,
                          "{}: entry '{}': CRC-32 {:08x} expected, data "
                          "gives {:08x}: the archive is corrupt",
                          file_, entry.name, entry.crc, computed);
    return data;
  }

 private:
  std::string read(uint64_t offset, uint64_t size, const char* what) {
    EVERGREEN_CHECK_INPUT(offset <= file_size_ && size <= file_size_ - offset,
                          "{}: {} at offset "
                          "{} ({} bytes) runs past the end of the file ({} bytes): the archive is "
                          "truncated or corrupt",
                          file_, what, offset, size, file_size_);
    std::string bytes(size, '\0');
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(bytes.data(), static_cast<std::streamsize>(size));
    EVERGREEN_CHECK_INPUT(static_cast<uint64_t>(in_.gcount()) == size, "{}: read error", file_);
    return bytes;
  }

  void read_central_directory() {
    // The end-of-central-directory record is 22 bytes plus a comment of at most 65,535.
    const uint64_t tail_size = std::min<uint64_t>(file_size_, 22 + 65535);
    const uint64_t tail_offset = file_size_ - tail_size;
    std::string tail = read(tail_offset, tail_size, "end of file");
    size_t end_record = std::string_view::npos;
    for (size_t p = tail.size() >= 22 ? tail.size() - 22 + 1 : 0; p-- > 0;) {
      if (little_endian(tail, p, 4) == 0x06054b50) {
        end_record = p;
        break;
      }
    }
    EVERGREEN_CHECK_INPUT(end_record != std::string_view::npos,
                          "{}: not a zip archive (no "
                          "end-of-central-directory record): expected a NumPy .npz file",
                          file_);
    uint64_t count = little_endian(tail, end_record + 10, 2);
    uint64_t directory_size = little_endian(tail, end_record + 12, 4);
    uint64_t directory_offset = little_endian(tail, end_record + 16, 4);
    if (count == 0xFFFF || directory_size == 0xFFFFFFFF || directory_offset == 0xFFFFFFFF) {
      // ZIP64: a locator just before the record points at the 64-bit end record.
      uint64_t record_offset = tail_offset + end_record;
      EVERGREEN_CHECK_INPUT(record_offset >= 20,
                            "{}: ZIP64 locator missing: the archive is "
                            "corrupt",
                            file_);
      std::string locator = read(record_offset - 20, 20, "ZIP64 locator");
      EVERGREEN_CHECK_INPUT(little_endian(locator, 0, 4) == 0x07064b50,
                            "{}: ZIP64 locator "
                            "missing: the archive is corrupt",
                            file_);
      std::string record = read(little_endian(locator, 8, 8), 56, "ZIP64 end record");
      EVERGREEN_CHECK_INPUT(little_endian(record, 0, 4) == 0x06064b50,
                            "{}: ZIP64 end record "
                            "missing: the archive is corrupt",
                            file_);
      count = little_endian(record, 32, 8);
      directory_size = little_endian(record, 40, 8);
      directory_offset = little_endian(record, 48, 8);
    }
    std::string directory = read(directory_offset, directory_size, "central directory");
    size_t p = 0;
    for (uint64_t i = 0; i < count; ++i) {
      EVERGREEN_CHECK_INPUT(
          p + 46 <= directory.size() && little_endian(directory, p, 4) == 0x02014b50,
          "{}: central directory entry {} is malformed: the archive is corrupt", file_, i + 1);
      ZipEntry entry;
      entry.flags = static_cast<uint16_t>(little_endian(directory, p + 8, 2));
      entry.method = static_cast<uint16_t>(little_endian(directory, p + 10, 2));
      entry.crc = static_cast<uint32_t>(little_endian(directory, p + 16, 4));
      entry.compressed_size = little_endian(directory, p + 20, 4);
      entry.size = little_endian(directory, p + 24, 4);
      size_t name_length = little_endian(directory, p + 28, 2);
      size_t extra_length = little_endian(directory, p + 30, 2);
      size_t comment_length = little_endian(directory, p + 32, 2);
      entry.local_header_offset = little_endian(directory, p + 42, 4);
      EVERGREEN_CHECK_INPUT(
          p + 46 + name_length + extra_length + comment_length <= directory.size(),
          "{}: central directory entry {} is malformed: the archive is corrupt", file_, i + 1);
      entry.name = directory.substr(p + 46, name_length);
      read_zip64_extra(std::string_view(directory).substr(p + 46 + name_length, extra_length),
                       &entry);
      entries_.push_back(std::move(entry));
      p += 46 + name_length + extra_length + comment_length;
    }
  }

  // Sizes and offsets of 0xFFFFFFFF are placeholders whose real values follow, in this order,
  // in the ZIP64 extra field (id 1).
  void read_zip64_extra(std::string_view extra, ZipEntry* entry) {
    for (size_t p = 0; p + 4 <= extra.size();) {
      size_t id = little_endian(extra, p, 2);
      size_t length = little_endian(extra, p + 2, 2);
      if (p + 4 + length > extra.size()) return;
      if (id == 1) {
        size_t q = p + 4;
        for (uint64_t* value :
             {&entry->size, &entry->compressed_size, &entry->local_header_offset}) {
          if (*value != 0xFFFFFFFF) continue;
          EVERGREEN_CHECK_INPUT(q + 8 <= p + 4 + length,
                                "{}: entry '{}': ZIP64 extra field is "
                                "too short: the archive is corrupt",
                                file_, entry->name);
          *value = little_endian(extra, q, 8);
          q += 8;
        }
      }
      p += 4 + length;
    }
  }

  // Deflate is left to the system's unzip, as trace_readers leaves bzip2 to tar: no
  // decompression library in the build for a format NumPy only writes with savez_compressed.
  std::string inflate_with_unzip(const ZipEntry& entry) {
    std::string command =
        fmt::format("unzip -p {} {} 2>/dev/null", shell_quote(file_), shell_quote(entry.name));
    FILE* pipe = popen(command.c_str(), "r");
    EVERGREEN_CHECK_INPUT(pipe != nullptr,
                          "{}: entry '{}' is deflated and 'unzip -p' could not "
                          "be started",
                          file_, entry.name);
    std::string data;
    std::array<char, 1 << 16> buffer{};
    size_t got = 0;
    while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
      data.append(buffer.data(), got);
    int status = pclose(pipe);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::string how = status == -1 ? "could not be waited for"
                        : WIFEXITED(status)
                            ? fmt::format("exited with status {}{}", WEXITSTATUS(status),
                                          WEXITSTATUS(status) == 127 ? " (not installed?)" : "")
                            : "was killed by a signal";
      throw InputError(
          fmt::format("{}: entry '{}' is deflated and 'unzip -p' {}: expected a "
                      "valid zip archive and unzip on the PATH",
                      file_, entry.name, how));
    }
    EVERGREEN_CHECK_INPUT(data.size() == entry.size,
                          "{}: entry '{}': unzip gave {} bytes, the "
                          "central directory says {}: the archive is corrupt",
                          file_, entry.name, data.size(), entry.size);
    return data;
  }

  std::string file_;
  std::ifstream in_;
  uint64_t file_size_ = 0;
  std::vector<ZipEntry> entries_;
};

// The text after `'key':` in a .npy header (a Python dict literal), or npos.
size_t npy_header_value(std::string_view header, const char* key) {
  for (const char quote : {'\'', '"'}) {
    std::string quoted = fmt::format("{}{}{}", quote, key, quote);
    size_t found = header.find(quoted);
    if (found == std::string_view::npos) continue;
    size_t p = header.find_first_not_of(' ', found + quoted.size());
    if (p == std::string_view::npos || header[p] != ':') return std::string_view::npos;
    return header.find_first_not_of(' ', p + 1);
  }
  return std::string_view::npos;
}

struct NpyArray {
  int64_t rows = 0;
  int64_t columns = 0;
  std::vector<double> values;  // row-major
};

NpyArray parse_npy(std::string_view data, const std::string& where) {
  EVERGREEN_CHECK_INPUT(data.size() >= 10 && data.substr(0, 6) == "\x93NUMPY",
                        "{}: expected a "
                        ".npy array (magic \\x93NUMPY)",
                        where);
  const int major = static_cast<unsigned char>(data[6]);
  EVERGREEN_CHECK_INPUT(major >= 1 && major <= 3, "{}: .npy format version {}: expected 1, 2 or 3",
                        where, major);
  const size_t header_start = major == 1 ? 10 : 12;
  EVERGREEN_CHECK_INPUT(data.size() >= header_start, "{}: .npy header truncated", where);
  const size_t header_length = little_endian(data, 8, major == 1 ? 2 : 4);
  EVERGREEN_CHECK_INPUT(header_length <= data.size() - header_start,
                        "{}: .npy header length {} "
                        "runs past the end of the array",
                        where, header_length);
  std::string_view header = data.substr(header_start, header_length);

  size_t p = npy_header_value(header, "descr");
  EVERGREEN_CHECK_INPUT(p != std::string_view::npos && (header[p] == '\'' || header[p] == '"'),
                        "{}: .npy header field 'descr': missing, expected '<f8'", where);
  size_t close = header.find(header[p], p + 1);
  std::string_view descr =
      header.substr(p + 1, close == std::string_view::npos ? 0 : close - p - 1);
  EVERGREEN_CHECK_INPUT(descr == "<f8",
                        "{}: .npy header field 'descr': expected '<f8' "
                        "(little-endian float64), got '{}'",
                        where, shorten(descr));

  p = npy_header_value(header, "fortran_order");
  std::string_view order;
  if (p != std::string_view::npos) {
    order = header.substr(p);
    order = trim(order.substr(0, order.find_first_of(",}")));
  }
  EVERGREEN_CHECK_INPUT(order == "False",
                        "{}: .npy header field 'fortran_order': expected False "
                        "(C order), got '{}'",
                        where, shorten(order));

  p = npy_header_value(header, "shape");
  EVERGREEN_CHECK_INPUT(p != std::string_view::npos && header[p] == '(',
                        "{}: .npy header field "
                        "'shape': expected a tuple (sequences, events)",
                        where);
  close = header.find(')', p);
  EVERGREEN_CHECK_INPUT(close != std::string_view::npos,
                        "{}: .npy header field 'shape': expected "
                        "a tuple (sequences, events)",
                        where);
  std::string_view shape_text = header.substr(p, close - p + 1);
  std::vector<int64_t> shape;
  bool valid = true;
  for_each_field(header.substr(p + 1, close - p - 1), ',', [&](const Field& field) {
    int64_t dimension = 0;
    if (field.text.empty()) return;  // the trailing comma of "(64,)"
    if (!parse_int64(field.text, &dimension) || dimension < 0) valid = false;
    shape.push_back(dimension);
  });
  EVERGREEN_CHECK_INPUT(valid && shape.size() == 2,
                        "{}: .npy header field 'shape': expected 2 "
                        "dimensions (sequences, events), got {}",
                        where, shorten(shape_text));

  NpyArray array;
  array.rows = shape[0];
  array.columns = shape[1];
  const uint64_t payload = data.size() - header_start - header_length;
  const bool fits = array.columns == 0 || static_cast<uint64_t>(array.rows) <=
                                              payload / 8 / static_cast<uint64_t>(array.columns);
  EVERGREEN_CHECK_INPUT(fits && payload == static_cast<uint64_t>(array.rows * array.columns) * 8,
                        "{}: shape {} needs {} x {} x 8 bytes of data, the array holds {}", where,
                        shape_text, array.rows, array.columns, payload);
  array.values.resize(static_cast<size_t>(array.rows * array.columns));
  const size_t data_start = header_start + header_length;
  for (size_t i = 0; i < array.values.size(); ++i) {
    uint64_t bits = little_endian(data, data_start + 8 * i, 8);
    std::memcpy(&array.values[i], &bits, sizeof(double));
  }
  return array;
}

}  // namespace

EventDataset read_npz_arrival_times(const std::string& file, const std::string& array_name) {
  ZipReader zip(file);
  const ZipEntry* entry = zip.find(array_name);
  EVERGREEN_CHECK_INPUT(entry != nullptr,
                        "{}: no entry '{}' in the archive: expected a NumPy "
                        ".npz holding it (entries: {})",
                        file, array_name, zip.names());
  const std::string where = fmt::format("{}: entry '{}'", file, array_name);
  NpyArray array = parse_npy(zip.extract(*entry), where);
  EVERGREEN_CHECK_INPUT(array.rows > 0 && array.columns > 0,
                        "{}: shape ({}, {}): expected at "
                        "least one sequence of at least one event",
                        where, array.rows, array.columns);

  EventDataset dataset;
  dataset.num_types = 1;
  dataset.original_type_ids = {0};
  dataset.sequences.resize(static_cast<size_t>(array.rows));
  for (int64_t row = 0; row < array.rows; ++row) {
    MarkedSequence& sequence = dataset.sequences[row];
    const double* values = array.values.data() + row * array.columns;
    sequence.times.assign(values, values + array.columns);
    sequence.types.assign(static_cast<size_t>(array.columns), 0);
    for (int64_t column = 0; column < array.columns; ++column) {
      double time = values[column];
      EVERGREEN_CHECK_INPUT(std::isfinite(time),
                            "{}: element [{}, {}]: expected a finite time, "
                            "got {}",
                            where, row, column, time);
      EVERGREEN_CHECK_INPUT(column == 0 || time >= values[column - 1],
                            "{}: element [{}, {}]: "
                            "time {} is earlier than the previous one {}: expected non-decreasing "
                            "times in each row",
                            where, row, column, time, values[column - 1]);
    }
  }
  return dataset;
}

}  // namespace evergreen
