#pragma once
// One configured backtest from start to finished record (the CLI and sweeps call this).
#include "analysis/backtest_record.hpp"
#include "backtest/config.hpp"
#include "backtest/engine.hpp"
#include "core/error.hpp"
#include "store/panel.hpp"

namespace kestrel::backtest {

struct RunOutput {
  analysis::BacktestRecord record;  // with the effective config text, its hash and the seed
  RunStats stats;
};

core::Result<RunOutput> run_backtest(const BacktestConfig& config, const store::Panel& panel);

}  // namespace kestrel::backtest
