#include "evergreen/core/batch.h"

#include <gtest/gtest.h>

namespace evergreen {
namespace {

TEST(Batch, RowsSliceAndCatKeepNamesAligned) {
  Batch batch{{"x", torch::arange(12, torch::kFloat).view({6, 2})},
              {"y", torch::arange(6, torch::kFloat)}};
  EXPECT_EQ(batch.size(), 6);
  EXPECT_EQ(batch.bytes(), 18 * 4);
  Batch picked = batch.rows(torch::tensor({4, 1}, torch::kLong));
  EXPECT_TRUE(torch::equal(picked.at("y"), torch::tensor({4.0f, 1.0f})));
  EXPECT_TRUE(torch::equal(picked.at("x")[0], torch::tensor({8.0f, 9.0f})));
  Batch sliced = batch.slice(2, 4);
  EXPECT_TRUE(torch::equal(sliced.at("y"), torch::tensor({2.0f, 3.0f})));
  Batch joined = Batch::cat({sliced, Batch(), picked});
  EXPECT_TRUE(torch::equal(joined.at("y"), torch::tensor({2.0f, 3.0f, 4.0f, 1.0f})));
  EXPECT_EQ(Batch::cat({}).size(), 0);
}

}  // namespace
}  // namespace evergreen
