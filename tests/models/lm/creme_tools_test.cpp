// The analysis and editing tools of CREME (after Li et al. 2024) against known answers: answer
// probabilities by hand, a rank-one edit that maps its key to its value exactly, causal tracing
// whose no-op restorations change nothing, and interventions that move the logits by exactly dv
// where the unembedding can.
#include <gtest/gtest.h>

#include <filesystem>

#include "evergreen/data/text/tokenizer.h"
#include "evergreen/models/lm/answer_probability.h"
#include "evergreen/models/lm/causal_tracing.h"
#include "evergreen/models/lm/llama2c_checkpoint.h"
#include "evergreen/models/lm/rank_one_edit.h"
#include "evergreen/models/lm/residual_intervention.h"
#include "lm_test_support.h"
#include "test_support.h"

namespace evergreen::lm {
namespace {

using evergreen::testing::input_error_of;
using evergreen::testing::seeded_model;
using evergreen::testing::stories_file;

TransformerOptions tiny_llama() {
  return TransformerOptions()
      .architecture(Architecture::kLlama)
      .vocab_size(16)
      .dim(32)
      .n_layers(3)
      .n_heads(4)
      .n_kv_heads(2)
      .hidden_dim(48)
      .max_seq_len(24)
      .tied_embeddings(false);
}

TransformerOptions tiny_gpt2() {
  return TransformerOptions()
      .architecture(Architecture::kGpt2)
      .vocab_size(20)
      .dim(16)
      .n_layers(2)
      .n_heads(4)
      .n_kv_heads(4)
      .hidden_dim(32)
      .max_seq_len(24);
}

// stories260K, or nullptr (the test is skipped) without the shared data.
Transformer stories() {
  const std::string file = stories_file("stories260K.bin");
  if (file.empty() || !std::filesystem::exists(file)) return nullptr;
  return load_llama2c(file);
}

// stories260K's tokens of `text`, BOS first.
std::vector<int64_t> story_tokens(const std::string& text) {
  return text::load_tokenizer(stories_file("tok512.bin"), 512)->encode(text, true);
}

const std::string kStoryPrefix = "Once upon a time, there was a";
const std::string kStoryText = kStoryPrefix + " little girl named";

torch::Tensor cached_last(TransformerImpl& model, const std::vector<int64_t>& tokens,
                          const std::string& hook) {
  Hooks hooks;
  hooks.cache(hook);
  ForwardContext context;
  context.hooks = &hooks;
  torch::NoGradGuard no_grad;
  model.forward(torch::tensor(tokens, torch::kInt64).unsqueeze(0), context);
  return hooks.cached(hook)[0][-1].to(torch::kFloat64);
}

TEST(AnswerProbability, IsTheMeanOfEachAnswerTokensConditionalProbability) {
  Transformer model = seeded_model(tiny_llama(), 1, 0.3);
  torch::NoGradGuard no_grad;
  const std::vector<int64_t> prompt = {1, 5, 9}, answer = {3, 7};
  auto next = [&](std::vector<int64_t> tokens, int64_t id) {
    torch::Tensor logits = model->forward(torch::tensor(tokens, torch::kInt64).unsqueeze(0));
    return torch::softmax(logits[0][-1].to(torch::kFloat64), -1)[id].item<double>();
  };
  const double first = next(prompt, 3), second = next({1, 5, 9, 3}, 7);
  EXPECT_NEAR(answer_probability(*model, prompt, {3}), first, 1e-12);
  EXPECT_NEAR(answer_probability(*model, prompt, answer), (first + second) / 2.0, 1e-7);
  EXPECT_DOUBLE_EQ(relative_change(0.2, 0.3), 0.5);
  EXPECT_DOUBLE_EQ(relative_change(0.0, 0.3), 0.0);
  EXPECT_NE(input_error_of([&] { answer_probability(*model, prompt, {}); }).find("no token"),
            std::string::npos);
  EXPECT_NE(input_error_of([&] {
              answer_probability(*model, prompt, {16});
            }).find("answer token 16 is outside the vocabulary 0..15"),
            std::string::npos);
}

void expect_exact_rank_one_edit(const TransformerOptions& options, EditSite site) {
  SCOPED_TRACE(edit_site_name(site));
  Transformer model = seeded_model(options, 2, 0.3);
  const std::vector<int64_t> prompt = {1, 4, 6, 8, 2}, guide = {1, 9, 3, 11};
  const int64_t layer = 1;
  const std::string output_hook =
      "blocks.1." +
      std::string(site == EditSite::kAttentionOutput ? "hook_attn_out" : "hook_mlp_out");
  torch::Tensor weight = site == EditSite::kAttentionOutput ? model->attention_output_weight(layer)
                                                            : model->mlp_output_weight(layer);
  const torch::Tensor before = weight.detach().clone().to(torch::kFloat64);
  const torch::Tensor target = cached_last(*model, guide, output_hook);
  std::vector<RankOneEdit> edits = edit_layers(*model, prompt, guide, {layer}, site);
  ASSERT_EQ(edits.size(), 1u);
  torch::Tensor change = weight.detach().to(torch::kFloat64) - before;
  // The weight changed by the delta, a matrix of rank one ...
  EXPECT_LT((change - edits[0].delta).abs().max().item<double>(), 1e-6);
  torch::Tensor singular = torch::linalg_svdvals(change);
  EXPECT_GT(singular[0].item<double>(), 1e-3);
  EXPECT_LT(singular[1].item<double>(), 1e-6 * singular[0].item<double>());
  // ... that maps the prompt's key to the guide's value: the edited layer now outputs v*.
  EXPECT_LT((edits[0].target - target).abs().max().item<double>(), 1e-12);
  EXPECT_LT((cached_last(*model, prompt, output_hook) - target).abs().max().item<double>(), 1e-5);
  // The guide itself reads another key, so its output moved only by delta k_guide.
  EXPECT_GT((cached_last(*model, guide, output_hook) - target).abs().max().item<double>(), 1e-6);
}

TEST(RankOneEdit, MapsThePromptsKeyToTheGuidesValueByARankOneChange) {
  expect_exact_rank_one_edit(tiny_llama(), EditSite::kAttentionOutput);
  expect_exact_rank_one_edit(tiny_llama(), EditSite::kMlpOutput);
  expect_exact_rank_one_edit(tiny_gpt2(), EditSite::kAttentionOutput);
  expect_exact_rank_one_edit(tiny_gpt2(), EditSite::kMlpOutput);
}

TEST(RankOneEdit, LayersAreEditedInOrderEachOnTheModelThePreviousLeft) {
  Transformer model = seeded_model(tiny_llama(), 3, 0.3);
  const std::vector<int64_t> prompt = {1, 4, 6, 8, 2}, guide = {1, 9, 3, 11};
  std::vector<RankOneEdit> edits =
      edit_layers(*model, prompt, guide, {0, 2}, EditSite::kAttentionOutput);
  ASSERT_EQ(edits.size(), 2u);
  // After both, each layer maps the prompt's current key to its guide value of the edited model.
  EXPECT_LT((cached_last(*model, prompt, "blocks.2.hook_attn_out") - edits[1].target)
                .abs()
                .max()
                .item<double>(),
            1e-5);
  EXPECT_LT((cached_last(*model, prompt, "blocks.0.hook_attn_out") - edits[0].target)
                .abs()
                .max()
                .item<double>(),
            1e-5);
  EXPECT_NE(input_error_of([&] {
              compute_rank_one_edit(*model, prompt, guide, 3, EditSite::kMlpOutput);
            }).find("layer 3 is outside the model's layers 0..2"),
            std::string::npos);
  EXPECT_NE(input_error_of([] { parse_edit_site("ffn"); }).find("expected attention"),
            std::string::npos);
}

TEST(RankOneEdit, OnStories260KTheEditedPromptPredictsLikeTheGuide) {
  Transformer model = stories();
  if (!model) GTEST_SKIP() << "no shared data";
  // Guide: a boy instead of a girl; every attention output projection is edited.
  const std::vector<int64_t> prompt = story_tokens(kStoryText);
  const std::vector<int64_t> guide = story_tokens(kStoryPrefix + " little boy named");
  torch::NoGradGuard no_grad;
  auto last_logits = [&](const std::vector<int64_t>& tokens) {
    return model->forward(torch::tensor(tokens, torch::kInt64).unsqueeze(0))[0][-1];
  };
  const int64_t guide_top = last_logits(guide).argmax().item<int64_t>();
  const double before = answer_probability(*model, prompt, {guide_top});
  std::vector<int64_t> layers;
  for (int64_t layer = 0; layer < model->options().n_layers(); ++layer) layers.push_back(layer);
  std::vector<RankOneEdit> edits =
      edit_layers(*model, prompt, guide, layers, EditSite::kAttentionOutput);
  for (const RankOneEdit& edit : edits)
    EXPECT_LT(
        (cached_last(*model, prompt, "blocks." + std::to_string(edit.layer) + ".hook_attn_out") -
         edit.target)
            .abs()
            .max()
            .item<double>(),
        1e-4)
        << "layer " << edit.layer;
  EXPECT_GT(answer_probability(*model, prompt, {guide_top}), before);
}

TEST(CausalTracing, RestorationsThatChangeNothingRecoverNothingAndTheLastStateRecoversAll) {
  Transformer model = stories();
  if (!model) GTEST_SKIP() << "no shared data";
  torch::NoGradGuard no_grad;
  const std::vector<int64_t> prompt = story_tokens(kStoryText);
  const int64_t target = model->forward(torch::tensor(prompt, torch::kInt64).unsqueeze(0))[0][-1]
                             .argmax()
                             .item<int64_t>();
  const int64_t layers = model->options().n_layers();
  const auto length = static_cast<int64_t>(prompt.size());
  // The subject: " little girl".
  const auto begin = static_cast<int64_t>(story_tokens(kStoryPrefix).size());
  const auto end = static_cast<int64_t>(story_tokens(kStoryPrefix + " little girl").size());
  ASSERT_LT(begin, end);
  CausalTrace trace = causal_trace(*model, prompt, begin, end, target, {});
  ASSERT_EQ(trace.probability.sizes(), (std::vector<int64_t>{layers, length}));
  EXPECT_GT(trace.noise_std, 0.0);
  EXPECT_LT(trace.corrupted, trace.clean);
  for (int64_t layer = 0; layer < layers; ++layer) {
    // Positions before the subject are untouched by the noise: restoring them is a no-op.
    for (int64_t position = 0; position < begin; ++position)
      EXPECT_NEAR(trace.probability[layer][position].item<double>(), trace.corrupted, 1e-6)
          << layer << ", " << position;
  }
  // The last block's output at the last position is all the logits read.
  EXPECT_NEAR(trace.probability[layers - 1][length - 1].item<double>(), trace.clean, 1e-6);
  // Without noise every run is the clean run, whatever is restored.
  for (TracedState state : {TracedState::kAttention, TracedState::kMlp}) {
    CausalTracingOptions options;
    options.state = state;
    options.noise_multiplier = 0.0;
    CausalTrace clean = causal_trace(*model, prompt, begin, end, target, options);
    EXPECT_NEAR(clean.corrupted, clean.clean, 1e-6);  // batches of other sizes round differently
    EXPECT_LT((clean.probability - clean.clean).abs().max().item<double>(), 1e-6);
    EXPECT_EQ(clean.window, default_tracing_window(state, layers));
  }
}

TEST(CausalTracing, BadRangesTargetsAndOptionsAreRefused) {
  Transformer model = seeded_model(tiny_llama(), 4);
  const std::vector<int64_t> prompt = {1, 4, 6, 8};
  EXPECT_NE(input_error_of([&] {
              causal_trace(*model, prompt, 2, 2, 3);
            }).find("subject positions 2..1 are not a non-empty range of the prompt's 0..3"),
            std::string::npos);
  EXPECT_NE(input_error_of([&] { causal_trace(*model, prompt, 1, 5, 3); }).find("0..3"),
            std::string::npos);
  EXPECT_NE(input_error_of([&] {
              causal_trace(*model, prompt, 1, 2, 16);
            }).find("token 16 is outside the vocabulary"),
            std::string::npos);
  CausalTracingOptions wide;
  wide.window = 4;
  EXPECT_NE(input_error_of([&] {
              causal_trace(*model, prompt, 1, 2, 3, wide);
            }).find("the window must be 1..3 layers, got 4"),
            std::string::npos);
  EXPECT_NE(input_error_of([] {
              parse_traced_state("hidden");
            }).find("expected residual, attention or mlp"),
            std::string::npos);
  EXPECT_EQ(default_tracing_window(TracedState::kAttention, 48), 10);
  EXPECT_EQ(default_tracing_window(TracedState::kMlp, 32), 7);
  EXPECT_EQ(default_tracing_window(TracedState::kResidual, 32), 1);
}

TEST(ResidualIntervention, WhereTheUnembeddingHasFullRowRankTheLogitsMoveByExactlyDv) {
  // 16 tokens, width 32: W_U pinv(W_U) is the identity.
  Transformer model = seeded_model(tiny_llama(), 5, 0.3);
  torch::NoGradGuard no_grad;
  const torch::Tensor state = torch::randn({32});
  const torch::Tensor unembedding = model->unembedding_weight().to(torch::kFloat64);
  const torch::Tensor v = torch::matmul(unembedding, state.to(torch::kFloat64));
  auto moved = [&](InterventionDirection direction) {
    torch::Tensor change = implicit_result_change(*model, state, {3, 9}, direction);
    return torch::matmul(unembedding, (state + change).to(torch::kFloat64));
  };
  torch::Tensor suppressed = moved(InterventionDirection::kSuppress);
  const double lowest = v.min().item<double>(), highest = v.max().item<double>();
  EXPECT_NEAR(suppressed[3].item<double>(), lowest, 1e-4);
  EXPECT_NEAR(suppressed[9].item<double>(), lowest, 1e-4);
  EXPECT_NEAR(suppressed[4].item<double>(), v[4].item<double>(), 1e-4);
  torch::Tensor enhanced = moved(InterventionDirection::kEnhance);
  for (int64_t token : {3, 9})
    EXPECT_NEAR(enhanced[token].item<double>(), std::max(highest, 2.0 * v[token].item<double>()),
                1e-4);
  EXPECT_NEAR(enhanced[0].item<double>(), v[0].item<double>(), 1e-4);
  EXPECT_NE(input_error_of([] {
              parse_intervention_direction("boost");
            }).find("expected suppress or enhance"),
            std::string::npos);
}

TEST(ResidualIntervention, OnStories260KSuppressingTheAnswerLowersItAndEnhancingRaisesIt) {
  Transformer model = stories();
  if (!model) GTEST_SKIP() << "no shared data";
  torch::NoGradGuard no_grad;
  const std::vector<int64_t> prompt = story_tokens(kStoryText);
  const int64_t answer = model->forward(torch::tensor(prompt, torch::kInt64).unsqueeze(0))[0][-1]
                             .argmax()
                             .item<int64_t>();
  const int64_t last = model->options().n_layers() - 1;
  InterventionEffect suppress = intervention_effect(*model, prompt, {answer}, {answer}, last,
                                                    InterventionDirection::kSuppress, 5, 1);
  EXPECT_NEAR(suppress.before, answer_probability(*model, prompt, {answer}), 1e-12);
  EXPECT_LT(suppress.after, suppress.before);
  EXPECT_LT(suppress.relative(), suppress.relative_random());
  InterventionEffect enhance = intervention_effect(*model, prompt, {answer}, {answer}, last,
                                                   InterventionDirection::kEnhance, 5, 1);
  EXPECT_GT(enhance.after, enhance.before);
  // The same seed draws the same random tokens.
  EXPECT_DOUBLE_EQ(intervention_effect(*model, prompt, {answer}, {answer}, last,
                                       InterventionDirection::kEnhance, 5, 1)
                       .after_random,
                   enhance.after_random);
}

}  // namespace
}  // namespace evergreen::lm
