// `evergreen bench lm`: speed of the transformer family against a Python PyTorch implementation of
// the same model run in the same command (bench/lm_reference.py), on one thread: batch-1 and
// batch-32 generation on stories260K, training tokens/s, and the cost of the hook seam.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command_output.h"
#include "commands.h"
#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/models/lm/generation.h"
#include "evergreen/models/lm/model_file.h"

namespace evergreen::cli {
namespace {

using namespace evergreen::lm;
using Clock = std::chrono::steady_clock;

struct LmBenchOptions {
  std::string checkpoint;
  std::string python = "/usr/bin/python3";
  std::string python_script;
  int64_t steps = 256;
  int64_t batch = 32;
  int64_t train_steps = 30;
  int64_t repeats = 3;
  bool smoke = false;
  bool json = false;
  std::string out;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Best decode speed of `repeats` runs of `batch` rows from BOS.
double generation_speed(TransformerImpl& model, int64_t batch, int64_t steps, bool fused,
                        int64_t repeats) {
  double best = 0;
  for (int64_t r = 0; r < repeats; ++r) {
    Generation out = generate(model, std::vector<std::vector<int64_t>>(batch, {1}),
                              GenerationOptions().max_new_tokens(steps + 1).fused(fused));
    best = std::max(best, out.decode_steps * batch / out.decode_seconds);
  }
  return best;
}

// Training tokens/s of the Llama model bench/lm_reference.py's `train` builds (same shapes,
// AdamW, random tokens), after 3 untimed warm-up steps.
double training_speed(int64_t steps, double& final_loss) {
  const int64_t vocab = 512, sequence = 64, batch = 16;
  torch::manual_seed(0);
  Transformer model(TransformerOptions()
                        .vocab_size(vocab)
                        .dim(64)
                        .n_layers(4)
                        .n_heads(4)
                        .n_kv_heads(4)
                        .hidden_dim(172)
                        .max_seq_len(sequence));
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-3));
  std::vector<torch::Tensor> batches;
  for (int64_t i = 0; i < steps + 3; ++i)
    batches.push_back(torch::randint(vocab, {batch, sequence + 1}, torch::kInt64));
  Clock::time_point start;
  for (int64_t i = 0; i < steps + 3; ++i) {
    if (i == 3) start = Clock::now();
    torch::Tensor tokens = batches[static_cast<size_t>(i)];
    torch::Tensor logits = model->forward(tokens.narrow(1, 0, sequence));
    torch::Tensor loss = torch::nn::functional::cross_entropy(
        logits.reshape({-1, vocab}), tokens.narrow(1, 1, sequence).reshape(-1));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    final_loss = loss.item<double>();
  }
  return static_cast<double>(steps * batch * sequence) / seconds_since(start);
}

// Median forward time over `repeats` with the given hooks (nullptr: none).
double forward_seconds(TransformerImpl& model, const torch::Tensor& tokens, Hooks* hooks,
                       int64_t repeats) {
  torch::NoGradGuard no_grad;
  std::vector<double> times;
  for (int64_t r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    ForwardContext context;
    context.hooks = hooks;
    model.forward(tokens, context);
    times.push_back(seconds_since(start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

nlohmann::json python_reference(const LmBenchOptions& options, const std::string& arguments) {
  const std::string command = fmt::format("OMP_NUM_THREADS=1 {} {} {} --threads 1 --json",
                                          options.python, options.python_script, arguments);
  const std::string output = read_command_output(command);
  const size_t brace = output.rfind('{');
  if (brace == std::string::npos) return nullptr;
  try {
    return nlohmann::json::parse(output.substr(brace));
  } catch (const nlohmann::json::exception&) {
    return nullptr;
  }
}

nlohmann::json run_lm_bench(const LmBenchOptions& options) {
  EVERGREEN_CHECK_INPUT(std::filesystem::exists(options.checkpoint),
                        "--checkpoint {}: no such file (stories260K.bin of the shared data)",
                        options.checkpoint);
  const int64_t steps = options.smoke ? 16 : options.steps;
  const int64_t train_steps = options.smoke ? 3 : options.train_steps;
  const int64_t repeats = options.smoke ? 1 : options.repeats;
  torch::set_num_threads(1);
  Transformer model = load_model(options.checkpoint);
  nlohmann::json result{{"benchmark", "lm"},
                        {"checkpoint", options.checkpoint},
                        {"threads", 1},
                        {"steps", steps},
                        {"batch", options.batch}};

  std::cerr << "bench lm: generation, batch 1 and " << options.batch << "\n";
  const double fused_1 = generation_speed(*model, 1, steps, true, repeats);
  const double tensor_1 = generation_speed(*model, 1, steps, false, repeats);
  const double fused_b = generation_speed(*model, options.batch, steps, true, repeats);
  const double tensor_b = generation_speed(*model, options.batch, steps, false, repeats);
  nlohmann::json python_1 = python_reference(
      options,
      fmt::format("speed --checkpoint {} --steps {} --batch 1", options.checkpoint, steps));
  nlohmann::json python_b =
      python_reference(options, fmt::format("speed --checkpoint {} --steps {} --batch {}",
                                            options.checkpoint, steps, options.batch));
  auto python_speed = [](const nlohmann::json& reply) {
    return reply.is_object() ? reply.value("tokens_per_second", 0.0) : 0.0;
  };
  result["generation"] = {
      {"batch_1",
       {{"evergreen_fused", fused_1},
        {"evergreen_tensor", tensor_1},
        {"python", python_speed(python_1)}}},
      {"batch_n",
       {{"evergreen_fused", fused_b},
        {"evergreen_tensor", tensor_b},
        {"python", python_speed(python_b)}}},
  };

  std::cerr << "bench lm: training\n";
  double final_loss = 0;
  const double train = training_speed(train_steps, final_loss);
  nlohmann::json python_train =
      python_reference(options, fmt::format("train --steps {}", train_steps));
  result["training"] = {{"evergreen", train},
                        {"evergreen_final_loss", final_loss},
                        {"python", python_speed(python_train)}};

  std::cerr << "bench lm: hook seam\n";
  torch::manual_seed(0);
  torch::Tensor tokens = torch::randint(512, {8, 64}, torch::kInt64);
  const int64_t forwards = options.smoke ? 5 : 41;
  Hooks empty;
  Hooks one;
  one.cache("blocks.2.hook_resid_post");
  const double none = forward_seconds(*model, tokens, nullptr, forwards);
  const double with_empty = forward_seconds(*model, tokens, &empty, forwards);
  const double with_one = forward_seconds(*model, tokens, &one, forwards);
  result["hooks"] = {{"forward_seconds_no_hooks", none},
                     {"forward_seconds_empty_hooks", with_empty},
                     {"forward_seconds_one_cached", with_one}};
  return result;
}

std::string ratio(double ours, double reference) {
  return reference > 0 ? fmt::format("{:.2f}x", ours / reference) : "n/a";
}

std::string format_lm_bench(const nlohmann::json& r) {
  const auto& g = r["generation"];
  const double fused_1 = g["batch_1"]["evergreen_fused"], python_1 = g["batch_1"]["python"];
  const double fused_b = g["batch_n"]["evergreen_fused"],
               tensor_b = g["batch_n"]["evergreen_tensor"];
  const double python_b = g["batch_n"]["python"];
  const double best_b = std::max(fused_b, tensor_b);
  const double train = r["training"]["evergreen"], python_train = r["training"]["python"];
  const int64_t batch = r["batch"];
  std::string out = fmt::format(
      "# bench lm (stories260K, one thread, {} steps)\n\n"
      "| measure | evergreen fused | evergreen tensor | Python PyTorch | ratio (best / Python) |\n"
      "|---|---|---|---|---|\n",
      r["steps"].get<int64_t>());
  out += fmt::format(
      "| generation batch 1 (tokens/s) | {:.0f} | {:.0f} | {:.0f} | {} |\n", fused_1,
      g["batch_1"]["evergreen_tensor"].get<double>(), python_1,
      ratio(std::max(fused_1, g["batch_1"]["evergreen_tensor"].get<double>()), python_1));
  out += fmt::format("| generation batch {} (tokens/s) | {:.0f} | {:.0f} | {:.0f} | {} |\n", batch,
                     fused_b, tensor_b, python_b, ratio(best_b, python_b));
  out += fmt::format("| training (tokens/s) | | {:.0f} | {:.0f} | {} |\n\n", train, python_train,
                     ratio(train, python_train));
  const auto& h = r["hooks"];
  out += fmt::format(
      "Hook seam (forward of 8 x 64 tokens, median): no hooks {:.3f} ms, an empty Hooks {:.3f} ms "
      "({}), one cached state {:.3f} ms ({}).\n\n",
      h["forward_seconds_no_hooks"].get<double>() * 1e3,
      h["forward_seconds_empty_hooks"].get<double>() * 1e3,
      ratio(h["forward_seconds_empty_hooks"], h["forward_seconds_no_hooks"]),
      h["forward_seconds_one_cached"].get<double>() * 1e3,
      ratio(h["forward_seconds_one_cached"], h["forward_seconds_no_hooks"]));
  // run.c's single-thread speed on this machine class (2,200-2,900 tokens/s) is quoted by the
  // issue for orientation; it is not run here, so the goals compare against its lower end.
  constexpr double kRunCTokensPerSecond = 2200;
  out += "| goal | measured | holds |\n|---|---|---|\n";
  out += fmt::format("| batch 1 >= run.c (~{:.0f} tokens/s, not run here) | {:.0f} | {} |\n",
                     kRunCTokensPerSecond, fused_1, fused_1 >= kRunCTokensPerSecond ? "yes" : "no");
  out += fmt::format("| batch {} >= 10x run.c ({:.0f} tokens/s) | {:.0f} | {} |\n", batch,
                     10 * kRunCTokensPerSecond, best_b,
                     best_b >= 10 * kRunCTokensPerSecond ? "yes" : "no");
  out += fmt::format("| training >= 1.5x Python | {} | {} |\n", ratio(train, python_train),
                     python_train > 0 && train >= 1.5 * python_train ? "yes" : "no");
  return out;
}

}  // namespace

void add_lm_bench_command(CLI::App& bench) {
  auto options = std::make_shared<LmBenchOptions>();
  options->checkpoint =
      std::string(EVERGREEN_SOURCE_DIR) + "/../shared/data/lm/stories260K/stories260K.bin";
  options->python_script = std::string(EVERGREEN_SOURCE_DIR) + "/bench/lm_reference.py";
  CLI::App* command = bench.add_subcommand(
      "lm",
      "Transformer LM speed on one thread against a Python PyTorch implementation of the same "
      "model: batch-1 and batched generation, training tokens/s, the hook seam's cost");
  command->add_option("--checkpoint", options->checkpoint, "llama2.c checkpoint to generate with")
      ->capture_default_str();
  command->add_option("--steps", options->steps, "tokens generated per row")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{2}, int64_t{100000}));
  command->add_option("--batch", options->batch, "rows of the batched measurement")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1024}));
  command->add_option("--train-steps", options->train_steps, "timed training steps")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  command->add_option("--repeats", options->repeats, "generation runs (the best is kept)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100}));
  command->add_option("--python", options->python, "Python with torch")->capture_default_str();
  command->add_option("--python-script", options->python_script, "the Python reference")
      ->capture_default_str();
  command->add_flag("--smoke", options->smoke, "a few steps of everything (make test)");
  command->add_flag("--json", options->json, "print JSON instead of markdown");
  command->add_option("--out", options->out, "also write lm.json into this directory");
  command->callback([options] {
    nlohmann::json result = run_lm_bench(*options);
    if (!options->out.empty()) {
      ensure_writable_directory(options->out);
      write_file_atomically(options->out + "/lm.json", result.dump(2) + "\n");
    }
    std::cout << (options->json ? result.dump(2) + "\n" : format_lm_bench(result));
  });
}

}  // namespace evergreen::cli
