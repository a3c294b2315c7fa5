#include "evergreen/data/io/npy_array.h"

#include <fmt/format.h>

#include <cstring>

#include "evergreen/core/error.h"
#include "evergreen/data/io/little_endian.h"
#include "evergreen/data/io/text_fields.h"

namespace evergreen {
namespace {

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

}  // namespace

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
  const size_t header_length = read_little_endian(data, 8, major == 1 ? 2 : 4);
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
                        where, shorten_first_line(descr));

  p = npy_header_value(header, "fortran_order");
  std::string_view order;
  if (p != std::string_view::npos) {
    order = header.substr(p);
    order = trim(order.substr(0, order.find_first_of(",}")));
  }
  EVERGREEN_CHECK_INPUT(order == "False",
                        "{}: .npy header field 'fortran_order': expected False "
                        "(C order), got '{}'",
                        where, shorten_first_line(order));

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
                        where, shorten_first_line(shape_text));

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
    uint64_t bits = read_little_endian(data, data_start + 8 * i, 8);
    std::memcpy(&array.values[i], &bits, sizeof(double));
  }
  return array;
}

std::string npy_float32_bytes(const std::vector<float>& values, const std::vector<int64_t>& shape) {
  std::string dims;
  for (int64_t extent : shape) dims += std::to_string(extent) + ",";
  if (shape.size() > 1) dims.pop_back();  // (3,) for one axis, (2, 3) without a trailing comma
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // The magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return bytes;
}

}  // namespace evergreen
