#pragma once
// A logistic regression trained by `kestrel pipeline` on data/sample (2011-2017, tested on
// 2018-2019), saved once per test process: the model the trading tests paper-trade. Only for
// test targets that run the CLI (kestrel_test(... USES_CLI ...) defines KESTREL_BINARY).
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::testing {

inline const std::filesystem::path& trained_sample_model() {
  static TempDir dir;
  static const std::filesystem::path model = [] {
    write_file(dir / "mini.toml", std::string(R"(name = "mini"
seed = 7
models = ["logistic_regression"]
[data]
dir = ")") + KESTREL_SAMPLE_DATA + R"("
benchmark = "SPY"
[label]
kind = "direction"
horizon = 1
[features]
truncation_cuts = 0
[evaluation.fixed]
train_begin = "2011-01-03"
valid_begin = "2016-01-01"
test_begin = "2018-01-01"
test_end = "2019-12-31"
embargo = 5
[evaluation.walk_forward]
enabled = false
[controls]
enabled = false
[model]
max_train_samples = 10000
)");
    const auto r = run_command(std::string(KESTREL_BINARY) + " -q pipeline --config " + (dir / "mini.toml").string() +
                               " --out " + (dir / "out").string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return dir / "out" / "models" / "logistic_regression";
  }();
  return model;
}

// A paper-trading config of that model on the sample's test years (2018-2019) with the plan's
// trade rules; `node_extra` lines go into its [node] table.
inline std::string sample_paper_config(const std::filesystem::path& dir, const std::string& name,
                                       const std::string& node_extra = "") {
  return std::string(R"(mode = "paper"
name = ")") + name + R"("
seed = 1
[data]
csv_dir = ")" + KESTREL_SAMPLE_DATA + R"("
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
kill_file = ")" + (dir / "KILL").string() + "\"\n" + node_extra;
}

}  // namespace kestrel::testing
