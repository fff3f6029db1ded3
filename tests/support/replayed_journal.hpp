#pragma once
// A trading journal to serve and report on: `kestrel trade replay` of the sample's test years (2018-2019)
// with the model trained on 2011-2017, written once per test process.
#include <filesystem>
#include <string>

#include "support/run_command.hpp"
#include "support/sample_model.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::testing {

inline const TempDir& replayed_journal_dir() {
  static TempDir dir;
  return dir;
}

// The node's config: the sample data, the trained model, the plan's trade rules.
inline std::string sample_paper_config(const std::filesystem::path& dir) {
  return std::string(R"(mode = "paper"
name = "dashboard-test"
seed = 1
[data]
csv_dir = ")") + KESTREL_SAMPLE_DATA + R"("
exclude = ["SPX", "SPY"]
benchmark = "SPY"
start = "2018-01-02"
end = "2019-12-31"
[execution]
participation_cap = 0.05
[execution.slippage]
model = "fixed_bps"
bps = 5
[execution.commission]
model = "per_share"
[rules]
attach_stop = true
[strategy]
type = "model"
model = ")" + trained_sample_model().string() + R"("
top_k = 8
gross = 0.78
[node]
journal = ")" + (dir / "journal.db").string() + R"("
kill_file = ")" + (dir / "KILL").string() + "\"\n";
}

inline const std::filesystem::path& replayed_sample_journal() {
  static const std::filesystem::path journal = [] {
    const TempDir& dir = replayed_journal_dir();
    write_file(dir / "paper.toml", sample_paper_config(dir.path()));
    const auto r = run_command(std::string(KESTREL_BINARY) + " -q trade replay --config " +
                                                 (dir / "paper.toml").string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return dir / "journal.db";
  }();
  return journal;
}

}  // namespace kestrel::testing
