#pragma once
// The node's own market-data refresh (`node.collect = "alpaca"`): before a cycle, the store's
// universe is brought up to date from Alpaca's market data with the node's Alpaca keys — the
// collector of `kestrel data collect --vendor alpaca`, so a user with an Alpaca account needs no
// other vendor and no outside job.
//
// When: only bars of sessions that have closed are asked for (the close plus the node's
// close_delay_minutes: a bar fetched during the session would be partial), not while the
// store already holds the last closed session (NYSE calendar: nothing is awaited on weekends
// and holidays), and at most once every ten minutes while a bar is still missing (Alpaca
// publishes the day's bar some minutes after the close).
//
// Failures: a ticker the collector could not update is logged by name; a refresh in which
// every ticker failed is an error, so the node never trades on stale data without saying so.
// Index series (SPX) are not on Alpaca: a ticker with history and no new bars is "up to date".
#include <filesystem>
#include <memory>
#include <optional>

#include "adapters/alpaca_bars.hpp"
#include "adapters/fetcher.hpp"
#include "adapters/sleep_clock.hpp"
#include "backtest/config.hpp"
#include "core/clock.hpp"

namespace kestrel::live {

class MarketDataRefresh {
 public:
  using Log = std::function<void(const std::string&)>;
  // Fails for a config that asks for collection without Alpaca keys or with a bad URL.
  static core::Result<std::unique_ptr<MarketDataRefresh>> make(const backtest::BacktestConfig& config, Log log);

  // Brings the store `db` up to date when the rules above say so. `latest`: the newest date
  // the node's data has. Returns whether anything was written.
  core::Result<bool> maybe_collect(const std::filesystem::path& db, core::UnixNanos now,
                                   std::optional<core::Date> latest);

 private:
  MarketDataRefresh(const backtest::BacktestConfig& config, adapters::AlpacaBarsOptions options, adapters::BaseUrl url,
                    Log log);

  std::size_t close_delay_minutes_;
  adapters::SteadySleepClock sleep_;
  Log log_;
  adapters::LogSink sink_;  // the fetcher's, client's and collector's lines, prefixed "data: "
  std::unique_ptr<adapters::Fetcher> fetcher_;
  std::unique_ptr<adapters::AlpacaBarsClient> client_;
  std::optional<core::UnixNanos> last_attempt_;
};

}  // namespace kestrel::live
