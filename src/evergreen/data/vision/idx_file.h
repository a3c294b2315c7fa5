// IDX files (the MNIST family's format: MNIST, Fashion-MNIST, KMNIST), plain or gzipped, and the
// four-file train/test data sets they come in.
#pragma once

#include <torch/torch.h>

#include <string>

namespace evergreen {

/// Where Debian's `dataset-fashion-mnist` package installs the four gzipped IDX files.
inline constexpr const char* kFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

/// Reads one IDX file of unsigned bytes into a uint8 tensor with the file's dimensions.
///
/// Layout (big-endian): two zero bytes, the data type (only 0x08, unsigned byte, is supported),
/// the number of dimensions (1 to 4), each dimension as an int32, then the data in row-major
/// order. A gzip file (recognised by its magic bytes 1f 8b, whatever its name) is decompressed
/// on the fly. Throws InputError naming the file and the field for a missing file, bad magic,
/// another data type, a bad dimension, truncated data (expected and actual byte counts, found
/// without allocating what the dimensions declare), trailing bytes, and data above 2^31 bytes or
/// the memory budget (refused before anything is allocated).
///
/// Example:
///   torch::Tensor labels = read_idx_file(dir + "/train-labels-idx1-ubyte.gz");  // uint8 [60000]
torch::Tensor read_idx_file(const std::string& path);

/// An image classification data set in the MNIST layout.
struct ImageDataset {
  torch::Tensor train_images;  ///< uint8 [N, 1, H, W]
  torch::Tensor train_labels;  ///< int64 [N]
  torch::Tensor test_images;   ///< uint8 [M, 1, H, W]
  torch::Tensor test_labels;   ///< int64 [M]
  std::string source;          ///< the directory read
};

/// Reads `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
/// `t10k-labels-idx1-ubyte` from `directory`, each with or without `.gz` (the uncompressed one
/// when both exist). Images must be [N, H, W] with the same H and W in both splits, labels [N]
/// with the images' N. Works unchanged for MNIST, Fashion-MNIST and KMNIST.
///
/// Example:
///   ImageDataset data = read_idx_dataset(kFashionMnistDirectory);
ImageDataset read_idx_dataset(const std::string& directory);

}  // namespace evergreen
