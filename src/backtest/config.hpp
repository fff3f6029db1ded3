#pragma once
// A backtest described by a TOML file (see docs/backtesting.md for every key). Unknown keys
// are errors, and every problem in a file is reported at once, each with file:line:column.
// Sweeps override keys by dotted path ("strategy.fast=20") before validation, so an override
// is checked exactly like a value written in the file.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backtest/engine.hpp"
#include "core/error.hpp"
#include "store/panel.hpp"
#include "strategy/momentum.hpp"
#include "strategy/signal_strategy.hpp"
#include "strategy/sma_crossover.hpp"
#include "strategy/strategy.hpp"

namespace kestrel::backtest {

enum class Mode { Backtest, Paper, Live };
std::string_view to_string(Mode mode);

struct DataConfig {
  std::filesystem::path csv_dir;   // a folder of per-ticker CSVs, or
  std::filesystem::path snapshot;  // a research snapshot, or
  std::filesystem::path db;        // the store (its snapshot is refreshed as needed)
  std::vector<std::string> tickers;  // tradable universe; empty: every ticker…
  std::vector<std::string> exclude;  // …except these
  std::string benchmark = "SPY";     // empty: none
  std::optional<core::Date> start;
  std::optional<core::Date> end;
};

struct StrategyConfig {
  std::string type;  // buy_and_hold | sma_crossover | momentum | signal | model
  std::vector<std::string> tickers;  // buy_and_hold
  strategy::SmaCrossoverParams sma;
  strategy::MomentumParams momentum;
  strategy::SignalParams signal;
  std::filesystem::path predictions;  // signal
  std::filesystem::path news;         // signal: date,ticker,score of each session's news sentiment (event stop)
  std::filesystem::path model;        // model: a folder the pipeline saved (kestrel-model.json)
};

// [node]: how `kestrel trade` runs this config as a long-running node (ignored by backtests).
// `[node.retrain]`: monthly retraining by the node (pipeline/retrain.hpp): after the last
// session of each month it trains a challenger on the data up to that close, judges it against
// the registry's champion on a shadow period, and on promotion trades the challenger from the
// next session. Journaled as a decision, so a restarted node does not retrain again.
struct RetrainSettings {
  std::filesystem::path pipeline;  // the pipeline config that trained the model
  std::filesystem::path out;       // its output folder: the store and the model registry
  std::string model;               // a model name of that config
  std::size_t shadow_days = 63;
  std::size_t valid_days = 126;
  double margin_z = 1.645;
};

struct NodeSettings {
  std::string journal;  // the journal: a SQLite file or a postgresql:// URL; default: --db, else data.db
  std::filesystem::path kill_file;     // while this file exists the node stays halted
  std::filesystem::path drop_dir;      // per-ticker CSVs imported into the store each cycle
  // Paper and live: "alpaca" brings the store's universe up to date from Alpaca's market data
  // before each cycle (the collector of `kestrel data collect --vendor alpaca`, with the node's
  // Alpaca keys); empty: no collection (drop_dir or an outside job feeds the store).
  std::string collect;
  std::string alpaca_data_url;         // default: https://data.alpaca.markets
  std::string alpaca_feed = "sip";     // or "iex"
  double alpaca_data_calls_per_minute = 180;  // the free plan allows 200 a minute
  // The execution client: "sim" (paper trading on the simulated venue), "alpaca-paper" (Alpaca's
  // paper account) or "alpaca-live" (real money: needs mode = "live" and `--live`).
  std::string execution = "sim";
  std::string alpaca_trading_url;      // default: Alpaca's paper or live endpoint
  std::string alpaca_stream_url;
  std::filesystem::path alpaca_key_file;  // APCA_API_KEY_ID=… / APCA_API_SECRET_KEY=… lines, outside the repo
  std::size_t poll_seconds = 30;       // how often a waiting node looks for data and controls
  std::size_t close_delay_minutes = 30;  // after the close, before the day's bars are expected
  std::optional<core::Date> start;     // first session (default: the newest day in the data)
  std::optional<RetrainSettings> retrain;
};

struct BacktestConfig {
  Mode mode = Mode::Backtest;
  std::string name = "backtest";
  std::uint64_t seed = 0;  // recorded for reproducibility (the built-in models draw no randomness)
  DataConfig data;
  portfolio::PortfolioConfig portfolio;
  std::optional<PortfolioConstruction> construction;  // [portfolio] method = ...
  sim::BrokerConfig broker;
  TradeRules rules;
  RiskSettings risk;  // [risk]
  execution::TimeInForce time_in_force = execution::TimeInForce::Day;
  StrategyConfig strategy;
  NodeSettings node;
  std::string effective_text;  // the configuration after overrides, as TOML
  std::string hash;            // xxh64 of effective_text, hex
};

// A "key=value" override; value is read as TOML (20, 0.5, true, "text") and otherwise as a
// bare string.
struct Override {
  std::string key;
  std::string value;
};

// Relative paths in the file are resolved against `base_dir` (the config file's folder).
core::Result<BacktestConfig> parse_backtest_config(std::string_view text, std::string_view source,
                                                   const std::filesystem::path& base_dir,
                                                   const std::vector<Override>& overrides = {});
core::Result<BacktestConfig> read_backtest_config(const std::filesystem::path& path,
                                                  const std::vector<Override>& overrides = {});

// The market data the config names.
core::Result<store::Panel> load_panel(const DataConfig& data);
// Resolves tickers against the panel.
core::Result<EngineConfig> make_engine_config(const BacktestConfig& config, const store::Panel& panel);
core::Result<std::unique_ptr<strategy::Strategy>> make_strategy(const BacktestConfig& config, const store::Panel& panel);

}  // namespace kestrel::backtest
