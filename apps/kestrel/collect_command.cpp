// `kestrel data collect`: bring tickers up to date from Alpaca's market data, Alpha Vantage or
// Yahoo's chart API, with pacing, retries, request deadlines and an optional fallback vendor.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/alpaca_bars.hpp"
#include "adapters/alpha_vantage.hpp"
#include "adapters/api_key.hpp"
#include "adapters/collector.hpp"
#include "adapters/yahoo.hpp"
#include "cli_support.hpp"
#include "store/csv.hpp"
#include "vendor_call_options.hpp"

namespace kestrel::app {
namespace {

constexpr const char* kApiKeyEnv = "ALPHAVANTAGE_API_KEY";

struct CollectArgs {
  std::string db;
  std::string vendor;
  std::vector<std::string> tickers;
  bool universe = false;
  std::string base_url;
  std::string fallback;
  std::string fallback_base_url;
  VendorCallOptions calls;
  double max_reply_mib = 64;
  std::string datatype = "json";
  std::string av_function = "daily";
  std::string api_key_file;
  std::string alpaca_key_file;
  std::string alpaca_feed = "sip";
};

// Alpha Vantage's free keys get 25 requests a day and at most one a second (bursts are
// answered with a notice); one every 2 s stays clear of that with room for jitter, and the
// daily quota is reported by the vendor when reached. Yahoo publishes no limit, so stay polite.
constexpr int kAlphaVantageFreeRequestsPerDay = 25;
constexpr double kDefaultCallsPerMinute = 30;
// Alpaca's free plan allows 200 market-data requests a minute; each ticker takes three.
constexpr double kAlpacaCallsPerMinute = 180;

double default_calls_per_minute(std::string_view vendor) {
  return vendor == "alpaca" ? kAlpacaCallsPerMinute : kDefaultCallsPerMinute;
}


core::Date today_utc() {
  // The process edge is where wall time enters; the collector only gets the day.
  const auto now = std::chrono::system_clock::now();
  return core::Date::from_days(static_cast<std::int32_t>(
      std::chrono::floor<std::chrono::days>(now).time_since_epoch().count()));
}

// One vendor with its own HTTP client, pacing and retry state.
struct VendorStack {
  std::unique_ptr<adapters::Fetcher> fetcher;
  std::unique_ptr<adapters::Fetcher> cookie_fetcher;  // Yahoo's session cookie, on its own host
  std::unique_ptr<adapters::DailyBarVendor> vendor;
};

VendorStack make_vendor(const CollectArgs& args, std::string_view name, const std::string& base_url,
                        double calls_per_minute, adapters::SleepClock& clock,
                        const adapters::LogSink& log) {
  const bool alpha = name == "alphavantage";
  const bool alpaca = name == "alpaca";
  std::string key;
  if (alpha) {
    std::optional<std::filesystem::path> key_file;
    if (!args.api_key_file.empty()) key_file = args.api_key_file;
    key = value_or_fail(adapters::resolve_api_key(key_file, std::getenv(kApiKeyEnv), kApiKeyEnv));
  }
  std::optional<adapters::AlpacaKeys> alpaca_keys;
  if (alpaca) {
    std::optional<std::filesystem::path> key_file;
    if (!args.alpaca_key_file.empty()) key_file = args.alpaca_key_file;
    alpaca_keys = value_or_fail(
        adapters::resolve_alpaca_keys(std::getenv("APCA_API_KEY_ID"), std::getenv("APCA_API_SECRET_KEY"), key_file));
  }
  const std::string url = !base_url.empty() ? base_url
                          : alpha           ? std::string(adapters::kAlphaVantageBaseUrl)
                          : alpaca          ? std::string(adapters::kAlpacaDataUrl)
                                            : std::string(adapters::kYahooBaseUrl);
  auto base = value_or_fail(adapters::parse_base_url(url));
  const adapters::HttpTimeouts timeouts = request_timeouts(args.calls);
  const auto max_reply_bytes = static_cast<std::size_t>(args.max_reply_mib * 1024 * 1024);
  adapters::FetcherSettings settings = fetcher_settings(args.calls, calls_per_minute);
  if (!key.empty()) settings.secrets.push_back(key);
  if (alpaca_keys) settings.secrets.insert(settings.secrets.end(), {alpaca_keys->key_id, alpaca_keys->secret_key});
  VendorStack stack;
  // Yahoo's own endpoint takes its session cookie from fc.yahoo.com; any other base URL (a
  // mirror, a test server) is asked for it itself.
  if (!alpha && !alpaca && base_url.empty()) {
    stack.cookie_fetcher = std::make_unique<adapters::Fetcher>(
        adapters::HttpClient(value_or_fail(adapters::parse_base_url(adapters::kYahooCookieUrl)), timeouts,
                             max_reply_bytes),
        settings, clock, log);
  }
  stack.fetcher = std::make_unique<adapters::Fetcher>(
      adapters::HttpClient(std::move(base), timeouts, max_reply_bytes), std::move(settings), clock, log);
  if (alpha) {
    adapters::AlphaVantageOptions options;
    options.api_key = key;
    options.datatype = args.datatype == "csv" ? adapters::AlphaVantageOptions::DataType::Csv
                                              : adapters::AlphaVantageOptions::DataType::Json;
    options.function = args.av_function == "daily_adjusted" ? adapters::AlphaVantageOptions::Function::DailyAdjusted
                                                            : adapters::AlphaVantageOptions::Function::Daily;
    stack.vendor = std::make_unique<adapters::AlphaVantageClient>(*stack.fetcher, std::move(options));
  } else if (alpaca) {
    adapters::AlpacaBarsOptions options;
    options.key_id = alpaca_keys->key_id;
    options.secret_key = alpaca_keys->secret_key;
    options.feed = args.alpaca_feed;
    stack.vendor = std::make_unique<adapters::AlpacaBarsClient>(*stack.fetcher, std::move(options), log);
  } else {
    stack.vendor = std::make_unique<adapters::YahooClient>(
        *stack.fetcher, stack.cookie_fetcher ? *stack.cookie_fetcher : *stack.fetcher);
  }
  return stack;
}

void run_collect(const GlobalOptions& global, const CollectArgs& args) {
  if (!args.universe && args.tickers.empty()) {
    throw CommandFailed{"no tickers: pass --tickers A,B,… or --universe"};
  }
  // Vendors first: a missing key or bad URL should fail before the store file is created.
  adapters::SteadySleepClock clock;
  const adapters::LogSink log = [](std::string_view line) { spdlog::warn("{}", line); };
  auto primary = make_vendor(args, args.vendor, args.base_url,
                             args.calls.calls_per_minute.value_or(default_calls_per_minute(args.vendor)), clock, log);
  std::optional<VendorStack> fallback;
  if (!args.fallback.empty()) {
    if (args.fallback == args.vendor) {
      throw CommandFailed{fmt::format("--fallback {} is the same vendor as --vendor", args.fallback)};
    }
    fallback = make_vendor(args, args.fallback, args.fallback_base_url, default_calls_per_minute(args.fallback),
                           clock, log);
  }

  const auto db = resolve_db(global, args.db);
  auto store = value_or_fail(store::MarketStore::open(db, store::MarketStore::Access::ReadWrite));
  std::vector<std::string> tickers;
  if (args.universe) {
    for (const auto& t : value_or_fail(store.universe())) tickers.push_back(t.info.symbol);
    if (tickers.empty()) {
      throw CommandFailed{fmt::format("the universe in {} is empty: import universe.csv first or "
                                      "pass --tickers", db.string())};
    }
  } else {
    for (const auto& t : args.tickers) {
      std::string symbol = store::trim(t);
      if (!symbol.empty()) tickers.push_back(std::move(symbol));
    }
    if (tickers.empty()) throw CommandFailed{"no tickers: pass --tickers A,B,… or --universe"};
  }

  const bool alpha_daily = args.av_function == "daily" &&
                          (args.vendor == "alphavantage" || args.fallback == "alphavantage");
  if (alpha_daily && tickers.size() > static_cast<std::size_t>(kAlphaVantageFreeRequestsPerDay)) {
    log(fmt::format("{} tickers: a free Alpha Vantage key allows {} requests a day; when the vendor says the "
                    "quota is used up the run stops using it (rerun tomorrow to resume{})",
                    tickers.size(), kAlphaVantageFreeRequestsPerDay,
                    args.fallback.empty() ? ", or add --fallback yahoo" : ""));
  }
  adapters::Collector collector(store, *primary.vendor, fallback ? fallback->vendor.get() : nullptr,
                                {.today = today_utc(), .show_progress = !global.quiet, .log = log});
  const auto report = value_or_fail(collector.run(tickers));

  fmt::print("{:<8} {:<12} {:<12} {:>8} {:<10} {}\n", "ticker", "status", "vendor", "new rows",
             "last date", "message");
  for (const auto& t : report.tickers) {
    fmt::print("{:<8} {:<12} {:<12} {:>8} {:<10} {}\n", t.ticker, adapters::to_string(t.status),
               t.vendor.empty() ? "-" : t.vendor, t.new_rows,
               t.last_date ? t.last_date->to_string() : "-", t.message);
  }
  using Status = adapters::TickerOutcome::Status;
  const std::size_t failed = report.count(Status::Failed), not_run = report.count(Status::NotRun);
  fmt::print("{} ticker(s): {} updated, {} re-adjusted, {} up to date, {} failed, {} not run\n",
             report.tickers.size(), report.count(Status::Updated), report.count(Status::Readjusted),
             report.count(Status::UpToDate), failed, not_run);
  if (failed + not_run > 0) {
    throw CommandFailed{fmt::format("{} of {} ticker(s) not collected; finished tickers are "
                                    "stored, rerun the same command to resume",
                                    failed + not_run, report.tickers.size())};
  }
}

}  // namespace

void add_collect_command(CLI::App& data, const GlobalOptions& global) {
  auto args = std::make_shared<CollectArgs>();
  CLI::App* collect = data.add_subcommand(
      "collect",
      "Download daily bars from a vendor and append the days the store lacks (resumes from each "
      "ticker's last stored date; one transaction per ticker). Alpaca needs $APCA_API_KEY_ID and "
      "$APCA_API_SECRET_KEY (or --alpaca-key-file); Alpha Vantage an API key in $ALPHAVANTAGE_API_KEY or "
      "--api-key-file; Yahoo's chart API is unofficial (see docs/data.md).");
  add_db_option(*collect, args->db);
  collect->add_option("--vendor", args->vendor,
                      "Data vendor: alpaca (Alpaca's market data, daily bars from 2016), alphavantage, or "
                      "yahoo (Yahoo's chart API: unofficial, can change or close without notice)")
      ->required()
      ->check(CLI::IsMember({"alpaca", "alphavantage", "yahoo"}));
  auto* tickers = collect->add_option("--tickers", args->tickers, "Tickers, comma-separated")
                      ->delimiter(',');
  auto* universe = collect->add_flag("--universe", args->universe, "Every ticker in the store's universe");
  tickers->excludes(universe);
  collect->add_option("--base-url", args->base_url,
                      "Vendor endpoint (default https://data.alpaca.markets, https://www.alphavantage.co or "
                      "https://query1.finance.yahoo.com)");
  add_vendor_call_options(*collect, args->calls,
                          "Pacing of vendor calls, retries included (default 30: one every 2 s, under Alpha "
                          "Vantage's 1 request per second burst limit; alpaca 180, under its 200 a minute)");
  collect->add_option("--max-reply-mib", args->max_reply_mib,
                      "Largest reply body accepted (MiB); a larger one fails the ticker")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 4096.0));
  collect->add_option("--av-function", args->av_function,
                      "Alpha Vantage series: daily (TIME_SERIES_DAILY, free keys: the latest 100 sessions, "
                      "unadjusted, no dividends or splits) or daily_adjusted (TIME_SERIES_DAILY_ADJUSTED, "
                      "premium keys: full history, adjusted closes, dividends and splits)")
      ->capture_default_str()
      ->check(CLI::IsMember({"daily", "daily_adjusted"}));
  collect->add_option("--datatype", args->datatype, "Alpha Vantage reply format")
      ->capture_default_str()
      ->check(CLI::IsMember({"json", "csv"}));
  collect->add_option("--fallback", args->fallback, "Vendor to try for a ticker when --vendor fails for it")
      ->check(CLI::IsMember({"alpaca", "yahoo", "alphavantage"}));
  collect->add_option("--fallback-base-url", args->fallback_base_url, "Endpoint of the fallback vendor");
  collect->add_option("--api-key-file", args->api_key_file,
                      "File holding the Alpha Vantage key (instead of $ALPHAVANTAGE_API_KEY); keep "
                      "it outside the repository")
      ->check(CLI::ExistingFile);
  collect->add_option("--alpaca-feed", args->alpaca_feed,
                      "Alpaca feed: sip (every exchange; the free plan gets it up to 15 minutes ago, so a run "
                      "during a session stops at the day before) or iex (one exchange's trades only)")
      ->capture_default_str()
      ->check(CLI::IsMember({"sip", "iex"}));
  collect->add_option("--alpaca-key-file", args->alpaca_key_file,
                      "File of APCA_API_KEY_ID=… and APCA_API_SECRET_KEY=… lines (instead of the environment); "
                      "keep it outside the repository")
      ->check(CLI::ExistingFile);
  collect->callback([&global, args] { run_collect(global, *args); });
}

}  // namespace kestrel::app
