// Parsing NumPy's .npy format (versions 1 to 3) for the one kind of array read so far: a
// little-endian float64 matrix in C order, such as the arrival times of an .npz event file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace evergreen {

/// A 2-D float64 array.
struct NpyArray {
  int64_t rows = 0;
  int64_t columns = 0;
  std::vector<double> values;  ///< row-major: element (r, c) is values[r * columns + c]
};

/// The array held in `data` (a whole .npy file or .npz entry). Anything but a 2-D '<f8' array in
/// C order is an InputError starting with `where` and naming the header field; messages call the
/// dimensions (sequences, events), as the array is an event file's.
///
/// Example:
///   NpyArray times = parse_npy(zip.extract(*entry), "hawkes1.npz: entry 'arrival_times.npy'");
NpyArray parse_npy(std::string_view data, const std::string& where);

/// A .npy file (version 1.0, '<f4', C order) holding `values` with `shape`: what NumPy's
/// np.load reads, e.g. logits handed to a Python reference.
std::string npy_float32_bytes(const std::vector<float>& values, const std::vector<int64_t>& shape);

}  // namespace evergreen
