// `evergreen lm` and `evergreen bench lm` end to end, with the Python references of bench/: the
// NumPy forward pass of llama2.c (logits to 5e-5) and the Hugging Face layout check of our
// safetensors files (read, forward pass from transformers' formulas, written back and read
// again bit for bit).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "lm_test_support.h"
#include "test_support.h"

namespace evergreen {
namespace {

using testing::run_cli;

const std::string kPython = "/usr/bin/python3";

std::string stories(const std::string& name) { return testing::stories_file(name); }

std::string script(const std::string& name) {
  return std::string(EVERGREEN_SOURCE_DIR) + "/bench/" + name;
}

bool have_python_torch() {
  return std::system((kPython + " -c 'import torch, numpy' >/dev/null 2>&1").c_str()) == 0;
}

// BOS and the first 63 ground-truth ids, comma-separated.
std::string prompt_ids() {
  std::ifstream in(stories("greedy_256_ids_and_text.txt"));
  std::string line;
  std::getline(in, line);
  std::string ids = "1";
  std::regex number("[0-9]+");
  int count = 0;
  for (std::sregex_iterator it(line.begin(), line.end(), number), end; it != end && count < 63;
       ++it, ++count)
    ids += "," + it->str();
  return ids;
}

int run_shell(const std::string& command) { return std::system(command.c_str()); }

class LmCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (stories("stories260K.bin").empty() || !std::filesystem::exists(stories("stories260K.bin")))
      GTEST_SKIP() << "no shared data";
  }
  testing::TemporaryDirectory directory_;
};

TEST_F(LmCli, GreedyGenerationPrintsTheGroundTruthText) {
  auto result = run_cli("lm generate --model " + stories("stories260K.bin") +
                        " --max-new-tokens 257 --no-stop 2>/dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string file = testing::read_text(stories("greedy_256_ids_and_text.txt"));
  const size_t text = file.find("text: ");
  ASSERT_NE(text, std::string::npos);
  std::string expected = file.substr(text + 6);
  while (!expected.empty() && expected.back() == '\n') expected.pop_back();
  // stdout and stderr come together: the speed line on stderr is the last one.
  std::string printed = result.output.substr(0, result.output.rfind("evergreen lm: "));
  while (!printed.empty() && printed.back() == '\n') printed.pop_back();
  EXPECT_EQ(printed, expected);
}

TEST_F(LmCli, LogitsMatchTheNumPyForwardPassOfLlama2c) {
  if (!have_python_torch()) GTEST_SKIP() << "no /usr/bin/python3 with torch";
  const std::string logits = directory_.file("ours.npy");
  auto result = run_cli("lm inspect --model " + stories("stories260K.bin") + " --ids " +
                        prompt_ids() + " --logits-out " + logits + " --json > /dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(run_shell(kPython + " " + script("lm_reference.py") + " check --checkpoint " +
                      stories("stories260K.bin") + " --ids " + prompt_ids() + " --logits " +
                      logits + " --tolerance 5e-5"),
            0);
}

TEST_F(LmCli, SafetensorsLoadInTheHuggingFaceLayoutAndComeBackBitForBit) {
  if (!have_python_torch()) GTEST_SKIP() << "no /usr/bin/python3 with torch";
  const std::string hf = directory_.file("hf");
  ASSERT_EQ(run_cli("lm convert --model " + stories("stories260K.bin") + " --out " + hf).exit_code,
            0);
  const std::string logits = directory_.file("hf.npy");
  auto inspected = run_cli("lm inspect --model " + hf + " --ids " + prompt_ids() +
                           " --logits-out " + logits + " --json > /dev/null");
  ASSERT_EQ(inspected.exit_code, 0) << inspected.output;
  // Python reads our file, checks names and shapes against transformers' LlamaForCausalLM,
  // runs its forward pass on our logits' prompt, and writes every tensor back with its writer.
  const std::string back = directory_.file("back");
  std::filesystem::create_directories(back);
  ASSERT_EQ(run_shell(kPython + " " + script("safetensors_check.py") + " read " + hf +
                      "/model.safetensors " + hf + "/config.json --ids " + prompt_ids() +
                      " --logits " + logits + " --tolerance 1e-4 --write-back " + back +
                      "/model.safetensors > /dev/null"),
            0);
  std::filesystem::copy_file(hf + "/config.json", back + "/config.json");
  // Python's file read by us gives the same llama2.c bytes as the original.
  ASSERT_EQ(
      run_cli("lm convert --model " + back + " --out " + directory_.file("back.bin")).exit_code, 0);
  ASSERT_EQ(run_cli("lm convert --model " + hf + " --out " + directory_.file("ours.bin")).exit_code,
            0);
  EXPECT_EQ(testing::read_text(directory_.file("back.bin")),
            testing::read_text(directory_.file("ours.bin")));
  // And the greedy story survives both conversions.
  auto story = run_cli("lm generate --model " + directory_.file("back.bin") + " --tokenizer " +
                       stories("tok512.bin") + " --max-new-tokens 64 --json 2>/dev/null");
  ASSERT_EQ(story.exit_code, 0) << story.output;
  EXPECT_NE(story.output.find("Once upon a time, there was a little girl named Lily"),
            std::string::npos);
}

TEST_F(LmCli, Gpt2FilesFollowTheHuggingFaceLayoutForPython) {
  if (!have_python_torch()) GTEST_SKIP() << "no /usr/bin/python3 with torch";
  for (const std::string dtype : {"f32", "bf16"}) {
    const std::string model = directory_.file("gpt2-" + dtype);
    ASSERT_EQ(run_cli("lm init --architecture gpt2 --vocab-size 67 --dim 32 --layers 2 --heads 4 "
                      "--hidden-dim 128 --context 40 --seed 3 --out " +
                      model + "-f32")
                  .exit_code,
              0);
    ASSERT_EQ(run_cli("lm convert --model " + model + "-f32 --dtype " + dtype + " --out " + model)
                  .exit_code,
              0);
    const std::string logits = model + ".npy";
    ASSERT_EQ(run_cli("lm inspect --model " + model + " --ids 5,9,2,44,61,0,13 --logits-out " +
                      logits + " --json > /dev/null")
                  .exit_code,
              0);
    EXPECT_EQ(
        run_shell(kPython + " " + script("safetensors_check.py") + " read " + model +
                  "/model.safetensors " + model + "/config.json --ids 5,9,2,44,61,0,13 --logits " +
                  logits + " --tolerance 1e-4 > /dev/null"),
        0)
        << dtype;
  }
}

TEST_F(LmCli, BadFilesAndPromptsExitTwoWithOneLineNamingTheFile) {
  const std::string original = testing::read_text(stories("stories260K.bin"));
  const std::string truncated = directory_.file("truncated.bin");
  testing::write_text(truncated, original.substr(0, 5000));
  auto result = run_cli("lm generate --model " + truncated + " 2>&1");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("truncated.bin: the header"), std::string::npos) << result.output;

  const std::string hf = directory_.file("hf");
  ASSERT_EQ(run_cli("lm convert --model " + stories("stories260K.bin") + " --out " + hf).exit_code,
            0);
  std::string weights = testing::read_text(hf + "/model.safetensors");
  testing::write_text(hf + "/model.safetensors", weights.substr(0, weights.size() - 64));
  result = run_cli("lm generate --model " + hf + " 2>&1");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("model.safetensors"), std::string::npos) << result.output;

  // A tokenizer whose vocabulary is not the model's.
  const std::string data = testing::shared_data_dir();
  result = run_cli("lm generate --model " + stories("stories260K.bin") + " --tokenizer " + data +
                   "/lm/llama2_tokenizer/tokenizer.model --prompt hello 2>&1");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("tokenizer.model"), std::string::npos) << result.output;

  // A prompt longer than the context of 512.
  std::string ids = "1";
  for (int i = 0; i < 600; ++i) ids += ",300";
  result = run_cli("lm inspect --model " + stories("stories260K.bin") + " --ids " + ids + " 2>&1");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("exceed the model's context of 512"), std::string::npos)
      << result.output;
  for (const std::string& line : {result.output}) EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST_F(LmCli, TheLogitLensPlotsAndItsLastRowIsTheModelsPrediction) {
  const std::string png = directory_.file("lens.png");
  auto result = run_cli("lm inspect --model " + stories("stories260K.bin") +
                        " --prompt 'Once upon a time, there was a little' --json --plot " + png +
                        " 2>/dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  // By default the lens follows the model's own prediction at the last position, so the last
  // row (the final residual through the final norm) ranks it first there.
  nlohmann::json lens = nlohmann::json::parse(result.output);
  const nlohmann::json& last = lens["rows"].back()["positions"].back();
  EXPECT_EQ(last["rank"], 0);
  EXPECT_EQ(last["top_token"], lens["target"]);
  EXPECT_EQ(lens["rows"].size(), 6u);  // the embedding and 5 blocks
  if (std::system("command -v gnuplot > /dev/null") == 0) {
    EXPECT_TRUE(std::filesystem::exists(png));
  }
}

TEST_F(LmCli, TraceLocatesTheAnswerAndEditMakesThePromptFollowTheGuide) {
  const std::string png = directory_.file("trace.png");
  const std::string prompt = "'Once upon a time, there was a little girl named'";
  auto result =
      run_cli("lm trace --model " + stories("stories260K.bin") + " --prompt " + prompt +
              " --subject 'little girl' --samples 3 --json --plot " + png + " 2>/dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  nlohmann::json trace = nlohmann::json::parse(result.output);
  ASSERT_EQ(trace["traces"].size(), 3u);
  for (const nlohmann::json& state : trace["traces"]) {
    ASSERT_EQ(state["probability"].size(), 5u) << state["state"];
    EXPECT_LT(state["corrupted"].get<double>(), state["clean"].get<double>());
  }
  // The residual state of the last block at the last position restores the clean prediction.
  const nlohmann::json& residual = trace["traces"][0];
  EXPECT_EQ(residual["state"], "residual");
  EXPECT_NEAR(residual["probability"].back().back().get<double>(), residual["clean"].get<double>(),
              1e-6);
  if (std::system("command -v gnuplot > /dev/null") == 0) {
    EXPECT_TRUE(std::filesystem::exists(directory_.file("trace-attention.png")));
  }

  const std::string edited = directory_.file("edited.bin");
  result = run_cli("lm edit --model " + stories("stories260K.bin") + " --prompt " + prompt +
                   " --guide 'Once upon a time, there was a little boy named' --layers 1,2,3 " +
                   "--also 'Once upon a time, there was a girl named' --json --out " + edited +
                   " 2>/dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  nlohmann::json edit = nlohmann::json::parse(result.output);
  ASSERT_EQ(edit["edits"].size(), 3u);
  ASSERT_EQ(edit["queries"].size(), 2u);
  const nlohmann::json& corrected = edit["queries"][0];
  EXPECT_GT(corrected["after"].get<double>(), corrected["before"].get<double>());
  EXPECT_NEAR(corrected["relative_change"].get<double>(),
              (corrected["after"].get<double>() - corrected["before"].get<double>()) /
                  corrected["before"].get<double>(),
              1e-9);
  EXPECT_TRUE(std::filesystem::exists(edited));

  result = run_cli("lm trace --model " + stories("stories260K.bin") + " --prompt " + prompt +
                   " --subject dragon 2>&1");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("--subject 'dragon'"), std::string::npos) << result.output;
  result = run_cli("lm edit --model " + stories("stories260K.bin") + " --prompt " + prompt +
                   " --guide 'a boy' --layers 7 2>&1");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("layer 7 is outside the model's layers 0..4"), std::string::npos)
      << result.output;
}

TEST_F(LmCli, TrainWritesAModelAfterEveryExperienceThatLoadsAndGenerates) {
  // Two experiences of text written by stories260K itself.
  std::vector<std::string> files;
  for (int part = 1; part <= 2; ++part) {
    auto result =
        run_cli("lm generate --model " + stories("stories260K.bin") + " --temperature 1 --seed " +
                std::to_string(part) + " --batch 12 --max-new-tokens 120 2>/dev/null");
    ASSERT_EQ(result.exit_code, 0) << result.output;
    files.push_back(directory_.file("part" + std::to_string(part) + ".txt"));
    testing::write_text(files.back(), result.output);
  }
  const std::string out = directory_.file("run");
  auto result =
      run_cli("lm train --text " + files[0] + " --text " + files[1] + " --tokenizer " +
              stories("tok512.bin") +
              " --dim 32 --layers 2 --heads 4 --epochs 2 --batch-size 8 --test-fraction 0.2 "
              "--learning-rate 3e-3 --warmup-steps 2 --strategy er --out " +
              out + " 2>&1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("final perplexity"), std::string::npos) << result.output;
  nlohmann::json summary = nlohmann::json::parse(testing::read_text(out + "/summary.json"));
  EXPECT_EQ(summary["metric"]["name"], "perplexity");
  ASSERT_TRUE(std::filesystem::exists(out + "/model/model.safetensors"));
  result = run_cli("lm generate --model " + out + "/model --tokenizer " + stories("tok512.bin") +
                   " --prompt 'Once upon a time' --max-new-tokens 8 2>/dev/null");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output.rfind("Once upon a time", 0), 0u) << result.output;

  // Fine-tuning stories260K itself (its tokenizer is found beside it) through LoRA adapters:
  // the merged model and the adapter apart.
  result = run_cli("lm train --text " + files[0] + " --model " + stories("stories260K.bin") +
                   " --epochs 1 --lora-rank 2 --lora-targets q_proj,o_proj --out " +
                   directory_.file("tuned") + " 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(std::filesystem::exists(directory_.file("tuned/model/model.safetensors")));
  EXPECT_TRUE(std::filesystem::exists(directory_.file("tuned/adapter/adapter_config.json")));
  result = run_cli("lm train --text " + files[0] + " --model " + stories("stories260K.bin") +
                   " --lora-rank 2 --lora-targets c_attn --out " + directory_.file("bad-lora") +
                   " 2>&1");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("LoRA target 'c_attn' is not a Llama projection"), std::string::npos)
      << result.output;
  result = run_cli("lm train --text " + directory_.file("missing.txt") + " --tokenizer " +
                   stories("tok512.bin") + " --out " + directory_.file("bad") + " 2>&1");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("missing.txt: file not found"), std::string::npos) << result.output;
}

TEST_F(LmCli, TheTwoHopWorldAndItsQueriesScoreAModel) {
  const std::string world = directory_.file("world");
  auto result = run_cli("gen two-hop --data " + testing::shared_data_dir() +
                        "/text/function_vectors/abstractive --max-entities 20 --out " + world);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("20 entities"), std::string::npos) << result.output;
  nlohmann::json statistics = nlohmann::json::parse(testing::read_text(world + "/world.json"));
  EXPECT_EQ(statistics["chains"], 40);
  EXPECT_EQ(statistics["queries"]["composition_held_out"], 20);
  result = run_cli("lm eval --model " + stories("stories260K.bin") + " --queries " + world +
                   "/queries.jsonl --json 2>/dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  nlohmann::json scores = nlohmann::json::parse(result.output);
  EXPECT_EQ(scores["kinds"]["composition_seen"]["queries"], 20);
  // A known answer: stories260K continues this prompt with " Lily" (P = 0.926).
  testing::write_text(
      directory_.file("story.jsonl"),
      R"({"prompt": "Once upon a time, there was a little girl named", "answer": "Lily"})"
      "\n");
  result = run_cli("lm eval --model " + stories("stories260K.bin") + " --queries " +
                   directory_.file("story.jsonl") + " --json 2>/dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  scores = nlohmann::json::parse(result.output)["kinds"]["all"];
  EXPECT_EQ(scores["accuracy"], 1.0);
  EXPECT_NEAR(scores["mean_probability"].get<double>(), 0.926, 0.001);
  testing::write_text(directory_.file("bad.jsonl"), "{\"prompt\": \"x\"}\n");
  result = run_cli("lm eval --model " + stories("stories260K.bin") + " --queries " +
                   directory_.file("bad.jsonl") + " 2>&1");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("bad.jsonl:1: expected {\"prompt\": text, \"answer\": text}"),
            std::string::npos)
      << result.output;
}

TEST(LmBench, TheSmokeVersionPrintsEveryMeasure) {
  if (stories("stories260K.bin").empty() || !std::filesystem::exists(stories("stories260K.bin")))
    GTEST_SKIP() << "no shared data";
  testing::TemporaryDirectory directory;
  auto result = run_cli("bench lm --smoke --out " + directory.path() + " 2>/dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("generation batch 1"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("training (tokens/s)"), std::string::npos);
  EXPECT_NE(result.output.find("Hook seam"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(directory.file("lm.json")));
}

}  // namespace
}  // namespace evergreen
