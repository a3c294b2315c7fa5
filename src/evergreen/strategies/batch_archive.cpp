#include "evergreen/strategies/batch_archive.h"

#include <sstream>

#include "evergreen/core/error.h"

namespace evergreen {

void save_batch(torch::serialize::OutputArchive& archive, const std::string& prefix,
                const Batch& batch) {
  std::vector<std::string> names;
  for (const auto& [name, tensor] : batch) {
    names.push_back(name);
    archive.write(prefix + "_" + name, tensor);
  }
  archive.write(prefix + "_names", c10::IValue(fmt::format("{}", fmt::join(names, ","))));
}

Batch load_batch(torch::serialize::InputArchive& archive, const std::string& prefix) {
  c10::IValue names;
  archive.read(prefix + "_names", names);
  Batch batch;
  std::stringstream stream(names.toStringRef());
  for (std::string name; std::getline(stream, name, ',');) {
    torch::Tensor tensor;
    archive.read(prefix + "_" + name, tensor);
    batch.set(name, tensor);
  }
  return batch;
}

}  // namespace evergreen
