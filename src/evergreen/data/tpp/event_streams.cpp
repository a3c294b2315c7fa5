#include "evergreen/data/tpp/event_streams.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include "evergreen/core/error.h"
#include "evergreen/core/resource_bounds.h"
#include "evergreen/data/tpp/known_process.h"

namespace evergreen {
namespace {

int64_t longest(const std::vector<std::vector<MarkedSequence>>& groups) {
  size_t length = 2;
  for (const auto& group : groups)
    for (const auto& sequence : group) length = std::max(length, sequence.times.size());
  return static_cast<int64_t>(length);
}

/// Parses "A-B" (inclusive) into [A, B + 1).
std::pair<int64_t, int64_t> parse_range(Options& options, const std::string& key,
                                        const std::string& fallback, int64_t count) {
  auto text = options.get<std::string>(key, fallback, "inclusive index range A-B of sequences");
  auto dash = text.find('-');
  int64_t begin = -1, end = -1;
  try {
    begin = std::stoll(text.substr(0, dash));
    end = dash == std::string::npos ? begin : std::stoll(text.substr(dash + 1));
  } catch (const std::exception&) {
  }
  EVERGREEN_CHECK_INPUT(begin >= 0 && end >= begin && end < count,
                        "{}: expected a range A-B within 0-{}, got '{}'", options.where(key),
                        count - 1, text);
  return {begin, end + 1};
}

/// Random stationary Hawkes parameters for one regime.
HawkesParameters draw_regime(int64_t types, double branching, std::mt19937_64& random) {
  auto uniform = [&](double low, double high) {
    return low + (high - low) * (static_cast<double>(random() >> 11) * 0x1.0p-53);
  };
  HawkesParameters parameters;
  parameters.alpha.assign(types, std::vector<double>(types));
  parameters.beta.assign(types, std::vector<double>(types));
  for (int64_t i = 0; i < types; ++i) {
    parameters.mu.push_back(uniform(0.1, 0.6));
    for (int64_t j = 0; j < types; ++j) {
      parameters.alpha[i][j] = uniform(0.0, 1.0);
      parameters.beta[i][j] = uniform(0.5, 3.0);
    }
  }
  double radius = hawkes_spectral_radius(parameters.alpha);
  for (auto& row : parameters.alpha)
    for (double& value : row) value *= branching / radius;
  return parameters;
}

// Events a sequence contributes to the likelihood: all but the first, which only starts the
// history (EasyTPP's convention, the models' and the evaluation's).
int64_t scored_events(const std::vector<MarkedSequence>& sequences) {
  int64_t scored = 0;
  for (const MarkedSequence& sequence : sequences)
    scored += std::max<int64_t>(0, sequence.size() - 1);
  return scored;
}

// A split without a scored event would train on nothing or report NLL 0, a perfect model.
void check_split_is_scored(const std::string& file, const char* split, const std::string& range,
                           const std::vector<MarkedSequence>& sequences) {
  if (scored_events(sequences) > 0) return;
  int64_t longest_sequence = 0;
  for (const MarkedSequence& sequence : sequences)
    longest_sequence = std::max(longest_sequence, sequence.size());
  const bool one = sequences.size() == 1;
  const std::string held = longest_sequence == 0 ? "no event" : one ? "1 event" : "1 event each";
  throw InputError(fmt::format(
      "{}: the {} split's {} sequence{} (range {}) hold{} {}: a sequence needs >= 2 events to be "
      "scored (the first only starts the history); give sequences with more events",
      file, split, sequences.size(), one ? "" : "s", range, one ? "s" : "", held));
}

std::string describe(const HawkesParameters& parameters) {
  std::ostringstream text;
  text << "mu [" << fmt::format("{:.3f}", fmt::join(parameters.mu, ", ")) << "], alpha [";
  for (const auto& row : parameters.alpha)
    text << "[" << fmt::format("{:.3f}", fmt::join(row, ", ")) << "]";
  text << "], beta [";
  for (const auto& row : parameters.beta)
    text << "[" << fmt::format("{:.3f}", fmt::join(row, ", ")) << "]";
  text << "]";
  return text.str();
}

}  // namespace

Batch pad_sequences(const std::vector<MarkedSequence>& sequences, int64_t length) {
  const auto rows = static_cast<int64_t>(sequences.size());
  // One long sequence pads every other one to its length: times, types and mask per position.
  check_allocation(
      static_cast<double>(rows) * static_cast<double>(length) *
          (sizeof(float) + sizeof(int64_t) + sizeof(float)),
      fmt::format("{} event sequences padded to the longest ({} events)", rows, length));
  auto times = torch::zeros({rows, length});
  auto types = torch::zeros({rows, length}, torch::kLong);
  auto mask = torch::zeros({rows, length});
  auto time_access = times.accessor<float, 2>();
  auto type_access = types.accessor<int64_t, 2>();
  auto mask_access = mask.accessor<float, 2>();
  for (int64_t row = 0; row < rows; ++row) {
    const auto& sequence = sequences[row];
    const auto count = static_cast<int64_t>(sequence.times.size());
    EVERGREEN_ASSERT(count <= length, "sequence of {} events padded to {}", count, length);
    for (int64_t i = 0; i < length; ++i) {
      int64_t source = std::min(i, count - 1);
      time_access[row][i] = count > 0 ? static_cast<float>(sequence.times[source]) : 0.0f;
      type_access[row][i] = i < count ? sequence.types[i] : 0;
      mask_access[row][i] = i < count ? 1.0f : 0.0f;
    }
  }
  return Batch{{"times", times}, {"types", types}, {"mask", mask}};
}

double hawkes_log_likelihood_easytpp(const HawkesParameters& parameters,
                                     const EventSequence& events) {
  if (events.size() < 2) return 0.0;
  // The first event sees no history: its intensity is mu and the integral up to it is
  // sum(mu) t_1. Removing both from the likelihood up to the last event gives the convention.
  double total_mu = 0;
  for (double rate : parameters.mu) total_mu += rate;
  return hawkes_log_likelihood_to_last_event(parameters, events) -
         std::log(parameters.mu[events.types[0]]) + total_mu * events.times[0];
}

Stream make_hawkes_regime_stream(Options& options) {
  auto types = options.get<int64_t>("types", 2, "event types (dimension of the process)");
  auto windows = options.get<int64_t>("windows", 4, "regimes, one experience each");
  auto train_sequences =
      options.get<int64_t>("train_sequences", 32, "training sequences per window");
  auto test_sequences = options.get<int64_t>("test_sequences", 16, "test sequences per window");
  auto horizon = options.get<double>("horizon", 50.0, "observation time per sequence");
  auto branching = options.get<double>("branching", 0.6, "spectral radius of the branching matrix");
  auto seed = options.get<int64_t>("seed", 0, "seed of the regimes and the simulations");
  EVERGREEN_CHECK_INPUT(types >= 1, "{}: must be >= 1", options.where("types"));
  EVERGREEN_CHECK_INPUT(windows >= 1, "{}: must be >= 1", options.where("windows"));
  EVERGREEN_CHECK_INPUT(train_sequences >= 1 && test_sequences >= 1,
                        "{}: train_sequences and test_sequences must be >= 1",
                        options.where("train_sequences"));
  EVERGREEN_CHECK_INPUT(horizon > 0, "{}: must be > 0", options.where("horizon"));
  EVERGREEN_CHECK_INPUT(branching > 0 && branching < 1, "{}: must be in (0, 1)",
                        options.where("branching"));
  EVERGREEN_CHECK_INPUT(std::isfinite(horizon), "{}: must be a finite number, got {}",
                        options.where("horizon"), horizon);
  // Each regime's parameters are types x types matrices (alpha, beta); its stationary rate is at
  // most types x 0.6 (the largest background rate) / (1 - branching) events per unit time.
  const double regime_bytes =
      2.0 * static_cast<double>(types) * static_cast<double>(types) * sizeof(double);
  check_allocation(regime_bytes * static_cast<double>(windows),
                   fmt::format("{}: the Hawkes parameters of {} regimes of {} types",
                               options.where("types"), windows, types));
  const double expected_events = static_cast<double>(windows) *
                                 static_cast<double>(train_sequences + test_sequences) * horizon *
                                 static_cast<double>(types) * 0.6 / (1 - branching);
  check_allocation(expected_events * kBytesPerSimulatedEvent,
                   fmt::format("{}: up to {:.3g} expected events ({} windows x {} sequences on "
                               "[0, {}])",
                               options.where("horizon"), expected_events, windows,
                               train_sequences + test_sequences, horizon));

  std::mt19937_64 random(static_cast<uint64_t>(seed));
  std::vector<HawkesParameters> regimes;
  std::vector<std::vector<MarkedSequence>> train(windows), test(windows);
  std::vector<double> true_nll(windows);
  for (int64_t w = 0; w < windows; ++w) {
    regimes.push_back(draw_regime(types, branching, random));
    double log_likelihood = 0, events = 0;
    for (int64_t s = 0; s < train_sequences + test_sequences; ++s) {
      EventSequence simulated = simulate_hawkes(regimes[w], horizon, random());
      if (simulated.size() < 2) {  // an empty or one-event sequence scores nothing
        --s;
        continue;
      }
      if (s < train_sequences) {
        train[w].push_back(std::move(simulated));
      } else {
        test[w].push_back(simulated);
        log_likelihood += hawkes_log_likelihood_easytpp(regimes[w], simulated);
        events += static_cast<double>(simulated.size() - 1);
      }
    }
    true_nll[w] = -log_likelihood / events;
  }
  const int64_t length = std::max(longest(train), longest(test));
  Stream stream;
  stream.name = fmt::format("regime-shifting Hawkes ({} types, seed {})", types, seed);
  stream.spec.kind = StreamKind::kEventSequences;
  stream.spec.num_event_types = types;
  stream.metadata = {{"max_length", std::to_string(length)}};
  for (int64_t w = 0; w < windows; ++w) {
    Experience experience;
    experience.id = w;
    experience.name = fmt::format("window {}", w + 1);
    experience.train = pad_sequences(train[w], length);
    experience.test = pad_sequences(test[w], length);
    experience.metadata = {{"parameters", describe(regimes[w])},
                           {"true_nll_per_event", fmt::format("{:.6f}", true_nll[w])}};
    stream.experiences.push_back(std::move(experience));
  }
  return stream;
}

Stream make_event_sequence_stream(Options& options) {
  auto format =
      options.get_choice("format", "npz", {"npz", "rmtpp", "easytpp"}, "data file format");
  auto path = options.get<std::string>("path", "", "data file (rmtpp: the event file)");
  auto time_path = options.get<std::string>("time_path", "", "rmtpp: the time file");
  EVERGREEN_CHECK_INPUT(!path.empty(), "{}: give the data file", options.where("path"));
  EventDataset data;
  if (format == "npz") {
    data = read_npz_arrival_times(path);
  } else if (format == "rmtpp") {
    EVERGREEN_CHECK_INPUT(!time_path.empty(), "{}: the rmtpp format needs the time file",
                          options.where("time_path"));
    data = read_rmtpp_text(path, time_path);
  } else {
    data = read_easytpp_json(path);
  }
  const auto count = static_cast<int64_t>(data.sequences.size());
  // The default split gives the first 3/4 of the sequences (at least one) to training and the
  // rest to testing: a file of one sequence has no default split, and saying so beats a
  // complaint about a range the user never wrote.
  const YAML::Node& given = options.node();
  const bool train_given = given["train"].IsDefined() && !given["train"].IsNull();
  EVERGREEN_CHECK_INPUT(
      train_given || count >= 2,
      "{}: holds {} sequence: the default split (the first 3/4 of the sequences for training, "
      "the rest for testing) needs at least 2; give a file with more sequences, or set "
      "stream.train and stream.test (both 0-0 trains and tests on the one sequence)",
      path, count);
  auto [train_begin, train_end] =
      parse_range(options, "train", fmt::format("0-{}", count * 3 / 4 - 1), count);
  auto [test_begin, test_end] =
      parse_range(options, "test", fmt::format("{}-{}", count * 3 / 4, count - 1), count);
  std::vector<MarkedSequence> train(data.sequences.begin() + train_begin,
                                    data.sequences.begin() + train_end);
  std::vector<MarkedSequence> test(data.sequences.begin() + test_begin,
                                   data.sequences.begin() + test_end);
  check_split_is_scored(path, "training", fmt::format("{}-{}", train_begin, train_end - 1), train);
  check_split_is_scored(path, "test", fmt::format("{}-{}", test_begin, test_end - 1), test);
  const int64_t length = longest({train, test});
  Stream stream;
  stream.name = path;
  stream.spec.kind = StreamKind::kEventSequences;
  stream.spec.num_event_types = data.num_types;
  stream.metadata = {{"max_length", std::to_string(length)}};
  Experience experience;
  experience.name = "all sequences";
  experience.train = pad_sequences(train, length);
  experience.test = pad_sequences(test, length);
  stream.experiences.push_back(std::move(experience));
  return stream;
}

Stream make_event_window_stream(Options& options) {
  auto path = options.get<std::string>("path", "", "RMTPP event file");
  auto time_path = options.get<std::string>("time_path", "", "RMTPP time file (absolute times)");
  auto windows = options.get<int64_t>("windows", 6, "consecutive equal time windows");
  auto unit = options.get<double>("time_unit_seconds", 86400.0, "seconds per model time unit");
  auto test_every = options.get<int64_t>("test_every", 5, "every k-th sequence is a test one");
  auto max_events = options.get<int64_t>("max_events", 256,
                                         "events kept per sequence and window (the first ones)");
  EVERGREEN_CHECK_INPUT(!path.empty() && !time_path.empty(), "{}: give path and time_path",
                        options.where("path"));
  EVERGREEN_CHECK_INPUT(windows >= 1, "{}: must be >= 1", options.where("windows"));
  EVERGREEN_CHECK_INPUT(unit > 0, "{}: must be > 0", options.where("time_unit_seconds"));
  EVERGREEN_CHECK_INPUT(test_every >= 2, "{}: must be >= 2", options.where("test_every"));
  EVERGREEN_CHECK_INPUT(max_events >= 2, "{}: must be >= 2", options.where("max_events"));
  EventDataset data = read_rmtpp_text(path, time_path);
  double start = INFINITY, end = -INFINITY;
  for (const auto& sequence : data.sequences) {
    if (sequence.times.empty()) continue;
    start = std::min(start, sequence.times.front());
    end = std::max(end, sequence.times.back());
  }
  EVERGREEN_CHECK_INPUT(end > start, "{}: the events span no time", path);
  const double span = (end - start) / static_cast<double>(windows);
  std::vector<std::vector<MarkedSequence>> train(windows), test(windows);
  for (size_t index = 0; index < data.sequences.size(); ++index) {
    const auto& sequence = data.sequences[index];
    std::vector<MarkedSequence> parts(windows);
    for (size_t i = 0; i < sequence.times.size(); ++i) {
      auto w =
          std::min<int64_t>(windows - 1, static_cast<int64_t>((sequence.times[i] - start) / span));
      auto& part = parts[w];
      if (static_cast<int64_t>(part.times.size()) >= max_events) continue;
      part.times.push_back((sequence.times[i] - (start + span * static_cast<double>(w))) / unit);
      part.types.push_back(sequence.types[i]);
    }
    for (int64_t w = 0; w < windows; ++w) {
      if (parts[w].times.size() < 2) continue;
      (static_cast<int64_t>(index) % test_every == test_every - 1 ? test : train)[w].push_back(
          std::move(parts[w]));
    }
  }
  const int64_t length = std::max(longest(train), longest(test));
  Stream stream;
  stream.name = fmt::format("{} in {} windows", path, windows);
  stream.spec.kind = StreamKind::kEventSequences;
  stream.spec.num_event_types = data.num_types;
  stream.metadata = {{"max_length", std::to_string(length)}};
  for (int64_t w = 0; w < windows; ++w) {
    EVERGREEN_CHECK_INPUT(!train[w].empty() && !test[w].empty(),
                          "{}: window {} has no training or no test sequence (fewer windows?)",
                          path, w + 1);
    Experience experience;
    experience.id = w;
    experience.name = fmt::format("window {}", w + 1);
    experience.train = pad_sequences(train[w], length);
    experience.test = pad_sequences(test[w], length);
    stream.experiences.push_back(std::move(experience));
  }
  return stream;
}

}  // namespace evergreen
