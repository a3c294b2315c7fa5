// The EasyTPP JSON reader (data/tpp/easytpp_format.cpp, on data/io/json_records.h) on arbitrary
// files: JSON lines or one array of sequence objects.
//
// Input: the file's contents.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "evergreen/data/tpp/event_sequences.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evergreen::fuzz::initialize_fuzz_process();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace evergreen;
  const std::string file = fuzz::write_fuzz_file(
      "train.json", std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::expect_only_input_errors([&] { read_easytpp_json(file); });
  return 0;
}
