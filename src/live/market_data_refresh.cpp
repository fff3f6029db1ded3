#include "live/market_data_refresh.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "adapters/api_key.hpp"
#include "adapters/collector.hpp"
#include "adapters/url.hpp"
#include "store/market_store.hpp"
#include "store/trading_calendar.hpp"

namespace kestrel::live {
namespace {

constexpr core::UnixNanos kRetryEvery = 10 * 60 * core::kNanosPerSecond;

}  // namespace

core::Result<std::unique_ptr<MarketDataRefresh>> MarketDataRefresh::make(const backtest::BacktestConfig& config, Log log) {
  std::optional<std::filesystem::path> key_file;
  if (!config.node.alpaca_key_file.empty()) key_file = config.node.alpaca_key_file;
  auto keys = adapters::resolve_alpaca_keys(std::getenv("APCA_API_KEY_ID"), std::getenv("APCA_API_SECRET_KEY"), key_file);
  if (!keys) return core::fail_as(core::ErrorKind::Config, "node.collect = \"alpaca\": {}", keys.error().message);
  auto url = adapters::parse_base_url(config.node.alpaca_data_url.empty() ? std::string(adapters::kAlpacaDataUrl)
                                                                         : config.node.alpaca_data_url);
  if (!url) return core::fail_as(core::ErrorKind::Config, "node.alpaca_data_url: {}", url.error().message);
  adapters::AlpacaBarsOptions options;
  options.key_id = std::move(keys->key_id);
  options.secret_key = std::move(keys->secret_key);
  options.feed = config.node.alpaca_feed;
  return std::unique_ptr<MarketDataRefresh>(new MarketDataRefresh(config, std::move(options), std::move(*url), std::move(log)));
}

MarketDataRefresh::MarketDataRefresh(const backtest::BacktestConfig& config, adapters::AlpacaBarsOptions options,
                                     adapters::BaseUrl url, Log log)
    : close_delay_minutes_(config.node.close_delay_minutes), log_(std::move(log)) {
  adapters::FetcherSettings settings;
  settings.retry = {5, std::chrono::milliseconds(2'000), std::chrono::milliseconds(60'000)};
  settings.calls_per_minute = config.node.alpaca_data_calls_per_minute;
  settings.secrets = {options.key_id, options.secret_key};
  sink_ = [this](std::string_view line) {
    if (log_) log_(fmt::format("data: {}", line));
  };
  fetcher_ = std::make_unique<adapters::Fetcher>(
      adapters::HttpClient(std::move(url), {std::chrono::milliseconds(10'000), std::chrono::milliseconds(60'000),
                                            std::chrono::milliseconds(120'000)}),
      std::move(settings), sleep_, sink_);
  client_ = std::make_unique<adapters::AlpacaBarsClient>(*fetcher_, std::move(options), sink_);
}

core::Result<bool> MarketDataRefresh::maybe_collect(const std::filesystem::path& db, core::UnixNanos now,
                                                    std::optional<core::Date> latest) {
  // The newest session that has closed (bars are expected close_delay_minutes after it).
  const auto delay = static_cast<core::UnixNanos>(close_delay_minutes_) * 60 * core::kNanosPerSecond;
  core::Date closed = core::Date::from_days(static_cast<std::int32_t>(now / core::kNanosPerDay));
  if (now < core::at_time_of_day(closed, core::kSessionCloseSecond) + delay) closed = closed - 1;
  // Weekends and holidays have no bars to wait for: the last session on or before that day.
  auto calendar = store::TradingCalendar::nyse();
  if (!calendar) return std::unexpected(calendar.error());
  for (int k = 0; k < 10; ++k) {
    auto session = calendar->is_session(closed);
    if (!session || *session) break;  // outside the calendar's years: take the day as it is
    closed = closed - 1;
  }
  if (latest && *latest >= closed) return false;
  if (last_attempt_ && now - *last_attempt_ < kRetryEvery) return false;
  last_attempt_ = now;

  auto store = store::MarketStore::open(db, store::MarketStore::Access::ReadWrite);
  if (!store) return std::unexpected(store.error());
  auto universe = store->universe();
  if (!universe) return std::unexpected(universe.error());
  std::vector<std::string> tickers;
  for (const auto& t : *universe) tickers.push_back(t.info.symbol);
  if (tickers.empty()) return core::fail("data: the universe in {} is empty: nothing to collect", db.string());

  adapters::Collector collector(*store, *client_, nullptr,
                                {.today = closed, .show_progress = false, .log = sink_});
  auto report = collector.run(tickers);
  if (!report) return std::unexpected(report.error());
  using Status = adapters::TickerOutcome::Status;
  std::size_t written = 0, failed = 0;
  std::string failures;
  for (const auto& t : report->tickers) {
    written += t.status == Status::Updated || t.status == Status::Readjusted;
    if (t.status == Status::Failed || t.status == Status::NotRun) {
      ++failed;
      failures += fmt::format("{}  {}: {}", failures.empty() ? "" : "\n", t.ticker,
                              t.message.empty() ? std::string(adapters::to_string(t.status)) : t.message);
    }
  }
  if (log_) {
    log_(fmt::format("data: alpaca, sessions up to {}: {} of {} tickers updated, {} up to date, {} failed{}{}",
                     closed.to_string(), written, tickers.size(), report->count(Status::UpToDate), failed,
                     failures.empty() ? "" : "\n", failures));
  }
  if (failed == tickers.size()) {
    return core::fail("data: the refresh from Alpaca failed for every ticker (first: {})",
                      report->tickers.front().message);
  }
  return written > 0;
}

}  // namespace kestrel::live
