// `evergreen lm trace | edit`: CREME's locating and editing tools (after Li et al. 2024) on any
// model the family loads — causal tracing as a layer x position heat map, and the rank-one edit
// of the attention (or MLP) output projection that makes a failing prompt behave like a guide.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "evergreen/core/error.h"
#include "evergreen/core/quoting.h"
#include "evergreen/models/lm/answer_probability.h"
#include "evergreen/models/lm/causal_tracing.h"
#include "evergreen/models/lm/model_file.h"
#include "evergreen/models/lm/rank_one_edit.h"
#include "lm_cli_support.h"

namespace evergreen::cli {
namespace {

using namespace evergreen::lm;
using namespace evergreen::text;

// "B:E" as the half-open position range [B, E).
std::pair<int64_t, int64_t> parse_positions(const std::string& text) {
  const size_t colon = text.find(':');
  EVERGREEN_CHECK_INPUT(colon != std::string::npos,
                        "--subject-positions: expected BEGIN:END (END excluded), got {}",
                        quote(text));
  const std::vector<int64_t> begin = parse_ids(text.substr(0, colon), "--subject-positions");
  const std::vector<int64_t> end = parse_ids(text.substr(colon + 1), "--subject-positions");
  EVERGREEN_CHECK_INPUT(begin.size() == 1 && end.size() == 1,
                        "--subject-positions: expected BEGIN:END (END excluded), got {}",
                        quote(text));
  return {begin[0], end[0]};
}

// The token to follow: --target-id, else the first token of --target, else the model's
// prediction at the prompt's last position.
int64_t followed_token(TransformerImpl& model, const std::vector<int64_t>& ids,
                       const Tokenizer* tokenizer, const std::string& target, int64_t target_id) {
  if (target_id >= 0) return target_id;
  if (!target.empty()) return continuation_tokens(tokenizer, target, "--target")[0];
  torch::NoGradGuard no_grad;
  return model.forward(torch::tensor(ids, torch::kInt64).unsqueeze(0))[0][-1]
      .argmax()
      .item<int64_t>();
}

// `base.png` -> `base-<state>.png` when several states are plotted.
std::string plot_path(const std::string& base, const std::string& state, bool several) {
  if (!several) return base;
  const size_t dot = base.rfind('.');
  return dot == std::string::npos || dot == 0
             ? base + "-" + state
             : base.substr(0, dot) + "-" + state + base.substr(dot);
}

void add_trace(CLI::App& lm) {
  struct Flags {
    PromptOptions prompt;
    std::string subject, subject_positions, target, state = "all", plot;
    int64_t target_id = -1, window = -1, samples = 10;
    double noise = 3.0;
    uint64_t seed = 0;
    bool json = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = lm.add_subcommand(
      "trace",
      "Causal tracing (after Meng et al. 2022): which layer and position carry the answer, by "
      "restoring clean states into a run whose subject is corrupted");
  add_prompt_options(command, flags->prompt);
  command->add_option("--subject", flags->subject, "the subject's text within the prompt");
  command->add_option("--subject-positions", flags->subject_positions,
                      "the subject's token positions BEGIN:END (END excluded), instead");
  command->add_option("--target", flags->target,
                      "the answer token to follow, as text (its first token); default: the "
                      "model's prediction");
  command->add_option("--target-id", flags->target_id, "the answer token, as an id");
  command->add_option("--state", flags->state, "residual, attention, mlp or all")
      ->capture_default_str()
      ->check(CLI::IsMember({"residual", "attention", "mlp", "all"}));
  command->add_option("--window", flags->window,
                      "layers restored at once (default: 1 for the residual, 10/48 of the "
                      "depth for attention and MLP, as ROME)");
  command->add_option("--samples", flags->samples, "noise draws per cell")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1000}));
  command
      ->add_option("--noise", flags->noise,
                   "noise standard deviation, in standard deviations of the subject's "
                   "embeddings")
      ->capture_default_str();
  command->add_option("--seed", flags->seed, "noise seed")->capture_default_str();
  command->add_option("--plot", flags->plot,
                      "heat map PNG of the recovered probability (with --state all: one per "
                      "state, FILE-residual.png ...)");
  command->add_flag("--json", flags->json, "print the traces as JSON");
  command->callback([flags] {
    EVERGREEN_CHECK_INPUT(flags->subject.empty() != flags->subject_positions.empty(),
                          "evergreen lm trace: give the subject as --subject TEXT or "
                          "--subject-positions BEGIN:END");
    PromptModel opened = open_prompt_model(flags->prompt);
    const Tokenizer* tokenizer = opened.tokenizer.get();
    const std::vector<int64_t> ids = prompt_ids(flags->prompt, tokenizer);
    const auto [begin, end] = flags->subject.empty() ? parse_positions(flags->subject_positions)
                                                     : find_subject(ids, tokenizer, flags->subject);
    const int64_t target =
        followed_token(*opened.model, ids, tokenizer, flags->target, flags->target_id);
    std::vector<TracedState> states;
    if (flags->state == "all")
      states = {TracedState::kResidual, TracedState::kAttention, TracedState::kMlp};
    else
      states = {parse_traced_state(flags->state)};
    std::vector<std::string> labels;
    for (int64_t id : ids) labels.push_back(opened.piece(id));
    nlohmann::json traces = nlohmann::json::array();
    for (TracedState state : states) {
      CausalTracingOptions options;
      options.state = state;
      options.window = flags->window;
      options.noise_multiplier = flags->noise;
      options.samples = flags->samples;
      options.seed = flags->seed;
      CausalTrace trace = causal_trace(*opened.model, ids, begin, end, target, options);
      const std::string name = traced_state_name(state);
      if (flags->json) {
        std::vector<std::vector<double>> rows;
        for (int64_t layer = 0; layer < trace.probability.size(0); ++layer) {
          torch::Tensor row = trace.probability[layer].contiguous();
          rows.emplace_back(row.data_ptr<double>(), row.data_ptr<double>() + row.numel());
        }
        traces.push_back({{"state", name},
                          {"window", trace.window},
                          {"clean", trace.clean},
                          {"corrupted", trace.corrupted},
                          {"noise_std", trace.noise_std},
                          {"probability", rows}});
      } else {
        std::cout << fmt::format(
            "## {} (window {}): P({}) restored, clean {:.4f}, corrupted {:.4f}\n\n| layer |", name,
            trace.window, quote(opened.piece(target)), trace.clean, trace.corrupted);
        for (size_t t = 0; t < labels.size(); ++t)
          std::cout << " " << quote(labels[t], 12)
                    << (static_cast<int64_t>(t) >= begin && static_cast<int64_t>(t) < end ? "*"
                                                                                          : "")
                    << " |";
        std::cout << "\n|---|";
        for (size_t t = 0; t < labels.size(); ++t) std::cout << "---|";
        std::cout << "\n";
        for (int64_t layer = 0; layer < trace.probability.size(0); ++layer) {
          std::cout << "| " << layer << " |";
          for (int64_t t = 0; t < trace.probability.size(1); ++t)
            std::cout << fmt::format(" {:.4f} |", trace.probability[layer][t].item<double>());
          std::cout << "\n";
        }
        std::cout << "\n";
      }
      if (!flags->plot.empty()) {
        std::vector<std::string> rows;
        for (int64_t layer = 0; layer < trace.probability.size(0); ++layer)
          rows.push_back("L" + std::to_string(layer));
        plot_heat_map(trace.probability, rows, labels,
                      plot_path(flags->plot, name, states.size() > 1),
                      fmt::format("causal tracing, {} restored (window {}): P({})", name,
                                  trace.window, quote(opened.piece(target), 20)),
                      0.0, std::max(trace.clean, 1e-6));
      }
    }
    if (flags->json)
      std::cout << nlohmann::json{{"prompt_ids", ids},
                                  {"subject", {begin, end}},
                                  {"target", target},
                                  {"traces", traces}}
                       .dump(2)
                << "\n";
    else
      std::cout << fmt::format("subject positions {}..{} (marked *); after Meng et al. 2022\n",
                               begin, end - 1);
  });
}

void add_edit(CLI::App& lm) {
  struct Flags {
    PromptOptions prompt;
    std::string guide, answer, layers, site = "attention", out;
    std::vector<std::string> also;
    bool json = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = lm.add_subcommand(
      "edit",
      "CREME's rank-one edit (after Li et al. 2024): make the prompt's projection output at the "
      "chosen layers what a guide prompt produces");
  add_prompt_options(command, flags->prompt);
  command
      ->add_option("--guide", flags->guide,
                   "the guide prompt (the question with its bridge entity spelled out)")
      ->required();
  command
      ->add_option("--layers", flags->layers,
                   "layers to edit, comma separated, in order (locate them with lm trace)")
      ->required();
  command
      ->add_option("--site", flags->site,
                   "attention (o_proj: CREME) or mlp (down_proj: ROME's site)")
      ->capture_default_str()
      ->check(CLI::IsMember({"attention", "mlp"}));
  command->add_option("--answer", flags->answer,
                      "the correct answer's text; default: the guide's predicted next token");
  command->add_option("--also", flags->also,
                      "another prompt to measure with the same answer (paraphrases, other "
                      "compositions; repeatable)");
  command->add_option("--out", flags->out, "write the edited model here (.bin or a directory)");
  command->add_flag("--json", flags->json, "print the measurements as JSON");
  command->callback([flags] {
    PromptModel opened = open_prompt_model(flags->prompt);
    TransformerImpl& model = *opened.model;
    const Tokenizer* tokenizer = opened.tokenizer.get();
    const std::vector<int64_t> ids = prompt_ids(flags->prompt, tokenizer);
    EVERGREEN_CHECK_INPUT(tokenizer != nullptr, "--guide: needs a tokenizer");
    const std::vector<int64_t> guide = tokenizer->encode(flags->guide, flags->prompt.bos);
    const std::vector<int64_t> layers = parse_ids(flags->layers, "--layers");
    std::vector<int64_t> answer;
    if (flags->answer.empty())
      answer = {followed_token(model, guide, tokenizer, "", -1)};
    else
      answer = continuation_tokens(tokenizer, flags->answer, "--answer");
    std::vector<std::pair<std::string, std::vector<int64_t>>> queries = {
        {flags->prompt.prompt.empty() ? "(ids)" : flags->prompt.prompt, ids}};
    for (const std::string& text : flags->also)
      queries.emplace_back(text, tokenizer->encode(text, flags->prompt.bos));
    std::vector<double> before;
    for (const auto& query : queries)
      before.push_back(answer_probability(model, query.second, answer));
    const std::vector<RankOneEdit> edits =
        edit_layers(model, ids, guide, layers, parse_edit_site(flags->site));
    nlohmann::json measured = nlohmann::json::array();
    for (size_t q = 0; q < queries.size(); ++q) {
      const double after = answer_probability(model, queries[q].second, answer);
      measured.push_back({{"prompt", queries[q].first},
                          {"before", before[q]},
                          {"after", after},
                          {"relative_change", relative_change(before[q], after)}});
    }
    nlohmann::json applied = nlohmann::json::array();
    for (const RankOneEdit& edit : edits)
      applied.push_back({{"layer", edit.layer},
                         {"site", edit_site_name(edit.site)},
                         {"delta_norm", edit.delta.norm().item<double>()},
                         {"key_norm", edit.key.norm().item<double>()}});
    if (!flags->out.empty()) save_model(model, flags->out);
    std::string answer_text;
    for (int64_t id : answer) answer_text += opened.piece(id);
    if (flags->json) {
      std::cout << nlohmann::json{{"answer", answer},
                                  {"answer_text", answer_text},
                                  {"edits", applied},
                                  {"queries", measured}}
                       .dump(2)
                << "\n";
      return;
    }
    std::cout << fmt::format("Rank-one edit of the {} output projection, after Li et al. 2024\n\n",
                             flags->site);
    std::cout << "| layer | ‖ΔW‖ | ‖k‖ |\n|---|---|---|\n";
    for (const auto& edit : applied)
      std::cout << fmt::format("| {} | {:.4g} | {:.4g} |\n", edit["layer"].get<int64_t>(),
                               edit["delta_norm"].get<double>(), edit["key_norm"].get<double>());
    std::cout << fmt::format(
        "\nP({}) before and after:\n\n| prompt | before | after | relative "
        "change |\n|---|---|---|---|\n",
        quote(answer_text));
    for (const auto& row : measured)
      std::cout << fmt::format("| {} | {:.4f} | {:.4f} | {:+.3f} |\n",
                               quote(row["prompt"].get<std::string>(), 60),
                               row["before"].get<double>(), row["after"].get<double>(),
                               row["relative_change"].get<double>());
    if (!flags->out.empty()) std::cerr << "evergreen lm: wrote " << flags->out << "\n";
  });
}

}  // namespace

void add_lm_creme_commands(CLI::App& lm) {
  add_trace(lm);
  add_edit(lm);
}

}  // namespace evergreen::cli
