#include "evergreen/data/vision/mammoth_protocol.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "evergreen/core/error.h"

namespace evergreen {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

/// Method coefficients as Mammoth's best_args give them for seq-mnist ("split") and perm-mnist
/// ("permuted"; "rotated" uses them too except where it has its own row), buffer 200 / 500.
/// Returns the strategy entry and sets the learning rate and weight decay.
YAML::Node strategy_entry(const std::string& benchmark, const std::string& method, int64_t buffer,
                          double* learning_rate, double* weight_decay) {
  const bool split = benchmark == "split", small = buffer <= 200;
  YAML::Node entry;
  entry["name"] = method;
  entry["label"] = method;
  *weight_decay = 0;
  if (method == "sgd") {
    entry["name"] = "naive";
    *learning_rate = split ? 0.03 : 0.2;
  } else if (method == "joint") {
    // Mammoth's JOINT trains once on every task's data; its learning rate is SGD's.
    entry["offline"] = true;
    *learning_rate = split ? 0.03 : 0.2;
  } else if (method == "ewc") {
    // Mammoth's penalty is lambda * sum F (theta - theta*)^2; ours is lambda/2 * the same sum,
    // so its lambda doubles here.
    entry["lambda"] = split ? 2 * 90.0 : 2 * 0.7;
    entry["gamma"] = 1.0;
    *learning_rate = split ? 0.03 : 0.1;
  } else if (method == "si") {
    entry["c"] = split ? 1.0 : 0.5;
    entry["xi"] = split ? 0.9 : 1.0;
    *learning_rate = 0.1;
  } else if (method == "lwf") {
    entry["lambda"] = 1.0;
    entry["temperature"] = 2.0;
    *learning_rate = 0.03;
    *weight_decay = 5e-4;
  } else if (method == "er") {
    entry["replay_batch_size"] = split ? 10 : 128;
    *learning_rate = split ? (small ? 0.01 : 0.1) : 0.2;
  } else if (method == "gem") {
    entry["margin"] = split ? (small ? 1.0 : 0.5) : 0.5;
    *learning_rate = split ? (small ? 0.01 : 0.03) : 0.1;
  } else if (method == "agem") {
    entry["replay_batch_size"] = 128;
    *learning_rate = 0.1;
  } else if (method == "icarl") {
    entry["replay_batch_size"] = 10;
    *learning_rate = 0.1;
  } else if (method == "gdumb") {
    // Not in the DER paper's table: ER's learning rate on each benchmark.
    *learning_rate = split ? 0.1 : 0.2;
  } else if (method == "der") {
    entry["name"] = "derpp";
    entry["beta"] = 0.0;
    if (split) {
      entry["replay_batch_size"] = small ? 10 : 128;
      entry["alpha"] = small ? 0.2 : 1.0;
      *learning_rate = 0.03;
    } else {
      entry["replay_batch_size"] = 128;
      entry["alpha"] = 1.0;
      *learning_rate = 0.2;
    }
  } else if (method == "derpp") {
    if (split) {
      entry["replay_batch_size"] = small ? 128 : 10;
      entry["alpha"] = small ? 0.2 : 1.0;
      entry["beta"] = small ? 1.0 : 0.5;
      *learning_rate = 0.03;
    } else if (benchmark == "rotated") {
      entry["replay_batch_size"] = 128;
      entry["alpha"] = small ? 1.0 : 0.5;
      entry["beta"] = small ? 0.5 : 1.0;
      *learning_rate = small ? 0.1 : 0.2;
    } else {
      entry["replay_batch_size"] = 128;
      entry["alpha"] = 1.0;
      entry["beta"] = small ? 1.0 : 0.5;
      *learning_rate = small ? 0.1 : 0.2;
    }
  } else {
    throw InputError(
        fmt::format("unknown method '{}' (known: {})", method, fmt::join(mammoth_methods(), ", ")));
  }
  if (mammoth_method_uses_buffer(method)) entry["memory_size"] = buffer;
  return entry;
}

}  // namespace

const std::vector<std::string>& mammoth_benchmarks() {
  static const std::vector<std::string> benchmarks{"split", "permuted", "rotated"};
  return benchmarks;
}

const std::vector<std::string>& mammoth_methods() {
  static const std::vector<std::string> methods{"sgd", "joint", "ewc",   "si",    "lwf", "er",
                                                "gem", "agem",  "icarl", "gdumb", "der", "derpp"};
  return methods;
}

bool mammoth_method_uses_buffer(const std::string& method) {
  static const std::vector<std::string> buffered{"er",    "gem", "agem", "icarl",
                                                 "gdumb", "der", "derpp"};
  return std::find(buffered.begin(), buffered.end(), method) != buffered.end();
}

bool mammoth_method_runs_on(const std::string& method, const std::string& benchmark) {
  return benchmark == "split" || (method != "lwf" && method != "icarl");
}

YAML::Node mammoth_experiment(const std::string& benchmark, const std::string& method,
                              int64_t buffer, const MammothStreamOptions& stream) {
  EVERGREEN_CHECK_INPUT(std::find(mammoth_benchmarks().begin(), mammoth_benchmarks().end(),
                                  benchmark) != mammoth_benchmarks().end(),
                        "unknown benchmark '{}' (known: split, permuted, rotated)", benchmark);
  YAML::Node config;
  config["experiment"] = fmt::format("classic-{}-{}", benchmark, method);
  config["threads"] = 1;
  YAML::Node stream_node;
  stream_node["name"] = benchmark + "_images";
  if (!stream.data_dir.empty()) stream_node["path"] = stream.data_dir;
  stream_node["train_rows"] = stream.train_rows;
  stream_node["test_rows"] = stream.test_rows;
  if (benchmark != "split") {
    stream_node["tasks"] = stream.domain_tasks;
    stream_node["seed"] = stream.stream_seed;
  }
  config["stream"] = stream_node;
  config["model"]["name"] = "mlp_classifier";
  double learning_rate = 0, weight_decay = 0;
  YAML::Node strategies(YAML::NodeType::Sequence);
  strategies.push_back(strategy_entry(benchmark, method, buffer, &learning_rate, &weight_decay));
  config["strategies"] = strategies;
  config["train"]["epochs"] = 1;
  config["train"]["batch_size"] = benchmark == "split" ? 10 : 128;
  config["train"]["optimizer"] = "sgd";
  config["train"]["learning_rate"] = learning_rate;
  config["train"]["weight_decay"] = weight_decay;
  return config;
}

std::optional<std::vector<double>> published_mnist_accuracy(const std::string& method,
                                                            int64_t buffer) {
  using Row = std::vector<double>;
  if (!mammoth_method_uses_buffer(method)) {
    if (method == "joint") return Row{95.57, 99.51, 94.33, 95.76};
    if (method == "sgd") return Row{19.60, 94.94, 40.70, 67.66};
    if (method == "ewc") return Row{20.46, 98.39, 75.79, 77.35};
    if (method == "si") return Row{19.27, 96.00, 65.86, 71.91};
    if (method == "lwf") return Row{19.62, 94.11, kMissing, kMissing};
    return std::nullopt;
  }
  const bool small = buffer == 200;
  if (buffer != 200 && buffer != 500) return std::nullopt;
  if (method == "er")
    return small ? Row{80.43, 97.86, 72.37, 85.01} : Row{86.12, 99.04, 80.60, 88.91};
  if (method == "gem")
    return small ? Row{80.11, 97.78, 66.93, 80.80} : Row{85.99, 98.71, 76.88, 81.15};
  if (method == "agem")
    return small ? Row{45.72, 98.61, 66.42, 81.91} : Row{46.66, 98.93, 67.56, 80.31};
  if (method == "icarl")
    return small ? Row{70.51, 98.28, kMissing, kMissing} : Row{70.10, 98.32, kMissing, kMissing};
  if (method == "der")
    return small ? Row{84.55, 98.80, 81.74, 90.04} : Row{90.54, 98.84, 87.29, 92.24};
  if (method == "derpp")
    return small ? Row{85.61, 98.76, 83.58, 90.43} : Row{91.00, 98.94, 88.21, 92.77};
  return std::nullopt;  // GDumb is not in the DER paper's table
}

std::optional<std::pair<double, double>> mammoth_fashion_mnist_accuracy(const std::string& method) {
  if (method == "sgd") return std::make_pair(19.94, 82.11);
  if (method == "er") return std::make_pair(72.29, 98.54);
  if (method == "derpp") return std::make_pair(75.41, 97.42);
  if (method == "agem") return std::make_pair(36.38, 97.87);
  return std::nullopt;
}

}  // namespace evergreen
