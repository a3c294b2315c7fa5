#include "evergreen/data/vision/classic_streams.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/data/vision/idx_file.h"
#include "test_support.h"

namespace evergreen {
namespace {

using evergreen::testing::input_error_of;

void expect_error_mentions(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

/// A plain IDX file of unsigned bytes.
void write_idx(const std::string& file, const std::vector<int32_t>& dims,
               const torch::Tensor& values) {
  std::string bytes = {'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (int32_t dim : dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes += static_cast<char>((dim >> shift) & 0xff);
  auto data = values.to(torch::kUInt8).contiguous();
  bytes.append(reinterpret_cast<const char*>(data.data_ptr<uint8_t>()), data.numel());
  testing::write_text(file, bytes);
}

// Training labels in a fixed shuffled order, three rows of each of the six classes; the test split
// holds two of each. Row i's pixel p is (i + 16 p) mod 256, distinct within the row, so a pixel
// permutation can be read back from any row.
const std::vector<int64_t> kTrainLabels = {0, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0, 0, 2, 4, 1, 3, 5};
const std::vector<int64_t> kTestLabels = {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5};

torch::Tensor fake_images(int64_t rows, int64_t offset) {
  auto row = torch::arange(rows, torch::kInt64).view({rows, 1}) + offset;
  auto pixel = torch::arange(16, torch::kInt64).view({1, 16});
  return (row + 16 * pixel).remainder(256).to(torch::kUInt8).view({rows, 1, 4, 4});
}

class ImageStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto train_rows = static_cast<int32_t>(kTrainLabels.size());
    const auto test_rows = static_cast<int32_t>(kTestLabels.size());
    train_images_ = fake_images(train_rows, 0);
    test_images_ = fake_images(test_rows, 100);
    write_idx(directory_.file("train-images-idx3-ubyte"), {train_rows, 4, 4}, train_images_);
    write_idx(directory_.file("train-labels-idx1-ubyte"), {train_rows},
              torch::tensor(kTrainLabels));
    write_idx(directory_.file("t10k-images-idx3-ubyte"), {test_rows, 4, 4}, test_images_);
    write_idx(directory_.file("t10k-labels-idx1-ubyte"), {test_rows}, torch::tensor(kTestLabels));
  }

  /// Options for the fake data set with `extra` YAML entries, e.g. "{tasks: 3}".
  Options options(const std::string& extra = "{}") {
    YAML::Node node = YAML::Load(extra);
    node["path"] = directory_.path();
    return Options(node, "stream", "run.yaml");
  }

  testing::TemporaryDirectory directory_;
  torch::Tensor train_images_, test_images_;
};

std::set<int64_t> labels_of(const Batch& batch) {
  auto labels = batch.at("y");
  return {labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel()};
}

// ---------------------------------------------------------------------------------------------
// Split

TEST_F(ImageStreamTest, SplitTasksHoldTheirClassesInFileOrder) {
  Options opts = options("{tasks: 3, classes_per_task: 2}");
  Stream stream = make_split_image_stream(opts);
  ASSERT_EQ(stream.size(), 3);
  EXPECT_EQ(stream.spec.kind, StreamKind::kClassification);
  EXPECT_EQ(stream.spec.num_classes, 6);
  EXPECT_EQ(stream.spec.classes_per_task, 2);
  EXPECT_EQ(stream.spec.input_shape, (std::vector<int64_t>{1, 4, 4}));
  EXPECT_EQ(stream.metadata.at("protocol"), "class-incremental");
  EXPECT_EQ(stream.metadata.at("source"), directory_.path());
  EXPECT_EQ(stream.name, "split " + std::filesystem::path(directory_.path()).filename().string());

  // Hand-read from kTrainLabels / kTestLabels: the rows with label in {2t, 2t + 1}.
  const std::vector<std::vector<int64_t>> train_rows = {
      {0, 1, 10, 11, 12, 15}, {2, 3, 8, 9, 13, 16}, {4, 5, 6, 7, 14, 17}};
  const std::vector<std::vector<int64_t>> test_rows = {{0, 1, 6, 7}, {2, 3, 8, 9}, {4, 5, 10, 11}};
  for (int64_t task = 0; task < 3; ++task) {
    const Experience& experience = stream.experiences[task];
    EXPECT_EQ(experience.id, task);
    EXPECT_EQ(experience.name,
              fmt::format("task {} (classes {}-{})", task + 1, 2 * task, 2 * task + 1));
    auto train_index = torch::tensor(train_rows[task]);
    auto test_index = torch::tensor(test_rows[task]);
    EXPECT_EQ(experience.train.at("x").scalar_type(), torch::kUInt8);
    EXPECT_TRUE(torch::equal(experience.train.at("x"), train_images_.index_select(0, train_index)));
    EXPECT_TRUE(torch::equal(experience.train.at("y"),
                             torch::tensor(kTrainLabels).index_select(0, train_index)));
    EXPECT_TRUE(torch::equal(experience.test.at("x"), test_images_.index_select(0, test_index)));
    EXPECT_EQ(labels_of(experience.test), (std::set<int64_t>{2 * task, 2 * task + 1}));
    EXPECT_TRUE(torch::equal(experience.train.at("task"), torch::full({6}, task, torch::kInt64)));
    EXPECT_TRUE(torch::equal(experience.test.at("task"), torch::full({4}, task, torch::kInt64)));
  }
}

TEST_F(ImageStreamTest, SplitKeepsTheFirstRowsOfEachTask) {
  Options opts = options("{tasks: 2, classes_per_task: 3, train_rows: 4, test_rows: 1}");
  Stream stream = make_split_image_stream(opts);
  ASSERT_EQ(stream.size(), 2);
  EXPECT_EQ(stream.experiences[1].name, "task 2 (classes 3-5)");
  // Task 2 (labels 3-5) in file order: rows 3, 4, 5, 6, 7, 8, ...; test rows 3, 4, 5, ...
  EXPECT_TRUE(
      torch::equal(stream.experiences[1].train.at("x"),
                   train_images_.index_select(0, torch::tensor({3, 4, 5, 6}, torch::kInt64))));
  EXPECT_TRUE(torch::equal(stream.experiences[1].test.at("y"), torch::tensor({3}, torch::kInt64)));
}

TEST_F(ImageStreamTest, SplitRejectsMoreClassesThanTheDataSetHas) {
  Options opts = options("{tasks: 4, classes_per_task: 2}");
  expect_error_mentions(input_error_of([&] { make_split_image_stream(opts); }),
                        {"run.yaml", "stream.tasks", "tasks (4) x classes_per_task (2) = 8",
                         directory_.path(), "only 6"});
  Options defaults = options();  // 5 tasks x 2 classes = 10 > 6
  expect_error_mentions(input_error_of([&] { make_split_image_stream(defaults); }),
                        {"= 10 classes", "only 6"});
}

TEST_F(ImageStreamTest, SplitNamesATaskWithoutRows) {
  // Labels 0-5 exist, but with one class per task over 6 tasks every task has rows; drop the
  // test rows of class 5 to leave task 6 without any.
  write_idx(directory_.file("t10k-labels-idx1-ubyte"), {12},
            torch::tensor(std::vector<int64_t>{0, 1, 2, 3, 4, 4, 0, 1, 2, 3, 4, 4}));
  Options opts = options("{tasks: 6, classes_per_task: 1}");
  expect_error_mentions(input_error_of([&] { make_split_image_stream(opts); }),
                        {directory_.path(), "task 6 (class 5)", "3 training and 0 test images"});
}

TEST_F(ImageStreamTest, RejectsBadOptions) {
  struct Case {
    std::string yaml, field;
  };
  for (const Case& c : std::vector<Case>{{"{tasks: 0}", "stream.tasks"},
                                         {"{classes_per_task: 0}", "stream.classes_per_task"},
                                         {"{train_rows: -1}", "stream.train_rows"},
                                         {"{test_rows: -2}", "stream.test_rows"},
                                         {"{tasks: many}", "stream.tasks"}}) {
    Options split = options(c.yaml);
    expect_error_mentions(input_error_of([&] { make_split_image_stream(split); }),
                          {"run.yaml", c.field});
  }
  for (const Case& c : std::vector<Case>{{"{tasks: 0}", "stream.tasks"},
                                         {"{train_rows: -1}", "stream.train_rows"},
                                         {"{seed: 1.5}", "stream.seed"}}) {
    Options permuted = options(c.yaml);
    expect_error_mentions(input_error_of([&] { make_permuted_image_stream(permuted); }),
                          {"run.yaml", c.field});
    Options rotated = options(c.yaml);
    expect_error_mentions(input_error_of([&] { make_rotated_image_stream(rotated); }),
                          {"run.yaml", c.field});
  }
  YAML::Node node = YAML::Load("{path: ''}");
  Options empty(node, "stream", "run.yaml");
  expect_error_mentions(input_error_of([&] { make_rotated_image_stream(empty); }),
                        {"stream.path", "data directory"});
}

TEST_F(ImageStreamTest, MissingDataDirectoryIsNamed) {
  YAML::Node node = YAML::Load("{tasks: 2}");
  node["path"] = directory_.file("absent");
  Options opts(node, "stream", "run.yaml");
  expect_error_mentions(input_error_of([&] { make_permuted_image_stream(opts); }),
                        {directory_.file("absent"), "not found"});
}

// ---------------------------------------------------------------------------------------------
// Permuted

/// The permutation q -> source pixel that turns `original` [N, 1, H, W] into `permuted`, read
/// from row 0 (whose pixels are distinct).
torch::Tensor permutation_of(const torch::Tensor& original, const torch::Tensor& permuted) {
  auto source = original[0].flatten();
  auto target = permuted[0].flatten();
  std::vector<int64_t> permutation;
  for (int64_t q = 0; q < target.numel(); ++q)
    permutation.push_back(torch::nonzero(source.eq(target[q])).item<int64_t>());
  return torch::tensor(permutation);
}

TEST_F(ImageStreamTest, PermutedTasksApplyOnePixelPermutationEach) {
  Options opts = options("{tasks: 3, seed: 7}");
  Stream stream = make_permuted_image_stream(opts);
  ASSERT_EQ(stream.size(), 3);
  EXPECT_EQ(stream.spec.classes_per_task, 0);
  EXPECT_EQ(stream.spec.num_classes, 6);
  EXPECT_EQ(stream.spec.input_shape, (std::vector<int64_t>{1, 4, 4}));
  EXPECT_EQ(stream.metadata.at("protocol"), "domain-incremental");
  std::vector<torch::Tensor> permutations;
  for (int64_t task = 0; task < 3; ++task) {
    const Experience& experience = stream.experiences[task];
    EXPECT_EQ(experience.id, task);
    EXPECT_EQ(experience.name, fmt::format("task {} (permutation {})", task + 1, task + 1));
    const auto& x = experience.train.at("x");
    ASSERT_EQ(x.sizes(), train_images_.sizes());
    EXPECT_EQ(x.scalar_type(), torch::kUInt8);
    // The same pixels in every row, only moved.
    EXPECT_TRUE(torch::equal(std::get<0>(x.flatten(1).sort(1)),
                             std::get<0>(train_images_.flatten(1).sort(1))));
    // One permutation for every row of both splits.
    auto permutation = permutation_of(train_images_, x);
    EXPECT_TRUE(torch::equal(std::get<0>(permutation.sort()), torch::arange(16)));
    EXPECT_TRUE(torch::equal(x.flatten(1), train_images_.flatten(1).index_select(1, permutation)));
    EXPECT_TRUE(torch::equal(experience.test.at("x").flatten(1),
                             test_images_.flatten(1).index_select(1, permutation)));
    EXPECT_TRUE(torch::equal(experience.train.at("y"), torch::tensor(kTrainLabels)));
    EXPECT_TRUE(torch::equal(experience.test.at("task"), torch::full({12}, task, torch::kInt64)));
    // Mammoth permutes the first task too.
    EXPECT_FALSE(torch::equal(permutation, torch::arange(16)));
    permutations.push_back(permutation);
  }
  EXPECT_FALSE(torch::equal(permutations[0], permutations[1]));
  EXPECT_FALSE(torch::equal(permutations[1], permutations[2]));
}

TEST_F(ImageStreamTest, PermutationsFollowTheSeed) {
  Options first = options("{tasks: 2, seed: 3}");
  Options again = options("{tasks: 2, seed: 3}");
  Options other = options("{tasks: 2, seed: 4}");
  Stream a = make_permuted_image_stream(first);
  Stream b = make_permuted_image_stream(again);
  Stream c = make_permuted_image_stream(other);
  for (int64_t task = 0; task < 2; ++task) {
    EXPECT_TRUE(torch::equal(a.experiences[task].train.at("x"), b.experiences[task].train.at("x")));
    EXPECT_FALSE(
        torch::equal(a.experiences[task].train.at("x"), c.experiences[task].train.at("x")));
  }
}

TEST_F(ImageStreamTest, PermutedAndRotatedKeepTheFirstRows) {
  Options permuted_options = options("{tasks: 2, train_rows: 5, test_rows: 2}");
  Stream permuted = make_permuted_image_stream(permuted_options);
  Options rotated_options = options("{tasks: 2, train_rows: 50, test_rows: 2}");
  Stream rotated = make_rotated_image_stream(rotated_options);
  for (const Stream* stream : {&permuted, &rotated}) {
    EXPECT_EQ(stream->experiences[1].test.size(), 2);
    EXPECT_TRUE(
        torch::equal(stream->experiences[1].test.at("y"), torch::tensor({0, 1}, torch::kInt64)));
  }
  EXPECT_EQ(permuted.experiences[1].train.size(), 5);
  EXPECT_EQ(rotated.experiences[1].train.size(), 18);  // more than there are: all rows
}

// ---------------------------------------------------------------------------------------------
// Rotated

TEST(RotateImages, ZeroDegreesIsTheIdentity) {
  auto square = torch::arange(2 * 16, torch::kInt64).to(torch::kUInt8).view({2, 1, 4, 4});
  EXPECT_TRUE(torch::equal(rotate_images(square, 0.0), square));
  auto oblong = torch::arange(15, torch::kInt64).to(torch::kUInt8).view({1, 1, 5, 3});
  EXPECT_TRUE(torch::equal(rotate_images(oblong, 0.0), oblong));
}

TEST(RotateImages, NinetyDegreesIsRot90CounterClockwise) {
  // torch::rot90 with k = 1 over (H, W) turns counter-clockwise: [[1, 2], [3, 4]] -> [[2, 4], [1,
  // 3]].
  auto tiny = torch::tensor({1, 2, 3, 4}, torch::kUInt8).view({1, 1, 2, 2});
  EXPECT_TRUE(torch::equal(rotate_images(tiny, 90.0),
                           torch::tensor({2, 4, 1, 3}, torch::kUInt8).view({1, 1, 2, 2})));
  for (int64_t size : {4, 5}) {
    auto images =
        torch::arange(3 * size * size, torch::kInt64).to(torch::kUInt8).view({3, 1, size, size});
    EXPECT_TRUE(torch::equal(rotate_images(images, 90.0), torch::rot90(images, 1, {-2, -1})));
    EXPECT_TRUE(torch::equal(rotate_images(images, 180.0), torch::rot90(images, 2, {-2, -1})));
    EXPECT_TRUE(torch::equal(rotate_images(images, -90.0), torch::rot90(images, -1, {-2, -1})));
  }
}

TEST(RotateImages, FortyFiveDegreesByHand) {
  // 3x3 about pixel (1, 1): each output pixel takes the nearest source pixel of its inverse
  // rotation, so the outer ring moves one place counter-clockwise.
  auto image = torch::arange(1, 10, torch::kInt64).to(torch::kUInt8).view({1, 3, 3});
  EXPECT_TRUE(
      torch::equal(rotate_images(image, 45.0),
                   torch::tensor({2, 3, 6, 1, 5, 9, 4, 7, 8}, torch::kUInt8).view({1, 3, 3})));
  // 4x4 about (1.5, 1.5): only the corners map outside the image, and are filled with zeros.
  auto ones = torch::ones({1, 1, 4, 4}, torch::kUInt8);
  auto expected = torch::ones({4, 4}, torch::kUInt8);
  for (int row : {0, 3})
    for (int column : {0, 3}) expected[row][column] = 0;
  EXPECT_TRUE(torch::equal(rotate_images(ones, 45.0), expected.view({1, 1, 4, 4})));
}

TEST_F(ImageStreamTest, RotatedTasksUseOneAngleEach) {
  Options opts = options("{tasks: 4, seed: 11}");
  Stream stream = make_rotated_image_stream(opts);
  ASSERT_EQ(stream.size(), 4);
  EXPECT_EQ(stream.spec.classes_per_task, 0);
  EXPECT_EQ(stream.metadata.at("protocol"), "domain-incremental");
  std::set<double> angles;
  for (int64_t task = 0; task < 4; ++task) {
    const Experience& experience = stream.experiences[task];
    const double degrees = std::stod(experience.metadata.at("angle_degrees"));
    EXPECT_GE(degrees, 0.0);
    EXPECT_LT(degrees, 180.0);
    angles.insert(degrees);
    EXPECT_EQ(experience.id, task);
    EXPECT_EQ(experience.name, fmt::format("task {} (rotation {:.1f} deg)", task + 1, degrees));
    EXPECT_TRUE(torch::equal(experience.train.at("x"), rotate_images(train_images_, degrees)));
    EXPECT_TRUE(torch::equal(experience.test.at("x"), rotate_images(test_images_, degrees)));
    EXPECT_EQ(experience.train.at("x").scalar_type(), torch::kUInt8);
    EXPECT_TRUE(torch::equal(experience.test.at("y"), torch::tensor(kTestLabels)));
    EXPECT_TRUE(torch::equal(experience.train.at("task"), torch::full({18}, task, torch::kInt64)));
  }
  EXPECT_EQ(angles.size(), 4u);

  Options again = options("{tasks: 4, seed: 11}");
  Options other = options("{tasks: 4, seed: 12}");
  Stream same = make_rotated_image_stream(again);
  Stream different = make_rotated_image_stream(other);
  EXPECT_EQ(same.experiences[2].metadata, stream.experiences[2].metadata);
  EXPECT_NE(different.experiences[2].metadata, stream.experiences[2].metadata);
}

// ---------------------------------------------------------------------------------------------
// The real data set

TEST(ImageStreamRealFiles, SplitFashionMnistWithDefaults) {
  if (!std::filesystem::is_directory(kFashionMnistDirectory))
    GTEST_SKIP() << kFashionMnistDirectory << " absent (Debian package dataset-fashion-mnist)";
  Options options(YAML::Load("{}"), "stream", "run.yaml");
  Stream stream = make_split_image_stream(options);
  EXPECT_EQ(stream.name, "split fashion-mnist");
  EXPECT_EQ(stream.spec.num_classes, 10);
  EXPECT_EQ(stream.spec.classes_per_task, 2);
  EXPECT_EQ(stream.spec.input_shape, (std::vector<int64_t>{1, 28, 28}));
  ASSERT_EQ(stream.size(), 5);
  int64_t train_rows = 0, test_rows = 0;
  for (const Experience& experience : stream.experiences) {
    EXPECT_EQ(experience.train.size(), 12000);  // 6000 per class
    EXPECT_EQ(experience.test.size(), 2000);
    train_rows += experience.train.size();
    test_rows += experience.test.size();
  }
  EXPECT_EQ(train_rows, 60000);
  EXPECT_EQ(test_rows, 10000);
  EXPECT_EQ(stream.experiences[4].name, "task 5 (classes 8-9)");
  EXPECT_EQ(labels_of(stream.experiences[4].train), (std::set<int64_t>{8, 9}));
}

}  // namespace
}  // namespace evergreen
