// A two-hop knowledge world from real entities, for measuring compositional reasoning and CREME's
// edits on models trained here (after Li et al. 2024, whose MQuAKE data are not available): the
// function-vector task pairs landmark -> country and park -> country joined with country ->
// capital and country -> currency give chains entity -> country (the bridge) -> answer.
//
// The training text states every single-hop fact under several paraphrase templates, and the
// composed question for a training share of the chains; the other chains' compositions never
// appear, though both their hops do. Queries test single-hop facts under a template never trained
// (held-out paraphrases), seen compositions and held-out compositions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace evergreen {

/// One evaluation query: the model is to continue `prompt` with `answer` (after a space).
struct TwoHopQuery {
  std::string kind;      ///< single_hop_paraphrase, composition_seen, composition_held_out
  std::string relation;  ///< country, capital, currency
  std::string prompt;
  std::string answer;
  std::string entity;  ///< the chain's first entity (or the country of a country -> X fact)
  std::string bridge;  ///< the country (compositions only)
};

struct TwoHopWorld {
  std::vector<std::string> training_text;  ///< one statement per line
  std::vector<TwoHopQuery> queries;
  int64_t entities = 0;   ///< landmarks and parks (distinct names)
  int64_t countries = 0;  ///< bridges with both a capital and a currency
  int64_t chains = 0;     ///< entity x {capital, currency}
  int64_t composition_trained = 0;
  int64_t composition_held_out = 0;
};

struct TwoHopWorldOptions {
  /// Share of the chains whose composed statement is in the training text.
  double composition_train_fraction = 0.5;
  /// Keep at most this many entities (0: all), the first after a seeded shuffle.
  int64_t max_entities = 0;
  uint64_t seed = 0;
};

/// The world built from `directory` (landmark-country.json, park-country.json,
/// country-capital.json, country-currency.json: lists of {"input", "output"}). InputError naming
/// the file and the entry for anything else; entities whose country has no capital or currency
/// are left out.
TwoHopWorld make_two_hop_world(const std::string& directory, const TwoHopWorldOptions& options);

}  // namespace evergreen
