#include "backtest/runner.hpp"

#include "backtest/risk_report.hpp"

namespace kestrel::backtest {

core::Result<RunOutput> run_backtest(const BacktestConfig& config, const store::Panel& panel) {
  auto engine_config = make_engine_config(config, panel);
  if (!engine_config) return std::unexpected(engine_config.error());
  auto strategy = make_strategy(config, panel);
  if (!strategy) return std::unexpected(strategy.error());
  BacktestEngine engine(panel, std::move(*engine_config), **strategy);
  auto record = engine.run();
  if (!record) return std::unexpected(record.error());
  record->config_text = config.effective_text;
  record->config_hash = config.hash;
  record->seed = config.seed;
  add_risk_analysis(*record, panel, engine.portfolio(), {.seed = config.seed});
  return RunOutput{std::move(*record), engine.stats()};
}

}  // namespace kestrel::backtest
