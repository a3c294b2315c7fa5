// `evergreen lm eval`: a model's knowledge on prompt/answer queries (a JSON object per line:
// prompt, answer and optionally kind), as greedy exact-match accuracy and CREME's answer
// probability per kind — the two-hop world's queries (gen two-hop) or the user's own.
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "evergreen/core/error.h"
#include "evergreen/data/io/input_file.h"
#include "evergreen/models/lm/answer_probability.h"
#include "lm_cli_support.h"

namespace evergreen::cli {

void add_lm_eval(CLI::App& lm) {
  struct Flags {
    std::string model, tokenizer, queries;
    int64_t limit = 0;
    bool json = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = lm.add_subcommand(
      "eval",
      "Greedy exact-match accuracy and answer probability (after Li et al. 2024) on prompt/answer "
      "queries, per kind");
  command->add_option("--model", flags->model, "the model (.bin or Hugging Face directory)")
      ->required();
  command->add_option("--tokenizer", flags->tokenizer, "tokenizer (default: beside the model)");
  command
      ->add_option("--queries", flags->queries,
                   "JSON lines {\"prompt\", \"answer\", \"kind\"} (gen two-hop writes them)")
      ->required();
  command->add_option("--limit", flags->limit, "queries read at most (0: all)")
      ->capture_default_str();
  command->add_flag("--json", flags->json, "print the scores as JSON");
  command->callback([flags] {
    PromptOptions prompt;
    prompt.model = flags->model;
    prompt.tokenizer = flags->tokenizer;
    PromptModel opened = open_prompt_model(prompt);
    EVERGREEN_CHECK_INPUT(opened.tokenizer != nullptr,
                          "--tokenizer: none given and none found beside {}", flags->model);
    struct Tally {
      int64_t queries = 0, correct = 0;
      double probability = 0.0;
    };
    std::map<std::string, Tally> tallies;
    std::ifstream in = open_input_file(flags->queries);
    std::string line;
    int64_t number = 0;
    while (std::getline(in, line) && (flags->limit == 0 || number < flags->limit)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      nlohmann::json query;
      try {
        query = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception& error) {
        throw InputError(fmt::format("{}:{}: not JSON ({})", flags->queries, number, error.what()));
      }
      EVERGREEN_CHECK_INPUT(
          query.is_object() && query.contains("prompt") && query["prompt"].is_string() &&
              query.contains("answer") && query["answer"].is_string(),
          "{}:{}: expected {{\"prompt\": text, \"answer\": text}}", flags->queries, number);
      const std::string kind = query.contains("kind") && query["kind"].is_string()
                                   ? query["kind"].get<std::string>()
                                   : "all";
      const std::vector<int64_t> ids =
          opened.tokenizer->encode(query["prompt"].get<std::string>(), true);
      const std::vector<int64_t> answer =
          continuation_tokens(opened.tokenizer.get(), query["answer"], "answer");
      lm::AnswerScore score;
      try {
        score = lm::score_answer(*opened.model, ids, answer);
      } catch (const InputError& error) {
        throw InputError(fmt::format("{}:{}: {}", flags->queries, number, error.what()));
      }
      Tally& tally = tallies[kind];
      ++tally.queries;
      tally.correct += score.greedy_correct ? 1 : 0;
      tally.probability += score.probability;
    }
    EVERGREEN_CHECK_INPUT(!tallies.empty(), "{}: no query", flags->queries);
    nlohmann::json kinds = nlohmann::json::object();
    for (const auto& [kind, tally] : tallies)
      kinds[kind] = {{"queries", tally.queries},
                     {"accuracy", static_cast<double>(tally.correct) / tally.queries},
                     {"mean_probability", tally.probability / tally.queries}};
    if (flags->json) {
      std::cout << nlohmann::json{{"model", flags->model}, {"kinds", kinds}}.dump(2) << "\n";
      return;
    }
    std::cout << "| kind | queries | greedy accuracy | mean P(answer) |\n|---|---|---|---|\n";
    for (const auto& [kind, scores] : kinds.items())
      std::cout << fmt::format("| {} | {} | {:.4f} | {:.4f} |\n", kind,
                               scores["queries"].get<int64_t>(), scores["accuracy"].get<double>(),
                               scores["mean_probability"].get<double>());
  });
}

}  // namespace evergreen::cli
