#include "evergreen/models/lm/transformer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "evergreen/models/lm/generation.h"
#include "evergreen/models/lm/llama2c_checkpoint.h"
#include "lm_test_support.h"
#include "test_support.h"

namespace evergreen::lm {
namespace {

using evergreen::testing::input_error_of;
using evergreen::testing::stories_file;

TransformerOptions small_llama() {
  return TransformerOptions()
      .architecture(Architecture::kLlama)
      .vocab_size(37)
      .dim(24)
      .n_layers(3)
      .n_heads(6)
      .n_kv_heads(2)
      .hidden_dim(40)
      .max_seq_len(32)
      .tied_embeddings(false);
}

TransformerOptions small_gpt2() {
  return TransformerOptions()
      .architecture(Architecture::kGpt2)
      .vocab_size(41)
      .dim(16)
      .n_layers(2)
      .n_heads(4)
      .n_kv_heads(4)
      .hidden_dim(64)
      .max_seq_len(24);
}

// The ids of greedy_256_ids_and_text.txt ("ids [a, b, ...]" on its first line).
std::vector<int64_t> ground_truth_ids() {
  std::ifstream in(stories_file("greedy_256_ids_and_text.txt"));
  std::string line;
  std::getline(in, line);
  std::vector<int64_t> ids;
  std::regex number("[0-9]+");
  for (std::sregex_iterator it(line.begin(), line.end(), number), end; it != end; ++it)
    ids.push_back(std::stoll(it->str()));
  return ids;
}

torch::Tensor random_tokens(int64_t batch, int64_t length, int64_t vocab, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randint(vocab, {batch, length}, torch::kInt64);
}

class TransformerArchitectures : public ::testing::TestWithParam<bool> {
 protected:
  TransformerOptions options() const { return GetParam() ? small_llama() : small_gpt2(); }
};

TEST_P(TransformerArchitectures, LaterTokensDoNotChangeEarlierLogits) {
  torch::manual_seed(1);
  Transformer model(options());
  torch::Tensor tokens = random_tokens(2, 10, options().vocab_size(), 2);
  torch::Tensor changed = tokens.clone();
  changed.narrow(1, 6, 4).fill_(3);
  torch::Tensor a = model->forward(tokens), b = model->forward(changed);
  EXPECT_TRUE(torch::equal(a.narrow(1, 0, 6), b.narrow(1, 0, 6)));
  EXPECT_FALSE(torch::allclose(a.narrow(1, 6, 4), b.narrow(1, 6, 4)));
}

TEST_P(TransformerArchitectures, TheKvCacheContinuesTheFullForwardPass) {
  torch::manual_seed(3);
  Transformer model(options());
  torch::Tensor tokens = random_tokens(2, 12, options().vocab_size(), 4);
  torch::Tensor full = model->forward(tokens);
  KvCache cache = KvCache::allocate(options(), 2, 12);
  ForwardContext context;
  context.cache = &cache;
  torch::Tensor first = model->forward(tokens.narrow(1, 0, 7), context);
  std::vector<torch::Tensor> pieces{first};
  for (int64_t t = 7; t < 12; ++t)
    pieces.push_back(model->forward(tokens.narrow(1, t, 1), context));
  EXPECT_EQ(cache.length, 12);
  EXPECT_TRUE(torch::allclose(torch::cat(pieces, 1), full, 1e-5, 1e-5));
}

TEST_P(TransformerArchitectures, ALeftPaddedRowGivesTheLogitsOfTheUnpaddedRow) {
  torch::manual_seed(5);
  Transformer model(options());
  torch::Tensor row = random_tokens(1, 6, options().vocab_size(), 6);
  torch::Tensor alone = model->forward(row);
  torch::Tensor padded = torch::cat({torch::zeros({1, 3}, torch::kInt64), row}, 1);
  torch::Tensor mask =
      torch::cat({torch::zeros({1, 3}, torch::kInt64), torch::ones({1, 6}, torch::kInt64)}, 1);
  ForwardContext context;
  context.attention_mask = mask;
  torch::Tensor logits = model->forward(padded, context);
  EXPECT_TRUE(logits.isfinite().all().item<bool>());
  EXPECT_TRUE(torch::allclose(logits.narrow(1, 3, 6), alone, 1e-5, 1e-5));
  // Right padding leaves the real positions as they were, too.
  torch::Tensor right = torch::cat({row, torch::zeros({1, 2}, torch::kInt64)}, 1);
  context.attention_mask =
      torch::cat({torch::ones({1, 6}, torch::kInt64), torch::zeros({1, 2}, torch::kInt64)}, 1);
  EXPECT_TRUE(torch::allclose(model->forward(right, context).narrow(1, 0, 6), alone, 1e-5, 1e-5));
}

TEST_P(TransformerArchitectures, PatchingAStateWithItselfChangesNothing) {
  torch::manual_seed(7);
  Transformer model(options());
  torch::Tensor tokens = random_tokens(2, 8, options().vocab_size(), 8);
  Hooks record;
  record.cache_all();
  torch::Tensor clean = model->forward(tokens, {nullptr, &record});
  EXPECT_TRUE(torch::equal(clean, model->forward(tokens)));  // caching changes nothing
  for (const std::string& name : all_hook_names(options().n_layers())) {
    Hooks patch;
    patch.replace(name, record.cached(name).narrow(1, 5, 1), {5});
    EXPECT_TRUE(torch::equal(model->forward(tokens, {nullptr, &patch}), clean)) << name;
    Hooks zero;
    zero.add(name, torch::zeros({1}), {-1});
    EXPECT_TRUE(torch::equal(model->forward(tokens, {nullptr, &zero}), clean)) << name;
  }
  // The last residual through the final norm and the unembedding is the logits.
  const std::string last =
      "blocks." + std::to_string(options().n_layers() - 1) + ".hook_resid_post";
  EXPECT_TRUE(
      torch::allclose(model->unembed(model->final_norm(record.cached(last))), clean, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(model->unembed(record.cached("ln_final")), clean, 1e-6, 1e-6));
}

TEST_P(TransformerArchitectures, AnInterventionAtOnePositionChangesThatPositionAndLaterOnly) {
  torch::manual_seed(9);
  Transformer model(options());
  torch::Tensor tokens = random_tokens(1, 9, options().vocab_size(), 10);
  torch::Tensor clean = model->forward(tokens);
  Hooks hooks;
  hooks.add("blocks.0.hook_resid_post", torch::ones({options().dim()}), {4});
  torch::Tensor changed = model->forward(tokens, {nullptr, &hooks});
  EXPECT_TRUE(torch::equal(changed.narrow(1, 0, 4), clean.narrow(1, 0, 4)));
  EXPECT_FALSE(torch::allclose(changed.narrow(1, 4, 1), clean.narrow(1, 4, 1)));
}

TEST_P(TransformerArchitectures, ZeroingOneHeadIsRemovingItsColumnsOfTheOutputProjection) {
  torch::manual_seed(11);
  Transformer model(options());
  const int64_t head = 1, head_dim = options().head_dim();
  torch::Tensor tokens = random_tokens(1, 7, options().vocab_size(), 12);
  Hooks hooks;
  hooks.replace("blocks.1.attn.hook_z", torch::zeros({head_dim}), {}, head);
  hooks.cache("blocks.1.hook_attn_out");
  model->forward(tokens, {nullptr, &hooks});
  Hooks clean;
  clean.cache("blocks.1.attn.hook_z");
  clean.cache("blocks.1.hook_attn_out");
  model->forward(tokens, {nullptr, &clean});
  // attn_out = z W_O^T (+ bias): the head's share is z_h times its slice of the columns.
  torch::Tensor z_head = clean.cached("blocks.1.attn.hook_z").select(2, head);  // [1, T, d]
  torch::Tensor columns = model->attention_output_weight(1).narrow(1, head * head_dim, head_dim);
  torch::Tensor expected =
      clean.cached("blocks.1.hook_attn_out") - torch::matmul(z_head, columns.t());
  EXPECT_TRUE(torch::allclose(hooks.cached("blocks.1.hook_attn_out"), expected, 1e-5, 1e-5));
}

TEST_P(TransformerArchitectures, GradientsMatchFiniteDifferences) {
  torch::manual_seed(13);
  Transformer model(options());
  model->to(torch::kFloat64);
  torch::Tensor tokens = random_tokens(2, 6, options().vocab_size(), 14);
  auto loss_of = [&] {
    torch::Tensor logits = model->forward(tokens.narrow(1, 0, 5));
    return torch::nn::functional::cross_entropy(logits.reshape({-1, options().vocab_size()}),
                                                tokens.narrow(1, 1, 5).reshape(-1));
  };
  torch::Tensor loss = loss_of();
  loss.backward();
  for (const auto& item : model->named_parameters()) {
    torch::Tensor parameter = item.value();
    torch::NoGradGuard no_grad;
    const int64_t index = parameter.numel() / 2;
    double& value = parameter.view(-1).data_ptr<double>()[index];
    const double original = value, step = 1e-6;
    value = original + step;
    const double up = loss_of().item<double>();
    value = original - step;
    const double down = loss_of().item<double>();
    value = original;
    const double numeric = (up - down) / (2 * step);
    const double analytic = parameter.grad().view(-1)[index].item<double>();
    EXPECT_NEAR(analytic, numeric, 1e-6 + 1e-4 * std::abs(numeric)) << item.key();
  }
}

TEST_P(TransformerArchitectures, SamplingIsSeededAndTopKOfOneIsGreedy) {
  torch::manual_seed(15);
  Transformer model(options());
  const std::vector<std::vector<int64_t>> prompts{{1, 2, 3}, {4}};
  auto run = [&](SamplingOptions sampling) {
    return generate(*model, prompts, GenerationOptions().max_new_tokens(8).sampling(sampling))
        .tokens;
  };
  const auto greedy = run(SamplingOptions());
  EXPECT_EQ(run(SamplingOptions().temperature(1.0).top_k(1).seed(3)), greedy);
  EXPECT_EQ(run(SamplingOptions().temperature(1.0).top_p(1e-6).seed(3)), greedy);
  EXPECT_EQ(run(SamplingOptions().temperature(1.3).seed(5)),
            run(SamplingOptions().temperature(1.3).seed(5)));
  EXPECT_NE(run(SamplingOptions().temperature(5.0).seed(5)),
            run(SamplingOptions().temperature(5.0).seed(6)));
  // Batched generation continues each prompt as generating it alone does.
  auto alone = generate(*model, {{4}}, GenerationOptions().max_new_tokens(8)).tokens;
  EXPECT_EQ(alone[0], greedy[1]);
}

INSTANTIATE_TEST_SUITE_P(LlamaAndGpt2, TransformerArchitectures, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Llama" : "Gpt2"; });

TEST(TransformerSampling, TemperatureSamplingFollowsTheSoftmax) {
  torch::Tensor logits = torch::tensor({{0.0f, 1.0f, 2.0f, -1.0f}});
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(7);
  std::vector<double> counts(4, 0.0);
  const int draws = 20000;
  for (int i = 0; i < draws; ++i)
    counts[sample_next(logits, SamplingOptions().temperature(2.0), generator).item<int64_t>()] += 1;
  torch::Tensor expected = torch::softmax(logits / 2.0, -1)[0];
  for (int k = 0; k < 4; ++k)
    EXPECT_NEAR(counts[k] / draws, expected[k].item<double>(), 0.015) << k;
  // top-k 2 keeps ids 2 and 1 only; top-p 0.5 keeps the most likely one when it alone exceeds it.
  for (int i = 0; i < 200; ++i) {
    const int64_t id =
        sample_next(logits, SamplingOptions().temperature(1.0).top_k(2), generator).item<int64_t>();
    EXPECT_TRUE(id == 1 || id == 2);
    EXPECT_EQ(sample_next(logits, SamplingOptions().temperature(1.0).top_p(0.5), generator)
                  .item<int64_t>(),
              2);
  }
}

TEST(FusedLlamaDecoder, MatchesTheTensorForwardPassWithPaddingAndGroupedQueries) {
  torch::manual_seed(17);
  TransformerOptions options = small_llama();
  Transformer model(options);
  torch::NoGradGuard no_grad;
  torch::Tensor tokens = random_tokens(3, 6, options.vocab_size(), 18);
  torch::Tensor mask = torch::ones({3, 6}, torch::kInt64);
  mask[1].narrow(0, 0, 2).zero_();  // row 1 left-padded by two
  KvCache tensor_cache = KvCache::allocate(options, 3, 16);
  KvCache fused_cache = KvCache::allocate(options, 3, 16);
  for (KvCache* cache : {&tensor_cache, &fused_cache}) {
    ForwardContext context;
    context.cache = cache;
    context.attention_mask = mask;
    model->forward(tokens, context);
  }
  for (int step = 0; step < 5; ++step) {
    torch::Tensor next = random_tokens(3, 1, options.vocab_size(), 30 + step);
    ForwardContext context;
    context.cache = &tensor_cache;
    context.last_position_only = true;
    torch::Tensor expected = model->forward(next, context).squeeze(1);
    torch::Tensor fused = fused_decode_step(*model, fused_cache, next.view(-1));
    EXPECT_TRUE(torch::allclose(fused, expected, 1e-5, 1e-5)) << "step " << step;
  }
}

TEST(Stories260K, GreedyDecodingFromBosReproducesTheGroundTruthIdForId) {
  const std::string checkpoint = stories_file("stories260K.bin");
  if (checkpoint.empty() || !std::filesystem::exists(checkpoint)) GTEST_SKIP() << "no shared data";
  Transformer model = load_llama2c(checkpoint);
  const std::vector<int64_t> expected = ground_truth_ids();
  // The file lists the ids after BOS: 256 steps of generation and the token they end on.
  ASSERT_GE(expected.size(), 256u);
  const int64_t steps = static_cast<int64_t>(expected.size());
  for (bool fused : {true, false}) {
    Generation out =
        generate(*model, {{1}}, GenerationOptions().max_new_tokens(steps).fused(fused));
    EXPECT_EQ(out.tokens[0], expected) << (fused ? "fused" : "tensor forward");
  }
  // Batched: 4 rows from BOS, each the same story.
  Generation batch = generate(*model, {{1}, {1}, {1}, {1}}, GenerationOptions().max_new_tokens(64));
  for (const auto& row : batch.tokens)
    EXPECT_EQ(row, std::vector<int64_t>(expected.begin(), expected.begin() + 64));
}

TEST(Stories260K, SavingAsLlama2cWritesTheSameWeights) {
  const std::string checkpoint = stories_file("stories260K.bin");
  if (checkpoint.empty() || !std::filesystem::exists(checkpoint)) GTEST_SKIP() << "no shared data";
  Transformer model = load_llama2c(checkpoint);
  evergreen::testing::TemporaryDirectory directory;
  const std::string copy = directory.file("copy.bin");
  save_llama2c(*model, copy);
  const std::string original = evergreen::testing::read_text(checkpoint);
  const std::string written = evergreen::testing::read_text(copy);
  ASSERT_EQ(written.size(), original.size());
  // Everything before the rotary tables (header and weights) is byte-identical; the tables are
  // recomputed (cos/sin in double, rounded) and agree to float precision.
  const TransformerOptions& o = model->options();
  const size_t tables = static_cast<size_t>(o.max_seq_len() * o.head_dim()) * 4;
  const size_t weights_end = original.size() - tables;
  EXPECT_EQ(written.substr(0, weights_end), original.substr(0, weights_end));
  Transformer reloaded = load_llama2c(copy);
  auto a = model->named_parameters(), b = reloaded->named_parameters();
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
}

TEST(Llama2cCheckpoint, BadFilesAreRefusedNamingTheFileAndField) {
  const std::string checkpoint = stories_file("stories260K.bin");
  if (checkpoint.empty() || !std::filesystem::exists(checkpoint)) GTEST_SKIP() << "no shared data";
  evergreen::testing::TemporaryDirectory directory;
  const std::string original = evergreen::testing::read_text(checkpoint);
  const std::string truncated = directory.file("truncated.bin");
  evergreen::testing::write_text(truncated, original.substr(0, original.size() - 100));
  EXPECT_NE(input_error_of([&] { load_llama2c(truncated); }).find("truncated.bin: the header"),
            std::string::npos);
  std::string bad_heads = original;
  const int32_t seven = 7;
  std::memcpy(bad_heads.data() + 12, &seven, 4);  // n_heads 7 does not divide dim 64
  const std::string heads_file = directory.file("heads.bin");
  evergreen::testing::write_text(heads_file, bad_heads);
  EXPECT_NE(input_error_of([&] { load_llama2c(heads_file); }).find("not a multiple of n_heads 7"),
            std::string::npos);
  std::string negative = original;
  const int32_t minus = -5;
  std::memcpy(negative.data() + 8, &minus, 4);
  const std::string negative_file = directory.file("negative.bin");
  evergreen::testing::write_text(negative_file, negative);
  EXPECT_NE(input_error_of([&] { load_llama2c(negative_file); }).find("n_layers is -5"),
            std::string::npos);
  const std::string tiny = directory.file("tiny.bin");
  evergreen::testing::write_text(tiny, "abc");
  EXPECT_NE(input_error_of([&] { load_llama2c(tiny); }).find("too short"), std::string::npos);
  std::string nan = original;
  const float not_a_number = std::nanf("");
  std::memcpy(nan.data() + 28 + 400, &not_a_number, 4);
  const std::string nan_file = directory.file("nan.bin");
  evergreen::testing::write_text(nan_file, nan);
  EXPECT_NE(
      input_error_of([&] { load_llama2c(nan_file); }).find("token_embedding holds non-finite"),
      std::string::npos);
}

TEST(TransformerInput, PromptsBeyondTheContextAndBadTokensAreRefused) {
  Transformer model(small_llama());
  EXPECT_NE(input_error_of([&] {
              model->forward(torch::zeros({1, 40}, torch::kInt64));
            }).find("40 tokens exceed the model's context of 32"),
            std::string::npos);
  EXPECT_NE(input_error_of([&] {
              model->forward(torch::full({1, 3}, 37, torch::kInt64));
            }).find("token id 37 is outside the vocabulary 0..36"),
            std::string::npos);
  EXPECT_NE(input_error_of([&] {
              generate(*model, {std::vector<int64_t>(33, 1)}, GenerationOptions());
            }).find("a prompt of 33 tokens exceeds the model's context of 32"),
            std::string::npos);
  EXPECT_NE(input_error_of([] {
              HookName::parse("blocks.9.hook_resid_post", 3);
            }).find("layer 9 is outside 0..2"),
            std::string::npos);
  EXPECT_NE(input_error_of([] { HookName::parse("blocks.0.hook_q", 3); }).find("not a hook point"),
            std::string::npos);
  EXPECT_EQ(HookName::parse("blocks.2.attn.hook_z", 3).str(), "blocks.2.attn.hook_z");
}

}  // namespace
}  // namespace evergreen::lm
