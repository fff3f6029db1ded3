// `kestrel news collect`: bring the store's news up to date from Alpha Vantage NEWS_SENTIMENT or
// NewsAPI, window by window, resuming where an earlier run stopped.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/alpha_vantage.hpp"
#include "adapters/alpha_vantage_news.hpp"
#include "adapters/api_key.hpp"
#include "adapters/news_collector.hpp"
#include "adapters/newsapi.hpp"
#include "cli_support.hpp"
#include "store/csv.hpp"
#include "vendor_call_options.hpp"

namespace kestrel::app {
namespace {

constexpr const char* kAlphaVantageKeyEnv = "ALPHAVANTAGE_API_KEY";
constexpr const char* kNewsApiKeyEnv = "NEWSAPI_API_KEY";
// The vendors' free tiers: Alpha Vantage 25 requests a day (and at most one a second), NewsAPI's
// developer plan 100 requests a day. The vendors say when a quota is spent; these only size the
// warning printed before a run that cannot finish in one day.
constexpr std::size_t kAlphaVantageFreeRequestsPerDay = 25;
constexpr std::size_t kNewsApiDeveloperRequestsPerDay = 100;

struct NewsCollectArgs {
  std::string db;
  std::string vendor;
  std::vector<std::string> tickers;
  std::vector<std::string> queries;  // TICKER=TEXT
  std::string from;
  std::string to;
  std::string base_url;
  std::string api_key_file;
  std::optional<double> window_days;
  VendorCallOptions calls;
};


std::string utc_minute(std::int64_t seconds) {
  const auto day = core::Date::from_days(static_cast<std::int32_t>(seconds / 86'400));
  const std::int64_t s = seconds % 86'400;
  return fmt::format("{} {:02}:{:02}Z", day.to_string(), s / 3600, s % 3600 / 60);
}

core::Date parse_day(const std::string& text, std::string_view option) {
  const auto day = core::Date::parse(store::trim(text));
  if (!day) throw CommandFailed{fmt::format("{} '{}': expected a date YYYY-MM-DD", option, text)};
  return *day;
}

void run_news_collect(const GlobalOptions& global, const NewsCollectArgs& args) {
  const bool alpha = args.vendor == "alphavantage";
  // The period: whole UTC days, never past now (what has not been published cannot be covered).
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  const core::Date first = parse_day(args.from, "--from");
  const std::int64_t from = std::int64_t{first.days()} * 86'400;
  std::int64_t to = now - now % 60;
  if (!args.to.empty()) to = std::min(to, (std::int64_t{parse_day(args.to, "--to").days()} + 1) * 86'400);
  if (to <= from) {
    throw CommandFailed{fmt::format("--from {} .. --to {}: the period is empty (or in the future)", args.from,
                                    args.to.empty() ? "now" : args.to)};
  }

  std::map<std::string, std::string> queries;
  for (const auto& q : args.queries) {
    const auto eq = q.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == q.size()) {
      throw CommandFailed{fmt::format("--query '{}': expected TICKER=TEXT, e.g. AAPL=\"Apple OR AAPL\"", q)};
    }
    queries[store::trim(q.substr(0, eq))] = q.substr(eq + 1);
  }
  if (alpha && !queries.empty()) {
    throw CommandFailed{"--query is for newsapi: Alpha Vantage is asked by ticker and tags its items itself"};
  }
  std::vector<adapters::NewsCollectTarget> targets;
  for (const auto& t : args.tickers) {
    std::string ticker = store::trim(t);
    if (ticker.empty()) continue;
    const auto q = queries.find(ticker);
    targets.push_back({ticker, q == queries.end() ? ticker : q->second});
  }
  if (targets.empty()) throw CommandFailed{"no tickers: pass --tickers A,B,…"};
  for (const auto& [ticker, query] : queries) {
    if (std::none_of(targets.begin(), targets.end(), [&](const auto& t) { return t.ticker == ticker; })) {
      throw CommandFailed{fmt::format("--query {}=…: {} is not among --tickers", ticker, ticker)};
    }
  }

  // The vendor first: a missing key or a bad URL fails before the store file is created.
  const char* env = alpha ? kAlphaVantageKeyEnv : kNewsApiKeyEnv;
  std::optional<std::filesystem::path> key_file;
  if (!args.api_key_file.empty()) key_file = args.api_key_file;
  const std::string key = value_or_fail(adapters::resolve_api_key(key_file, std::getenv(env), env));
  const std::string url = !args.base_url.empty() ? args.base_url
                          : alpha                ? std::string(adapters::kAlphaVantageBaseUrl)
                                                 : std::string(adapters::kNewsApiBaseUrl);
  // Alpha Vantage: one call every 2 s, under its one-a-second burst limit. NewsAPI publishes
  // no burst limit; one a second is polite.
  adapters::FetcherSettings settings = fetcher_settings(args.calls, args.calls.calls_per_minute.value_or(alpha ? 30 : 60));
  settings.secrets.push_back(key);
  adapters::SteadySleepClock clock;
  const adapters::LogSink log = [](std::string_view line) { spdlog::warn("{}", line); };
  adapters::Fetcher fetcher(
      adapters::HttpClient(value_or_fail(adapters::parse_base_url(url)), request_timeouts(args.calls)),
      std::move(settings), clock, log);
  std::unique_ptr<adapters::NewsVendor> vendor;
  if (alpha) {
    adapters::AlphaVantageNewsOptions options{.api_key = key};
    if (args.window_days) options.window_seconds = static_cast<std::int64_t>(*args.window_days * 86'400);
    vendor = std::make_unique<adapters::AlphaVantageNewsClient>(fetcher, std::move(options));
  } else {
    adapters::NewsApiOptions options{.api_key = key};
    if (args.window_days) options.window_seconds = static_cast<std::int64_t>(*args.window_days * 86'400);
    vendor = std::make_unique<adapters::NewsApiClient>(fetcher, std::move(options));
  }
  const std::int64_t window = std::max<std::int64_t>(60, vendor->window_seconds());
  const std::size_t windows_per_target = static_cast<std::size_t>((to - from + window - 1) / window);
  const std::size_t least_requests = windows_per_target * targets.size();
  const std::size_t free_quota = alpha ? kAlphaVantageFreeRequestsPerDay : kNewsApiDeveloperRequestsPerDay;
  if (least_requests > free_quota) {
    log(fmt::format("at least {} requests ({} window(s) x {} ticker(s)); a free {} key allows {} a day: when the "
                    "vendor says the quota is spent the run stops, and rerunning the same command tomorrow resumes",
                    least_requests, windows_per_target, targets.size(), vendor->name(), free_quota));
  }

  const auto db = resolve_db(global, args.db);
  auto store = value_or_fail(store::MarketStore::open(db, store::MarketStore::Access::ReadWrite));
  adapters::NewsCollector collector(store, *vendor, {.from = from, .to = to, .show_progress = !global.quiet, .log = log});
  const auto report = value_or_fail(collector.run(targets));

  fmt::print("{} news, {} .. {} (UTC)\n", vendor->name(), utc_minute(from), utc_minute(to));
  fmt::print("{:<8} {:<11} {:>8} {:>9} {:>9} {:<18} {}\n", "ticker", "status", "requests", "new items", "known",
             "covered to", "message");
  std::size_t gaps = 0;
  std::int64_t added = 0, known = 0;
  for (const auto& t : report.targets) {
    fmt::print("{:<8} {:<11} {:>8} {:>9} {:>9} {:<18} {}\n", t.ticker, adapters::to_string(t.status), t.requests,
               t.items_added, t.items_known, t.covered_to ? utc_minute(*t.covered_to) : "-", t.message);
    for (const auto& g : t.gaps) fmt::print("         gap: {}\n", g);
    gaps += t.gaps.size();
    added += t.items_added;
    known += t.items_known;
  }
  using Status = adapters::NewsTargetOutcome::Status;
  const std::size_t failed = report.count(Status::Failed), not_run = report.count(Status::NotRun);
  fmt::print("{} ticker(s): {} collected, {} up to date, {} failed, {} not run; {} new item(s), {} already stored\n",
             report.targets.size(), report.count(Status::Collected), report.count(Status::UpToDate), failed, not_run,
             added, known);
  if (gaps > 0) {
    fmt::print("WARNING: {} gap(s) the vendor's limits left in the news (above); features over those spans see fewer "
               "items than were published\n", gaps);
  }
  if (report.count(Status::Collected) > 0 && added + known == 0) {
    fmt::print("WARNING: the vendor returned no item for any query in the period: check the tickers{} and the "
               "dates\n", alpha ? "" : " and --query texts");
  }
  if (failed + not_run > 0) {
    throw CommandFailed{fmt::format("{} of {} ticker(s) not fully collected; what was collected is stored, rerun the "
                                    "same command to resume", failed + not_run, report.targets.size())};
  }
}

}  // namespace

void add_news_collect_command(CLI::App& news, const GlobalOptions& global) {
  auto args = std::make_shared<NewsCollectArgs>();
  CLI::App* collect = news.add_subcommand(
      "collect",
      "Download news for tickers from Alpha Vantage NEWS_SENTIMENT (key in $ALPHAVANTAGE_API_KEY) or NewsAPI "
      "/v2/everything (key in $NEWSAPI_API_KEY) into the store; each window is stored with the span it covers, so "
      "a rerun asks only for what is missing (docs/sentiment.md)");
  add_db_option(*collect, args->db);
  collect->add_option("--vendor", args->vendor, "alphavantage or newsapi")
      ->required()
      ->check(CLI::IsMember({"alphavantage", "newsapi"}));
  collect->add_option("--tickers", args->tickers, "Tickers, comma-separated")->required()->delimiter(',');
  collect->add_option("--from", args->from, "First day (UTC), YYYY-MM-DD")->required();
  collect->add_option("--to", args->to, "Last day (UTC), YYYY-MM-DD (default: up to now)");
  collect->add_option("--query", args->queries,
                      "newsapi: TICKER=TEXT, the search for a ticker (default: the ticker itself), e.g. "
                      "AAPL='Apple OR AAPL'; repeatable");
  collect->add_option("--window-days", args->window_days,
                      "Days per window, each stored in its own transaction (default 366 for alphavantage, 1 for newsapi)")
      ->check(CLI::Range(0.001, 3660.0));
  collect->add_option("--base-url", args->base_url,
                      "Vendor endpoint (default https://www.alphavantage.co or https://newsapi.org)");
  collect->add_option("--api-key-file", args->api_key_file,
                      "File holding the vendor's key (instead of the environment); keep it outside the repository")
      ->check(CLI::ExistingFile);
  add_vendor_call_options(*collect, args->calls,
                          "Pacing of vendor calls, retries included (default 30 for alphavantage, 60 for newsapi)");
  collect->callback([&global, args] { run_news_collect(global, *args); });
}

}  // namespace kestrel::app
