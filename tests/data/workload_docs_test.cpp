// docs/workload-data.md's option tables are generated from the schemas: a change to an option
// fails here until the page is updated, and the failure prints the table to paste.
#include <gtest/gtest.h>

#include <filesystem>

#include "evergreen/data/csv_series.h"
#include "evergreen/data/workload_generator.h"
#include "test_support.h"

namespace evergreen {
namespace {

const char* const kPage = "docs/workload-data.md";

// The text between "<!-- options: NAME -->\n" and "<!-- end options -->", or a note on what is
// missing.
std::string options_block(const std::string& page, const std::string& name) {
  const std::string begin = "<!-- options: " + name + " -->\n";
  const std::string end = "<!-- end options -->";
  size_t start = page.find(begin);
  if (start == std::string::npos) return "(no line '" + begin.substr(0, begin.size() - 1) + "')";
  start += begin.size();
  size_t stop = page.find(end, start);
  if (stop == std::string::npos) return "(no '" + end + "' after it)";
  return page.substr(start, stop - start);
}

void expect_block(const std::string& name, const std::string& table) {
  std::string page =
      evergreen::testing::read_text((std::filesystem::path(EVERGREEN_SOURCE_DIR) / kPage).string());
  EXPECT_TRUE(options_block(page, name) == table)
      << kPage << ": the block '<!-- options: " << name
      << " -->' differs from the schema; replace it by:\n<!-- options: " << name << " -->\n"
      << table << "<!-- end options -->";
}

TEST(WorkloadDocs, GeneratorTableIsTheSchemas) {
  expect_block("workload_generator", workload_generator_schema().markdown_table());
}

TEST(WorkloadDocs, CsvSeriesTableIsTheSchemas) {
  expect_block("csv_series", csv_series_schema().markdown_table());
}

}  // namespace
}  // namespace evergreen
