// Cutting a JSON file into its top-level objects, each with the line it starts on, so that a
// reader's every message names the file's own line whether the file holds JSON lines or one
// array of objects. Messages call an object a sequence: the records read so far are EasyTPP's.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace evergreen {

/// One top-level JSON object of a file: its text (a view into the file's contents) and the
/// 1-based line it starts on. nlohmann::json reports positions relative to what it parses, hence
/// the cut before parsing.
struct JsonRecord {
  std::string_view text;
  int64_t line = 0;
};

/// The top-level objects of `content`, the contents of `file`: JSON lines (objects simply
/// following each other, whatever the spacing) or one array of objects, after an optional UTF-8
/// byte-order mark. An empty file gives no records. Whether each object is valid JSON is left to
/// parse_json_record; anything else between or around the objects is an InputError naming the
/// line. The records view `content`, which must outlive them.
///
/// Example:
///   const std::string content = read_whole_file("train.json");  // io/input_file.h
///   for (const JsonRecord& record : split_json_records("train.json", content)) ...
std::vector<JsonRecord> split_json_records(const std::string& file, std::string_view content);

/// `record` parsed; invalid JSON is an InputError "FILE:LINE: invalid JSON: REASON" naming the
/// line of the error itself inside a multi-line record.
nlohmann::json parse_json_record(const std::string& file, const JsonRecord& record);

}  // namespace evergreen
