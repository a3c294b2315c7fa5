#include "evergreen/data/io/json_records.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "evergreen/core/error.h"
#include "evergreen/data/io/text_fields.h"

namespace evergreen {
namespace {

// One pass over the contents, counting lines as it goes.
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
                          line_, shorten_first_line(content_.substr(position_, 40)));
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
                          expected, shorten_first_line(content_.substr(position_, 40)));
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

// nlohmann's message counts lines within the record; parse_json_record names the file's line
// instead, so only the part after "line L, column C: " is kept.
std::string parse_error_reason(const nlohmann::json::parse_error& error) {
  std::string message = error.what();
  size_t column = message.find("column ");
  if (column != std::string::npos) {
    size_t colon = message.find(": ", column);
    if (colon != std::string::npos) return message.substr(colon + 2);
  }
  return message;
}

}  // namespace

std::vector<JsonRecord> split_json_records(const std::string& file, std::string_view content) {
  return JsonRecordSplitter(file, content).split();
}

nlohmann::json parse_json_record(const std::string& file, const JsonRecord& record) {
  try {
    return nlohmann::json::parse(record.text);
  } catch (const nlohmann::json::parse_error& error) {
    // The byte offset locates the error's own line inside a multi-line record.
    size_t byte = std::min<size_t>(error.byte, record.text.size());
    int64_t line = record.line + std::count(record.text.begin(),
                                            record.text.begin() + (byte > 0 ? byte - 1 : 0), '\n');
    // Python's json module writes NaN and Infinity unless told not to: say why they fail.
    const bool python_literal = record.text.find("NaN") != std::string_view::npos ||
                                record.text.find("Infinity") != std::string_view::npos;
    throw InputError(fmt::format("{}:{}: invalid JSON: {}{}", file, line, parse_error_reason(error),
                                 python_literal ? " (NaN and Infinity are not JSON)" : ""));
  } catch (const nlohmann::json::out_of_range& error) {
    // The one error parsing throws besides parse_error: a number beyond a double's range
    // ("number overflow parsing '1e400'"), without a position; the number's text locates it.
    const std::string message = error.what();
    const size_t open = message.find('\'');
    const size_t close = message.rfind('\'');
    if (open == std::string::npos || close <= open) {
      throw InputError(
          fmt::format("{}:{}: invalid JSON: {}", file, record.line, shorten_first_line(message)));
    }
    const std::string_view number = std::string_view(message).substr(open + 1, close - open - 1);
    const size_t at = record.text.find(number);
    const int64_t line =
        record.line + (at == std::string_view::npos
                           ? 0
                           : std::count(record.text.begin(), record.text.begin() + at, '\n'));
    throw InputError(fmt::format(
        "{}:{}: invalid JSON: number overflow parsing '{}' (beyond the range of a double)", file,
        line, shorten(number)));
  }
}

}  // namespace evergreen
