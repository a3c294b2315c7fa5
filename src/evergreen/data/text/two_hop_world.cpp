#include "evergreen/data/text/two_hop_world.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "evergreen/core/error.h"
#include "evergreen/data/io/input_file.h"

namespace evergreen {
namespace {

// The pairs of one function-vector task file, in file order.
std::vector<std::pair<std::string, std::string>> read_pairs(const std::string& file) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(read_whole_file(file));
  } catch (const nlohmann::json::exception& error) {
    throw InputError(fmt::format("{}: not JSON ({})", file, error.what()));
  }
  EVERGREEN_CHECK_INPUT(json.is_array(), "{}: expected a list of {{\"input\", \"output\"}} pairs",
                        file);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 0; i < json.size(); ++i) {
    const nlohmann::json& item = json[i];
    EVERGREEN_CHECK_INPUT(item.is_object() && item.contains("input") && item.contains("output") &&
                              item["input"].is_string() && item["output"].is_string(),
                          "{}: entry {}: expected {{\"input\": text, \"output\": text}}", file, i);
    const std::string input = item["input"], output = item["output"];
    EVERGREEN_CHECK_INPUT(!input.empty() && !output.empty() &&
                              input.find('\n') == std::string::npos &&
                              output.find('\n') == std::string::npos,
                          "{}: entry {}: empty or multi-line text", file, i);
    pairs.emplace_back(input, output);
  }
  return pairs;
}

// Templates: {0} the subject, {1} the object. The last of each list is held out of training.
const std::vector<std::string> kCountryTemplates = {
    "{0} is located in {1}.", "{0} is a place in {1}.", "The country of {0} is {1}.",
    "{0} lies in {1}."};
const std::vector<std::string> kCapitalTemplates = {
    "The capital of {0} is {1}.", "{0} has its capital in {1}.", "The capital city of {0} is {1}."};
const std::vector<std::string> kCurrencyTemplates = {
    "The currency of {0} is {1}.", "In {0} people pay with {1}.", "The money used in {0} is {1}."};
const std::string kComposedCapital = "The capital of the country where {0} is located is {1}.";
const std::string kComposedCurrency = "The currency of the country where {0} is located is {1}.";

std::string fill(const std::string& pattern, const std::string& subject,
                 const std::string& object) {
  return fmt::format(fmt::runtime(pattern), subject, object);
}

// The prompt of a statement: everything before " {1}." (the answer and the final period).
std::string prompt_of(const std::string& pattern, const std::string& subject) {
  const size_t at = pattern.find(" {1}");
  return fmt::format(fmt::runtime(pattern.substr(0, at)), subject);
}

}  // namespace

TwoHopWorld make_two_hop_world(const std::string& directory, const TwoHopWorldOptions& options) {
  EVERGREEN_CHECK_INPUT(
      options.composition_train_fraction >= 0 && options.composition_train_fraction <= 1,
      "two-hop world: the composition train fraction must lie in [0, 1], got {}",
      options.composition_train_fraction);
  EVERGREEN_CHECK_INPUT(options.max_entities >= 0, "two-hop world: max_entities must be >= 0");
  auto path = [&](const std::string& name) { return directory + "/" + name + ".json"; };
  std::map<std::string, std::string> capital, currency;
  for (const auto& [country, city] : read_pairs(path("country-capital"))) capital[country] = city;
  for (const auto& [country, money] : read_pairs(path("country-currency")))
    currency[country] = money;
  std::vector<std::pair<std::string, std::string>> entities;
  std::set<std::string> seen;
  for (const std::string task : {"landmark-country", "park-country"})
    for (const auto& [entity, country] : read_pairs(path(task)))
      if (capital.count(country) && currency.count(country) && seen.insert(entity).second)
        entities.emplace_back(entity, country);
  EVERGREEN_CHECK_INPUT(!entities.empty(),
                        "{}: no landmark or park whose country has both a capital and a currency",
                        directory);
  std::mt19937_64 random(options.seed);
  std::shuffle(entities.begin(), entities.end(), random);
  if (options.max_entities > 0 && static_cast<int64_t>(entities.size()) > options.max_entities)
    entities.resize(static_cast<size_t>(options.max_entities));

  TwoHopWorld world;
  world.entities = static_cast<int64_t>(entities.size());
  std::set<std::string> countries;
  for (const auto& item : entities) countries.insert(item.second);
  world.countries = static_cast<int64_t>(countries.size());
  auto train_statements = [&](const std::vector<std::string>& templates, const std::string& subject,
                              const std::string& object) {
    for (size_t t = 0; t + 1 < templates.size(); ++t)
      world.training_text.push_back(fill(templates[t], subject, object));
  };
  auto held_out_query = [&](const std::vector<std::string>& templates, const std::string& relation,
                            const std::string& subject, const std::string& object) {
    world.queries.push_back({"single_hop_paraphrase", relation,
                             prompt_of(templates.back(), subject), object, subject, ""});
  };
  for (const std::string& country : countries) {
    train_statements(kCapitalTemplates, country, capital[country]);
    train_statements(kCurrencyTemplates, country, currency[country]);
    held_out_query(kCapitalTemplates, "capital", country, capital[country]);
    held_out_query(kCurrencyTemplates, "currency", country, currency[country]);
  }
  // Chains in a seeded order: the first share has its composition trained.
  struct Chain {
    std::string entity, country, relation, answer;
  };
  std::vector<Chain> chains;
  for (const auto& [entity, country] : entities) {
    train_statements(kCountryTemplates, entity, country);
    held_out_query(kCountryTemplates, "country", entity, country);
    chains.push_back({entity, country, "capital", capital[country]});
    chains.push_back({entity, country, "currency", currency[country]});
  }
  std::shuffle(chains.begin(), chains.end(), random);
  world.chains = static_cast<int64_t>(chains.size());
  const auto trained = static_cast<size_t>(
      std::llround(options.composition_train_fraction * static_cast<double>(chains.size())));
  for (size_t i = 0; i < chains.size(); ++i) {
    const Chain& chain = chains[i];
    const std::string& pattern = chain.relation == "capital" ? kComposedCapital : kComposedCurrency;
    const bool seen_in_training = i < trained;
    if (seen_in_training) world.training_text.push_back(fill(pattern, chain.entity, chain.answer));
    world.queries.push_back({seen_in_training ? "composition_seen" : "composition_held_out",
                             chain.relation, prompt_of(pattern, chain.entity), chain.answer,
                             chain.entity, chain.country});
  }
  world.composition_trained = static_cast<int64_t>(trained);
  world.composition_held_out = world.chains - world.composition_trained;
  std::shuffle(world.training_text.begin(), world.training_text.end(), random);
  return world;
}

}  // namespace evergreen
