// The classic benchmarks' protocol as the DER paper runs them (after Buzzega et al., NeurIPS
// 2020, and Mammoth's best_args): which stream, batch size, learning rate and method
// coefficients each (method, benchmark, buffer) uses, and the paper's published MNIST accuracy.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

namespace evergreen {

/// The three benchmarks: "split" (Class-IL and Task-IL), "permuted" and "rotated" (Domain-IL).
const std::vector<std::string>& mammoth_benchmarks();

/// The methods of the DER paper's table, in its order: sgd, joint, ewc, si, lwf (no buffer);
/// er, gem, agem, icarl, gdumb, der, derpp (buffered).
const std::vector<std::string>& mammoth_methods();
bool mammoth_method_uses_buffer(const std::string& method);
/// False where the paper has no entry (LwF and iCaRL are class-incremental only).
bool mammoth_method_runs_on(const std::string& method, const std::string& benchmark);

/// What the stream keeps; the protocol's values are the defaults.
struct MammothStreamOptions {
  std::string data_dir;       ///< IDX files in the MNIST layout ("" = Debian's Fashion-MNIST)
  int64_t train_rows = 0;     ///< per task, 0 = all
  int64_t test_rows = 0;      ///< per task, 0 = all
  int64_t domain_tasks = 20;  ///< tasks of the permuted and rotated streams
  uint64_t stream_seed = 0;   ///< permutations and angles
};

/// The experiment config of `method` on `benchmark` with a memory of `buffer` rows (ignored by
/// methods without one): stream, mlp_classifier, one strategy labelled `method`, one epoch of
/// plain SGD. InputError for an unknown name.
YAML::Node mammoth_experiment(const std::string& benchmark, const std::string& method,
                              int64_t buffer, const MammothStreamOptions& stream);

/// Accuracy (%) the DER paper publishes on MNIST for `method` and `buffer` (0 for the methods
/// without one), in the order S-MNIST Class-IL, S-MNIST Task-IL, P-MNIST, R-MNIST; a missing
/// entry is NaN. nullopt when the paper has no row (GDumb, or a buffer it did not run).
std::optional<std::vector<double>> published_mnist_accuracy(const std::string& method,
                                                            int64_t buffer);

/// Accuracy (%) of Mammoth's own code on Split Fashion-MNIST (one seed, buffer 200, its best
/// arguments), Class-IL and Task-IL: the reference this project's numbers are compared with.
std::optional<std::pair<double, double>> mammoth_fashion_mnist_accuracy(const std::string& method);

}  // namespace evergreen
