// `evergreen lm generate | inspect | convert | init`: the transformer language models of models/lm
// (trace and edit, CREME's tools, are in lm_creme_command.cpp).
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "evergreen/core/atomic_file.h"
#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"
#include "evergreen/data/io/npy_array.h"
#include "evergreen/data/text/tokenizer.h"
#include "evergreen/models/lm/generation.h"
#include "evergreen/models/lm/logit_lens.h"
#include "evergreen/models/lm/model_file.h"
#include "lm_cli_support.h"

namespace evergreen::cli {
namespace {

using namespace evergreen::lm;
using namespace evergreen::text;

void add_generate(CLI::App& lm) {
  auto prompt = std::make_shared<PromptOptions>();
  auto max_new_tokens = std::make_shared<int64_t>(256);
  auto temperature = std::make_shared<double>(0.0);
  auto top_k = std::make_shared<int64_t>(0);
  auto top_p = std::make_shared<double>(1.0);
  auto seed = std::make_shared<uint64_t>(0);
  auto batch = std::make_shared<int64_t>(1);
  auto fused = std::make_shared<bool>(true);
  auto json = std::make_shared<bool>(false);
  auto stop_at_eos = std::make_shared<bool>(true);
  CLI::App* command = lm.add_subcommand("generate", "Continue a prompt (greedy or sampled)");
  add_prompt_options(command, *prompt);
  command->add_option("--max-new-tokens", *max_new_tokens, "tokens to generate")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20));
  command->add_option("--temperature", *temperature, "0 is greedy")->capture_default_str();
  command->add_option("--top-k", *top_k, "sample among the k most likely (0: all)")
      ->capture_default_str();
  command->add_option("--top-p", *top_p, "nucleus sampling threshold (1: all)")
      ->capture_default_str();
  command->add_option("--seed", *seed, "sampling seed")->capture_default_str();
  command->add_option("--batch", *batch, "rows generated at once from the same prompt")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{4096}));
  command->add_flag("!--no-fused", *fused, "decode through the tensor forward pass only");
  command->add_flag("!--no-stop", *stop_at_eos, "do not stop at the end-of-text token");
  command->add_flag("--json", *json, "print ids, text and speed as JSON");
  command->callback([=] {
    PromptModel opened = open_prompt_model(*prompt);
    Transformer model = opened.model;
    const Tokenizer* tokenizer = opened.tokenizer.get();
    const std::vector<int64_t> ids = prompt_ids(*prompt, tokenizer);
    GenerationOptions options = GenerationOptions()
                                    .max_new_tokens(*max_new_tokens)
                                    .fused(*fused)
                                    .sampling(SamplingOptions()
                                                  .temperature(*temperature)
                                                  .top_k(*top_k)
                                                  .top_p(*top_p)
                                                  .seed(*seed));
    if (*stop_at_eos && tokenizer) options.stop_token(tokenizer->eos_id());
    Generation out = generate(*model, std::vector<std::vector<int64_t>>(*batch, ids), options);
    int64_t produced = 0;
    for (const auto& row : out.tokens) produced += static_cast<int64_t>(row.size());
    const double speed =
        out.decode_seconds > 0 ? (out.decode_steps * *batch) / out.decode_seconds : 0;
    if (*json) {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& row : out.tokens) {
        nlohmann::json entry{{"ids", row}};
        if (tokenizer) {
          std::vector<int64_t> all = ids;
          all.insert(all.end(), row.begin(), row.end());
          entry["text"] = tokenizer->decode(all);
        }
        rows.push_back(entry);
      }
      std::cout << nlohmann::json{{"prompt_ids", ids},
                                  {"rows", rows},
                                  {"decode_steps", out.decode_steps},
                                  {"decode_seconds", out.decode_seconds},
                                  {"tokens_per_second", speed}}
                       .dump(2)
                << "\n";
      return;
    }
    for (const auto& row : out.tokens) {
      if (tokenizer) {
        std::vector<int64_t> all = ids;
        all.insert(all.end(), row.begin(), row.end());
        std::cout << tokenizer->decode(all) << "\n";
      } else {
        for (size_t i = 0; i < row.size(); ++i) std::cout << (i ? "," : "") << row[i];
        std::cout << "\n";
      }
    }
    std::cerr << fmt::format("evergreen lm: {} tokens, {:.0f} tokens/s ({} decode path)\n",
                             produced, speed, *fused ? "fused where it applies" : "tensor");
  });
}

void add_inspect(CLI::App& lm) {
  auto prompt = std::make_shared<PromptOptions>();
  auto target = std::make_shared<std::string>();
  auto target_id = std::make_shared<int64_t>(-1);
  auto final_norm = std::make_shared<bool>(true);
  auto plot = std::make_shared<std::string>();
  auto logits_out = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* command = lm.add_subcommand(
      "inspect",
      "Logit lens of a prompt: rank and probability of a token at every layer and position");
  add_prompt_options(command, *prompt);
  command->add_option("--target", *target,
                      "the token to follow, as text (its first token); default: the model's "
                      "prediction at the last position");
  command->add_option("--target-id", *target_id, "the token to follow, as an id");
  command->add_flag("!--no-final-norm", *final_norm,
                    "read the residual states without the final norm");
  command->add_option("--plot", *plot, "write a heat map PNG of the target's probability");
  command->add_option("--logits-out", *logits_out,
                      "write the prompt's logits [T, V] as float32 .npy (for bench/ references)");
  command->add_flag("--json", *json, "print the lens as JSON");
  command->callback([=] {
    PromptModel opened = open_prompt_model(*prompt);
    Transformer model = opened.model;
    const Tokenizer* tokenizer = opened.tokenizer.get();
    const std::vector<int64_t> ids = prompt_ids(*prompt, tokenizer);
    torch::Tensor tokens = torch::tensor(ids, torch::kInt64).unsqueeze(0);
    torch::NoGradGuard no_grad;
    torch::Tensor logits = model->forward(tokens)[0];  // [T, V]
    if (!logits_out->empty()) {
      torch::Tensor values = logits.contiguous().to(torch::kFloat32);
      std::vector<float> flat(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
      write_file_atomically(*logits_out, npy_float32_bytes(flat, {logits.size(0), logits.size(1)}));
    }
    int64_t followed = *target_id;
    if (!target->empty()) followed = continuation_tokens(tokenizer, *target, "--target")[0];
    if (followed < 0) followed = logits[-1].argmax().item<int64_t>();
    LogitLens lens = logit_lens(*model, tokens, followed, *final_norm);
    auto piece = [&](int64_t id) { return opened.piece(id); };
    std::vector<std::string> labels;
    for (int64_t id : ids) labels.push_back(piece(id));
    if (*json) {
      nlohmann::json rows = nlohmann::json::array();
      for (size_t r = 0; r < lens.rows.size(); ++r) {
        nlohmann::json cells = nlohmann::json::array();
        for (int64_t t = 0; t < lens.rank.size(1); ++t)
          cells.push_back({{"rank", lens.rank[r][t].item<int64_t>()},
                           {"probability", lens.probability[r][t].item<double>()},
                           {"top_token", lens.top_token[r][t].item<int64_t>()},
                           {"top_probability", lens.top_probability[r][t].item<double>()}});
        rows.push_back({{"hook", lens.rows[r]}, {"positions", cells}});
      }
      std::cout << nlohmann::json{{"prompt_ids", ids},
                                  {"target", followed},
                                  {"final_norm", *final_norm},
                                  {"rows", rows}}
                       .dump(2)
                << "\n";
    } else {
      std::cout << fmt::format("Logit lens of token {} ({}){}: rank / probability\n\n", followed,
                               quote(piece(followed)),
                               *final_norm ? "" : ", without the final norm");
      std::cout << "| state |";
      for (const std::string& label : labels) std::cout << " " << quote(label, 12) << " |";
      std::cout << "\n|---|";
      for (size_t t = 0; t < labels.size(); ++t) std::cout << "---|";
      std::cout << "\n";
      for (size_t r = 0; r < lens.rows.size(); ++r) {
        std::cout << "| " << lens.rows[r] << " |";
        for (int64_t t = 0; t < lens.rank.size(1); ++t)
          std::cout << fmt::format(" {} / {:.3f} |", lens.rank[r][t].item<int64_t>(),
                                   lens.probability[r][t].item<double>());
        std::cout << "\n";
      }
    }
    if (!plot->empty()) {
      std::vector<std::string> rows;
      for (size_t r = 0; r < lens.rows.size(); ++r)
        rows.push_back(r == 0 ? "embed" : "L" + std::to_string(r - 1));
      plot_heat_map(
          lens.probability, rows, labels, *plot,
          fmt::format("logit lens: P({}) by layer and position", quote(piece(followed), 20)), 0.0,
          1.0);
    }
  });
}

void add_convert(CLI::App& lm) {
  auto input = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto dtype = std::make_shared<std::string>("f32");
  CLI::App* command = lm.add_subcommand(
      "convert", "Convert between llama2.c checkpoints (.bin) and Hugging Face safetensors");
  command->add_option("--model", *input, "the model to read (.bin, directory or .safetensors)")
      ->required();
  command
      ->add_option("--out", *output,
                   "where to write: a .bin path (llama2.c) or a directory (Hugging Face)")
      ->required();
  command->add_option("--dtype", *dtype, "safetensors weights: f32, f16 or bf16")
      ->capture_default_str()
      ->check(CLI::IsMember({"f32", "f16", "bf16"}));
  command->callback([=] {
    Transformer model = load_model(*input);
    const SafetensorsDtype type = *dtype == "f16"    ? SafetensorsDtype::kF16
                                  : *dtype == "bf16" ? SafetensorsDtype::kBF16
                                                     : SafetensorsDtype::kF32;
    save_model(*model, *output, type);
    std::cerr << fmt::format("evergreen lm: wrote {} ({} parameters)\n", *output,
                             model->options().parameter_count());
  });
}

void add_init(CLI::App& lm) {
  struct Shape {
    std::string architecture = "llama";
    int64_t vocab_size = 512, dim = 64, layers = 4, heads = 4, kv_heads = 4, hidden_dim = 172;
    int64_t context = 256;
    uint64_t seed = 0;
    std::string out;
  };
  auto shape = std::make_shared<Shape>();
  CLI::App* command = lm.add_subcommand(
      "init", "Write a freshly initialised model (N(0, 0.02) weights) of a chosen shape");
  command->add_option("--architecture", shape->architecture, "llama or gpt2")
      ->capture_default_str()
      ->check(CLI::IsMember({"llama", "gpt2"}));
  command->add_option("--vocab-size", shape->vocab_size, "tokens")->capture_default_str();
  command->add_option("--dim", shape->dim, "residual width")->capture_default_str();
  command->add_option("--layers", shape->layers, "blocks")->capture_default_str();
  command->add_option("--heads", shape->heads, "attention heads")->capture_default_str();
  command->add_option("--kv-heads", shape->kv_heads, "key/value heads (Llama; GPT-2 has --heads)")
      ->capture_default_str();
  command->add_option("--hidden-dim", shape->hidden_dim, "MLP width")->capture_default_str();
  command->add_option("--context", shape->context, "maximum sequence length")
      ->capture_default_str();
  command->add_option("--seed", shape->seed, "initialisation seed")->capture_default_str();
  command->add_option("--out", shape->out, "a .bin path (llama2.c) or a directory (Hugging Face)")
      ->required();
  command->callback([shape] {
    const Architecture architecture = parse_architecture(shape->architecture, "--architecture");
    TransformerOptions options =
        TransformerOptions()
            .architecture(architecture)
            .vocab_size(shape->vocab_size)
            .dim(shape->dim)
            .n_layers(shape->layers)
            .n_heads(shape->heads)
            .n_kv_heads(architecture == Architecture::kGpt2 ? shape->heads : shape->kv_heads)
            .hidden_dim(shape->hidden_dim)
            .max_seq_len(shape->context);
    options.check("evergreen lm init");
    torch::manual_seed(shape->seed);
    Transformer model(options);
    save_model(*model, shape->out);
    std::cerr << fmt::format("evergreen lm: wrote {} ({} parameters)\n", shape->out,
                             options.parameter_count());
  });
}

}  // namespace

void add_lm_command(CLI::App& app) {
  CLI::App* lm = app.add_subcommand(
      "lm",
      "Transformer language models: generate, train, eval, inspect (logit lens), trace, edit, "
      "convert, init");
  lm->require_subcommand(1);
  add_generate(*lm);
  add_inspect(*lm);
  add_convert(*lm);
  add_init(*lm);
  add_lm_train(*lm);
  add_lm_eval(*lm);
  add_lm_creme_commands(*lm);
}

}  // namespace evergreen::cli
