// `evergreen lm train`: a transformer language model trained on text files (one experience each)
// through the engine — any continual strategy, checkpoints and --resume, the green meter — and
// written out as a Hugging Face directory after every experience.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/core/options.h"
#include "evergreen/models/lm/causal_language_model.h"
#include "evergreen/models/lm/lora.h"
#include "evergreen/models/lm/model_file.h"
#include "evergreen/run/experiment.h"
#include "evergreen/run/report.h"
#include "lm_cli_support.h"

namespace evergreen::cli {
namespace {

struct TrainFlags {
  std::vector<std::string> text;
  std::string config, tokenizer, init, strategy = "naive", out, architecture = "llama";
  std::string schedule = "cosine", optimizer = "adamw";
  int64_t context = 64, field = 0, dim = 64, layers = 2, heads = 4, kv_heads = 0, hidden_dim = 0;
  int64_t epochs = 1, batch_size = 16, warmup_steps = 0, lora_rank = 0;
  double lora_alpha = 16.0;
  std::string lora_targets = "q_proj,v_proj";
  double learning_rate = 3e-4, weight_decay = 0.01, clip_norm = 1.0, test_fraction = 0.1;
  uint64_t seed = 0;
  bool resume = false;
};

// The experiment the flags describe: the text stream, the causal_lm model, one strategy.
YAML::Node flags_config(const TrainFlags& flags) {
  YAML::Node config;
  config["experiment"] = "lm-train";
  config["seed"] = flags.seed;
  YAML::Node stream;
  stream["name"] = "text";
  for (const std::string& file : flags.text) stream["files"].push_back(file);
  stream["tokenizer"] = flags.tokenizer;
  stream["context"] = flags.context;
  stream["field"] = flags.field;
  stream["test_fraction"] = flags.test_fraction;
  config["stream"] = stream;
  YAML::Node model;
  model["name"] = "causal_lm";
  if (!flags.init.empty()) {
    model["init"] = flags.init;
  } else {
    model["architecture"] = flags.architecture;
    model["dim"] = flags.dim;
    model["layers"] = flags.layers;
    model["heads"] = flags.heads;
    model["kv_heads"] = flags.kv_heads;
    model["hidden_dim"] = flags.hidden_dim;
  }
  if (flags.lora_rank > 0) {
    model["lora_rank"] = flags.lora_rank;
    model["lora_alpha"] = flags.lora_alpha;
    std::stringstream targets(flags.lora_targets);
    std::string target;
    while (std::getline(targets, target, ',')) model["lora_targets"].push_back(target);
  }
  config["model"] = model;
  config["strategies"].push_back(flags.strategy);
  YAML::Node train;
  train["epochs"] = flags.epochs;
  train["batch_size"] = flags.batch_size;
  train["learning_rate"] = flags.learning_rate;
  train["optimizer"] = flags.optimizer;
  train["weight_decay"] = flags.weight_decay;
  train["schedule"] = flags.schedule;
  train["warmup_steps"] = flags.warmup_steps;
  train["clip_norm"] = flags.clip_norm;
  config["train"] = train;
  return config;
}

void train(const TrainFlags& flags) {
  EVERGREEN_CHECK_INPUT(flags.config.empty() != flags.text.empty(),
                        "evergreen lm train: give text files (--text FILE ...) or an experiment "
                        "--config whose model is causal_lm");
  YAML::Node config;
  std::string file;
  if (!flags.config.empty()) {
    file = flags.config;
    config = load_yaml_file(file);
  } else {
    EVERGREEN_CHECK_INPUT(!flags.tokenizer.empty() || !flags.init.empty(),
                          "evergreen lm train: give --tokenizer (or --model, whose tokenizer "
                          "beside it is used)");
    TrainFlags resolved = flags;
    if (resolved.tokenizer.empty()) {
      // The vocabulary size names llama2.c's tokenizer (tok512.bin): read it from the model.
      resolved.tokenizer =
          find_tokenizer("", flags.init, lm::load_model(flags.init)->options().vocab_size());
      EVERGREEN_CHECK_INPUT(!resolved.tokenizer.empty(),
                            "--model {}: no tokenizer beside it (tokenizer.model, tokenizer.bin); "
                            "give --tokenizer",
                            flags.init);
    }
    config = flags_config(resolved);
  }
  ExperimentPlan plan = plan_experiment(config, file);
  EVERGREEN_CHECK_INPUT(plan.config["model"]["name"].as<std::string>() == "causal_lm",
                        "{}: evergreen lm train trains model causal_lm, the config names '{}'",
                        file, plan.config["model"]["name"].as<std::string>());
  EVERGREEN_CHECK_INPUT(plan.strategy_labels.size() == 1,
                        "{}: evergreen lm train runs one strategy, the config names {}", file,
                        plan.strategy_labels.size());
  RunControl control;
  control.out_dir = flags.out;
  control.resume = flags.resume;
  ensure_writable_directory(control.out_dir);
  const std::string model_dir = (std::filesystem::path(flags.out) / "model").string();
  control.progress = [](const ProgressEvent& event) {
    if (event.kind != ProgressEvent::Kind::kEpoch || event.last_epoch() || isatty(STDERR_FILENO))
      std::fprintf(stderr, "%s[%s] %s%s", isatty(STDERR_FILENO) ? "\r\033[K" : "",
                   event.label.c_str(), event.text().c_str(), isatty(STDERR_FILENO) ? "" : "\n");
  };
  control.after_experience = [&](Model& model, int64_t index) {
    auto* language_model = dynamic_cast<lm::CausalLanguageModelImpl*>(&model);
    EVERGREEN_ASSERT(language_model != nullptr, "lm train: the model is not a causal_lm");
    // Merged into the weights (a plain model), and the adapter apart as PEFT keeps it.
    lm::save_model(language_model->transformer(), model_dir);
    if (language_model->transformer().has_lora())
      lm::save_lora_adapter(language_model->transformer(),
                            (std::filesystem::path(flags.out) / "adapter").string());
    (void)index;
  };
  control.on_start = [&] {
    std::fprintf(stderr, "evergreen lm train: %lld experiences of '%s', strategy %s -> %s\n",
                 static_cast<long long>(plan.stream.size()), plan.stream.name.c_str(),
                 plan.strategy_labels.front().c_str(), control.out_dir.c_str());
  };
  std::vector<StrategyOutcome> outcomes = run_experiment(plan, control);
  if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
  std::vector<nlohmann::json> summaries;
  for (const auto& outcome : outcomes)
    if (outcome.completed) summaries.push_back(outcome.summary);
  if (summaries.empty()) return;
  std::printf(
      "\nlm-train: causal_lm on '%s', %lld experiences (perplexity)\n\n%s\nmodel in %s, "
      "results in %s\n",
      plan.stream.name.c_str(), static_cast<long long>(plan.stream.size()),
      format_comparison_table(summaries).c_str(), model_dir.c_str(), control.out_dir.c_str());
}

}  // namespace

void add_lm_train(CLI::App& lm) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* command = lm.add_subcommand(
      "train",
      "Train a language model on text files (one experience each) with any continual strategy; "
      "writes OUT/model/ (Hugging Face layout; with LoRA also OUT/adapter/) after every "
      "experience");
  command->add_option("--text", flags->text, "text files, one experience each, in order");
  command->add_option("--config", flags->config,
                      "an experiment YAML (stream text, model causal_lm) instead of --text");
  command->add_option("--tokenizer", flags->tokenizer,
                      "SentencePiece .model or llama2.c tokenizer.bin (default: beside --model)");
  command->add_option("--model", flags->init,
                      "start from this model (llama2.c .bin or Hugging Face directory); without "
                      "it a fresh model of the shape flags");
  command->add_option("--strategy", flags->strategy, "continual strategy (evergreen run --list)")
      ->capture_default_str();
  command->add_option("--out", flags->out, "output directory")->required();
  command->add_flag("--resume", flags->resume, "continue the run in --out from its checkpoint");
  command->add_option("--context", flags->context, "tokens per row")->capture_default_str();
  command
      ->add_option("--field", flags->field,
                   "tab-separated field holding the text, 1-based (0: the whole line)")
      ->capture_default_str();
  command
      ->add_option("--test-fraction", flags->test_fraction,
                   "share of each file's rows (its last) kept for testing, never trained")
      ->capture_default_str();
  command->add_option("--architecture", flags->architecture, "llama or gpt2 (fresh models)")
      ->capture_default_str()
      ->check(CLI::IsMember({"llama", "gpt2"}));
  command->add_option("--dim", flags->dim, "residual width (fresh models)")->capture_default_str();
  command->add_option("--layers", flags->layers, "blocks (fresh models)")->capture_default_str();
  command->add_option("--heads", flags->heads, "attention heads (fresh models)")
      ->capture_default_str();
  command->add_option("--kv-heads", flags->kv_heads, "key/value heads (Llama; 0: --heads)")
      ->capture_default_str();
  command->add_option("--hidden-dim", flags->hidden_dim, "MLP width (0: the family's default)")
      ->capture_default_str();
  command->add_option("--epochs", flags->epochs, "passes over each experience")
      ->capture_default_str();
  command->add_option("--batch-size", flags->batch_size, "rows per step")->capture_default_str();
  command->add_option("--learning-rate", flags->learning_rate, "peak learning rate")
      ->capture_default_str();
  command->add_option("--optimizer", flags->optimizer, "adamw, adam or sgd")->capture_default_str();
  command->add_option("--weight-decay", flags->weight_decay, "decoupled weight decay (adamw)")
      ->capture_default_str();
  command->add_option("--schedule", flags->schedule, "constant or cosine (per experience)")
      ->capture_default_str();
  command->add_option("--warmup-steps", flags->warmup_steps, "linear warm-up steps")
      ->capture_default_str();
  command->add_option("--clip-norm", flags->clip_norm, "gradient norm clip (0: none)")
      ->capture_default_str();
  command
      ->add_option("--lora-rank", flags->lora_rank,
                   "train LoRA adapters of this rank, the model frozen (0: train everything)")
      ->capture_default_str();
  command->add_option("--lora-alpha", flags->lora_alpha, "LoRA scale numerator (alpha / rank)")
      ->capture_default_str();
  command
      ->add_option("--lora-targets", flags->lora_targets,
                   "comma-separated projections with adapters (q_proj, k_proj, v_proj, "
                   "o_proj, gate_proj, up_proj, down_proj)")
      ->capture_default_str();
  command->add_option("--seed", flags->seed, "seed of initialisation and shuffling")
      ->capture_default_str();
  command->callback([flags] { train(*flags); });
}

}  // namespace evergreen::cli
