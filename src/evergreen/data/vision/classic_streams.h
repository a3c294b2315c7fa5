// The classic continual-learning image benchmarks in Mammoth's protocol, built from any data set
// in the MNIST layout (Fashion-MNIST by default): Split (class-incremental), Permuted and Rotated
// (domain-incremental).
//
// Every experience's train and test batches hold "x" uint8 [N, 1, H, W] (kept as bytes so that
// 20 permuted copies of 70,000 images fit in about 1.1 GB; models divide by 255), "y" int64 [N]
// (the data set's own labels) and "task" int64 [N] (the 0-based task index).
#pragma once

#include <torch/torch.h>

#include "evergreen/core/options.h"
#include "evergreen/data/experience.h"

namespace evergreen {

/// `split_images`: task t holds the rows whose label lies in [t k, (t + 1) k) for k =
/// `classes_per_task`, classes in label order as in Mammoth. Options: path (data directory),
/// tasks (5), classes_per_task (2; tasks * classes_per_task <= number of classes), train_rows and
/// test_rows (rows kept per task, the first in file order; 0 keeps all). No randomness, so no
/// seed.
///
/// Example (YAML): stream: {name: split_images, tasks: 5, classes_per_task: 2}
Stream make_split_image_stream(Options& options);

/// `permuted_images`: task t holds every row with one fixed random pixel permutation
/// (randperm(H W) from a CPU generator seeded with `seed`, one draw per task in task order).
/// Every task is permuted, the first too, as in Mammoth. Options: path, seed (0), tasks (20),
/// train_rows, test_rows.
Stream make_permuted_image_stream(Options& options);

/// `rotated_images`: task t holds every row rotated by one fixed angle drawn uniformly from
/// [0, 180) degrees (a CPU generator seeded with `seed`), counter-clockwise about the image centre
/// (see rotate_images). Options: path, seed (0), tasks (20), train_rows, test_rows.
Stream make_rotated_image_stream(Options& options);

/// `images` [..., H, W] rotated counter-clockwise by `degrees` about the centre of the H x W
/// plane, with nearest-neighbour sampling and zero fill outside the source, like torchvision's
/// `rotate` with its default settings. The dtype is kept and values are copied, never
/// interpolated, so uint8 stays exact; 0 degrees is the identity and 90 degrees on a square image
/// equals torch::rot90(images, 1, {-2, -1}).
///
/// Example:
///   torch::Tensor turned = rotate_images(batch.at("x"), 57.3);
torch::Tensor rotate_images(const torch::Tensor& images, double degrees);

}  // namespace evergreen
