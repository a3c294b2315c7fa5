// Micro-benchmarks of the per-step pieces (`make bench` runs them after the macro tables).
#include <benchmark/benchmark.h>

#include "evergreen/core/threads.h"
#include "evergreen/models/flat_adam.h"
#include "evergreen/models/forecast/mlp_forecaster.h"
#include "evergreen/strategies/reservoir_buffer.h"

namespace {

using evergreen::Batch;

// Adam over one flat buffer vs LibTorch's Adam looping over parameter tensors (same model).
void BM_flat_adam_step(benchmark::State& state) {
  evergreen::set_thread_count(1);
  evergreen::MlpForecaster model(evergreen::MlpForecasterOptions(48, 6).hidden_size(64));
  evergreen::FlatParameters parameters(*model);
  parameters.gradients().normal_();
  evergreen::FlatAdam adam(parameters, evergreen::FlatAdamOptions());
  for (auto _ : state) adam.step();
}
BENCHMARK(BM_flat_adam_step);

void BM_torch_adam_step(benchmark::State& state) {
  evergreen::set_thread_count(1);
  evergreen::MlpForecaster model(evergreen::MlpForecasterOptions(48, 6).hidden_size(64));
  for (auto& parameter : model->parameters()) parameter.mutable_grad() = torch::randn_like(parameter);
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1e-3));
  for (auto _ : state) adam.step();
}
BENCHMARK(BM_torch_adam_step);

// Offering a batch of 32 rows to a full reservoir of 1,000 (the ER hot path).
void BM_reservoir_add(benchmark::State& state) {
  evergreen::set_thread_count(1);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  evergreen::ReservoirBuffer buffer(1000);
  Batch rows{{"x", torch::randn({32, 48})}, {"y", torch::randn({32, 6})}};
  for (int i = 0; i < 100; ++i) buffer.add(rows, generator);
  for (auto _ : state) buffer.add(rows, generator);
  state.SetItemsProcessed(state.iterations() * 32);
}
BENCHMARK(BM_reservoir_add);

void BM_reservoir_sample(benchmark::State& state) {
  evergreen::set_thread_count(1);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  evergreen::ReservoirBuffer buffer(1000);
  buffer.add(Batch{{"x", torch::randn({2000, 48})}, {"y", torch::randn({2000, 6})}}, generator);
  for (auto _ : state) benchmark::DoNotOptimize(buffer.sample(32, generator));
}
BENCHMARK(BM_reservoir_sample);

}  // namespace
