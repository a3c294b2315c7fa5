// The IDX reader (data/vision/idx_file.h) on arbitrary files, plain or (from the gzip magic
// 1f 8b on) decompressed through zlib.
//
// Input: the file's contents.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "evergreen/data/vision/idx_file.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evergreen::fuzz::initialize_fuzz_process();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace evergreen;
  const std::string file = fuzz::write_fuzz_file(
      "train-images-idx3-ubyte", std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::expect_only_input_errors([&] { read_idx_file(file); });
  return 0;
}
