// The ZIP layer (data/io/zip_archive.h) on arbitrary files: the central directory (ZIP64
// included), then every entry extracted, as any .npz reader may ask for any of them.
//
// Input: the archive's contents.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "evergreen/data/io/zip_archive.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  evergreen::fuzz::initialize_fuzz_process();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace evergreen;
  const std::string file = fuzz::write_fuzz_file(
      "archive.npz", std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::expect_only_input_errors([&] {
    ZipArchive zip(file);
    (void)zip.names();
    for (const ZipEntry& entry : zip.entries()) {
      if (zip.find(entry.name) != &entry) continue;  // a duplicate name: find gives the first
      fuzz::expect_only_input_errors([&] { zip.extract(entry); });
    }
  });
  return 0;
}
