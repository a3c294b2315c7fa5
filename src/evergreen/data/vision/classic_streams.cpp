#include "evergreen/data/vision/classic_streams.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "evergreen/core/error.h"
#include "evergreen/data/vision/idx_file.h"

namespace evergreen {
namespace {

constexpr double kRadiansPerDegree = 3.14159265358979323846 / 180.0;

/// The options every image stream shares, read in the order they appear in the configuration.
struct ImageStreamOptions {
  std::string path;
  int64_t seed = 0;
  int64_t tasks = 0;
  int64_t classes_per_task = 0;
  int64_t train_rows = 0;
  int64_t test_rows = 0;
};

std::string read_path(Options& options) {
  auto path = options.get<std::string>("path", kFashionMnistDirectory,
                                       "directory with the four MNIST-layout IDX files");
  EVERGREEN_CHECK_INPUT(!path.empty(), "{}: give the data directory", options.where("path"));
  return path;
}

void read_row_limits(Options& options, ImageStreamOptions& parsed) {
  parsed.train_rows = options.get<int64_t>(
      "train_rows", 0, "training rows kept per task, the first in file order (0 = all)");
  parsed.test_rows = options.get<int64_t>(
      "test_rows", 0, "test rows kept per task, the first in file order (0 = all)");
  EVERGREEN_CHECK_INPUT(parsed.train_rows >= 0, "{}: must be >= 0 (0 keeps all rows)",
                        options.where("train_rows"));
  EVERGREEN_CHECK_INPUT(parsed.test_rows >= 0, "{}: must be >= 0 (0 keeps all rows)",
                        options.where("test_rows"));
}

/// Options of the permuted and rotated streams, which draw one transformation per task.
ImageStreamOptions read_domain_options(Options& options) {
  ImageStreamOptions parsed;
  parsed.path = read_path(options);
  parsed.seed = options.get<int64_t>("seed", 0, "seed of the per-task transformations");
  parsed.tasks = options.get<int64_t>("tasks", 20, "tasks, one transformation each");
  EVERGREEN_CHECK_INPUT(parsed.tasks >= 1, "{}: must be >= 1", options.where("tasks"));
  read_row_limits(options, parsed);
  return parsed;
}

/// "fashion-mnist" for "/usr/share/datasets/fashion-mnist/".
std::string dataset_name(const std::string& path) {
  std::filesystem::path directory(path);
  if (!directory.has_filename()) directory = directory.parent_path();
  return directory.filename().string();
}

torch::Tensor first_rows(const torch::Tensor& tensor, int64_t rows) {
  return rows == 0 ? tensor : tensor.slice(0, 0, std::min(rows, tensor.size(0)));
}

Batch image_batch(torch::Tensor images, torch::Tensor labels, int64_t task) {
  auto task_index = torch::full({images.size(0)}, task, torch::kInt64);
  return Batch{{"x", std::move(images)}, {"y", std::move(labels)}, {"task", task_index}};
}

/// Number of distinct labels as the models see it: the largest label of either split, plus one.
int64_t count_classes(const ImageDataset& data) {
  return std::max(data.train_labels.max().item<int64_t>(), data.test_labels.max().item<int64_t>()) +
         1;
}

Stream make_image_stream(const ImageDataset& data, const std::string& kind,
                         const std::string& protocol, int64_t classes_per_task) {
  Stream stream;
  stream.name = fmt::format("{} {}", kind, dataset_name(data.source));
  const int64_t num_classes = count_classes(data);
  const auto height = data.train_images.size(2);
  const auto width = data.train_images.size(3);
  stream.spec.kind = StreamKind::kClassification;
  stream.spec.num_classes = num_classes;
  stream.spec.classes_per_task = classes_per_task;
  stream.spec.input_shape = {1, height, width};
  stream.metadata = {{"source", data.source}, {"protocol", protocol}};
  return stream;
}

/// Rows of `labels` in [low, high), the first `rows` of them in file order (0 = all).
torch::Tensor rows_with_labels(const torch::Tensor& labels, int64_t low, int64_t high,
                               int64_t rows) {
  auto index = torch::nonzero(labels.ge(low).logical_and(labels.lt(high))).squeeze(1);
  return first_rows(index, rows);
}

torch::Tensor permute_pixels(const torch::Tensor& images, const torch::Tensor& permutation) {
  return images.flatten(1).index_select(1, permutation).view(images.sizes());
}

}  // namespace

Stream make_split_image_stream(Options& options) {
  ImageStreamOptions parsed;
  parsed.path = read_path(options);
  parsed.tasks = options.get<int64_t>("tasks", 5, "tasks, each a disjoint block of classes");
  parsed.classes_per_task =
      options.get<int64_t>("classes_per_task", 2, "classes per task, taken in label order");
  EVERGREEN_CHECK_INPUT(parsed.tasks >= 1, "{}: must be >= 1", options.where("tasks"));
  EVERGREEN_CHECK_INPUT(parsed.classes_per_task >= 1, "{}: must be >= 1",
                        options.where("classes_per_task"));
  read_row_limits(options, parsed);
  if (options.listing_only()) return Stream{};  // `--list` wants the options, not the images

  ImageDataset data = read_idx_dataset(parsed.path);
  Stream stream = make_image_stream(data, "split", "class-incremental", parsed.classes_per_task);
  const int64_t num_classes = stream.spec.num_classes;
  EVERGREEN_CHECK_INPUT(parsed.tasks * parsed.classes_per_task <= num_classes,
                        "{}: tasks ({}) x classes_per_task ({}) = {} classes, but {} has only {} "
                        "(labels 0-{})",
                        options.where("tasks"), parsed.tasks, parsed.classes_per_task,
                        parsed.tasks * parsed.classes_per_task, parsed.path, num_classes,
                        num_classes - 1);
  stream.metadata["tasks"] = std::to_string(parsed.tasks);
  stream.metadata["classes_per_task"] = std::to_string(parsed.classes_per_task);

  for (int64_t task = 0; task < parsed.tasks; ++task) {
    const int64_t low = task * parsed.classes_per_task;
    const int64_t high = low + parsed.classes_per_task;
    const std::string classes = high - low == 1 ? fmt::format("class {}", low)
                                                : fmt::format("classes {}-{}", low, high - 1);
    auto train_index = rows_with_labels(data.train_labels, low, high, parsed.train_rows);
    auto test_index = rows_with_labels(data.test_labels, low, high, parsed.test_rows);
    // A task without rows would train or score on nothing; that is a gap in the data set.
    EVERGREEN_CHECK_INPUT(train_index.numel() > 0 && test_index.numel() > 0,
                          "{}: task {} ({}) has {} training and {} test images; every task "
                          "needs both",
                          parsed.path, task + 1, classes, train_index.numel(), test_index.numel());
    Experience experience;
    experience.id = task;
    experience.name = fmt::format("task {} ({})", task + 1, classes);
    experience.train = image_batch(data.train_images.index_select(0, train_index),
                                   data.train_labels.index_select(0, train_index), task);
    experience.test = image_batch(data.test_images.index_select(0, test_index),
                                  data.test_labels.index_select(0, test_index), task);
    experience.metadata = {{"classes", fmt::format("{}-{}", low, high - 1)}};
    stream.experiences.push_back(std::move(experience));
  }
  return stream;
}

namespace {

/// One task of a domain-incremental stream: how its images are changed, what it is called.
struct DomainTask {
  std::function<torch::Tensor(const torch::Tensor&)> transform;
  std::string description;                       ///< in the experience's name
  std::pair<std::string, std::string> metadata;  ///< what makes the task reproducible
};

/// The permuted and rotated streams: every task holds the same rows, changed by its transform.
/// `draw_tasks` draws the tasks' parameters from the stream's generator, in task order.
Stream make_domain_stream(
    Options& options, const std::string& kind,
    const std::function<std::vector<DomainTask>(const ImageStreamOptions&, const torch::Tensor&,
                                                torch::Generator&)>& draw_tasks) {
  ImageStreamOptions parsed = read_domain_options(options);
  if (options.listing_only()) return Stream{};  // `--list` wants the options, not the images
  ImageDataset data = read_idx_dataset(parsed.path);
  Stream stream = make_image_stream(data, kind, "domain-incremental", 0);
  stream.metadata["tasks"] = std::to_string(parsed.tasks);
  stream.metadata["seed"] = std::to_string(parsed.seed);

  auto train_images = first_rows(data.train_images, parsed.train_rows);
  auto train_labels = first_rows(data.train_labels, parsed.train_rows);
  auto test_images = first_rows(data.test_images, parsed.test_rows);
  auto test_labels = first_rows(data.test_labels, parsed.test_rows);
  auto generator = at::detail::createCPUGenerator(static_cast<uint64_t>(parsed.seed));
  std::vector<DomainTask> tasks = draw_tasks(parsed, train_images, generator);
  for (int64_t task = 0; task < parsed.tasks; ++task) {
    Experience experience;
    experience.id = task;
    experience.name = fmt::format("task {} ({})", task + 1, tasks[task].description);
    experience.train = image_batch(tasks[task].transform(train_images), train_labels.clone(), task);
    experience.test = image_batch(tasks[task].transform(test_images), test_labels.clone(), task);
    experience.metadata = {tasks[task].metadata};
    stream.experiences.push_back(std::move(experience));
  }
  return stream;
}

}  // namespace

Stream make_permuted_image_stream(Options& options) {
  return make_domain_stream(
      options, "permuted",
      [](const ImageStreamOptions& parsed, const torch::Tensor& images,
         torch::Generator& generator) {
        const int64_t pixels = images.size(2) * images.size(3);
        std::vector<DomainTask> tasks;
        for (int64_t task = 0; task < parsed.tasks; ++task) {
          auto permutation = torch::randperm(pixels, generator, torch::kInt64);
          tasks.push_back(
              {[permutation](const torch::Tensor& x) { return permute_pixels(x, permutation); },
               fmt::format("permutation {}", task + 1),
               {"permutation", std::to_string(task + 1)}});
        }
        return tasks;
      });
}

Stream make_rotated_image_stream(Options& options) {
  return make_domain_stream(
      options, "rotated",
      [](const ImageStreamOptions& parsed, const torch::Tensor&, torch::Generator& generator) {
        auto angles = torch::rand({parsed.tasks}, generator, torch::kFloat64).mul_(180.0);
        auto angle_access = angles.accessor<double, 1>();
        std::vector<DomainTask> tasks;
        for (int64_t task = 0; task < parsed.tasks; ++task) {
          const double degrees = angle_access[task];
          // The shortest text that reads back as the same double, so the angle is reproducible.
          tasks.push_back({[degrees](const torch::Tensor& x) { return rotate_images(x, degrees); },
                           fmt::format("rotation {:.1f} deg", degrees),
                           {"angle_degrees", fmt::format("{}", degrees)}});
        }
        return tasks;
      });
}

torch::Tensor rotate_images(const torch::Tensor& images, double degrees) {
  EVERGREEN_ASSERT(images.dim() >= 2, "rotate_images needs [..., H, W], got {} dimensions",
                   images.dim());
  const int64_t height = images.size(-2);
  const int64_t width = images.size(-1);
  // Written out rather than with affine_grid/grid_sample: those work in floating point, and a
  // gather by a precomputed index map copies the bytes exactly and costs one pass per task.
  // Each output pixel takes the source pixel nearest to its inverse rotation; pixel centres are
  // at integer coordinates, the centre of rotation at ((W - 1) / 2, (H - 1) / 2) as in
  // torchvision. Rows grow downwards, so a visually counter-clockwise turn by a maps the output
  // offset (x, y) to the source offset (x cos a - y sin a, x sin a + y cos a).
  const double radians = degrees * kRadiansPerDegree;
  const double cosine = std::cos(radians);
  const double sine = std::sin(radians);
  const double centre_x = static_cast<double>(width - 1) / 2.0;
  const double centre_y = static_cast<double>(height - 1) / 2.0;
  const int64_t outside = height * width;  // index of the appended zero pixel
  auto source_index = torch::empty({height * width}, torch::kInt64);
  auto index_access = source_index.accessor<int64_t, 1>();
  for (int64_t row = 0; row < height; ++row) {
    for (int64_t column = 0; column < width; ++column) {
      const double x = static_cast<double>(column) - centre_x;
      const double y = static_cast<double>(row) - centre_y;
      const auto source_column =
          static_cast<int64_t>(std::nearbyint(x * cosine - y * sine + centre_x));
      const auto source_row =
          static_cast<int64_t>(std::nearbyint(x * sine + y * cosine + centre_y));
      const bool inside =
          source_row >= 0 && source_row < height && source_column >= 0 && source_column < width;
      index_access[row * width + column] = inside ? source_row * width + source_column : outside;
    }
  }
  auto flat =
      images.reshape({height * width == 0 ? 0 : images.numel() / (height * width), height * width});
  auto padded = torch::cat({flat, torch::zeros({flat.size(0), 1}, flat.options())}, 1);
  return padded.index_select(1, source_index).view(images.sizes());
}

}  // namespace evergreen
