#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "live/json_lines_log.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::testing {
namespace {

std::vector<nlohmann::json> lines_of(const std::filesystem::path& file) {
  std::vector<nlohmann::json> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));  // throws if not JSON
  return out;
}

TEST(JsonLinesLog, EachLineIsJsonWithTimeLevelMessageAndFieldsAndNoSecret) {
  TempDir dir;
  core::SimClock clock(1'764'279'000'000'000'000);  // 2025-11-27T21:30:00Z
  auto log = live::JsonLinesLog::open({.path = dir / "logs" / "node.jsonl", .max_bytes = 1 << 20, .keep = 2,
                                       .secrets = {"PKTEST123", "secret-abc", ""}},
                                      clock);
  ASSERT_TRUE(log) << log.error().message;
  (*log)->write("info", "2019-06-28 close: equity 100000.00, \"quoted\"\nsecond line", {{"run", "r1"}});
  (*log)->write("error", "alpaca: 401 for key PKTEST123 and secret-abc (secret-abcsecret-abc)",
                {{"url", "https://x/?token=secret-abc"}, {"nested", {{"k", "PKTEST123"}}}});
  (*log)->write("info", std::string("bad bytes \xff\xfe end"));
  const auto lines = lines_of(dir / "logs" / "node.jsonl");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["ts"], "2025-11-27T21:30:00Z");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["run"], "r1");
  EXPECT_EQ(lines[0]["msg"], "2019-06-28 close: equity 100000.00, \"quoted\"\nsecond line");
  EXPECT_EQ(lines[1]["msg"], "alpaca: 401 for key *** and *** (******)");
  EXPECT_EQ(lines[1]["url"], "https://x/?token=***");
  EXPECT_EQ(lines[1]["nested"]["k"], "***");
  const std::string raw = read_file(dir / "logs" / "node.jsonl");
  EXPECT_EQ(raw.find("PKTEST123"), std::string::npos);
  EXPECT_EQ(raw.find("secret-abc"), std::string::npos);
}

TEST(JsonLinesLog, RotatesBySizeAndKeepsTheNewestFiles) {
  TempDir dir;
  core::SimClock clock;
  auto log = live::JsonLinesLog::open({.path = dir / "node.jsonl", .max_bytes = 2048, .keep = 2, .secrets = {}}, clock);
  ASSERT_TRUE(log);
  for (int i = 0; i < 100; ++i) (*log)->write("info", fmt::format("line {:03d} {}", i, std::string(60, 'x')));
  ASSERT_TRUE(std::filesystem::exists(dir / "node.jsonl"));
  ASSERT_TRUE(std::filesystem::exists(dir / "node.jsonl.1"));
  ASSERT_TRUE(std::filesystem::exists(dir / "node.jsonl.2"));
  EXPECT_FALSE(std::filesystem::exists(dir / "node.jsonl.3"));
  for (const char* name : {"node.jsonl", "node.jsonl.1", "node.jsonl.2"}) {
    EXPECT_LE(std::filesystem::file_size(dir / name), 2048u) << name;
  }
  // The newest line is in the current file, and the files hold consecutive lines.
  const auto current = lines_of(dir / "node.jsonl");
  const auto previous = lines_of(dir / "node.jsonl.1");
  ASSERT_FALSE(current.empty());
  EXPECT_EQ(current.back()["msg"].get<std::string>().substr(0, 8), "line 099");
  const int first_current = std::stoi(current.front()["msg"].get<std::string>().substr(5, 3));
  const int last_previous = std::stoi(previous.back()["msg"].get<std::string>().substr(5, 3));
  EXPECT_EQ(first_current, last_previous + 1);
}

}  // namespace
}  // namespace kestrel::testing
