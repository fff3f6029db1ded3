// `kestrel data validate`: data-quality report for the store or for files.
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "store/data_validator.hpp"
#include "store/market_store.hpp"

namespace kestrel::app {
namespace {

// Exit code of --fail-on-findings when something was found (1 is taken by errors).
constexpr int kFindingsExitCode = 3;

struct ValidateArgs {
  std::string db;
  std::vector<std::string> paths;
  std::vector<std::string> tickers;
  bool json = false;
  int stale_days = 5;
  bool fail_on_findings = false;
};

std::string date_text(const std::optional<core::Date>& d) { return d ? d->to_string() : "-"; }

std::string range_text(const store::Finding& f) {
  return f.first == f.last ? f.first.to_string()
                           : fmt::format("{}..{}", f.first.to_string(), f.last.to_string());
}

nlohmann::ordered_json to_json(const store::ValidationReport& report) {
  nlohmann::ordered_json tickers = nlohmann::ordered_json::array();
  for (const auto& t : report.tickers) {
    nlohmann::ordered_json findings = nlohmann::ordered_json::array();
    for (const auto& f : t.findings) {
      findings.push_back({{"check", store::to_string(f.check)},
                          {"first_date", f.first.to_string()},
                          {"last_date", f.last.to_string()},
                          {"count", f.count},
                          {"detail", f.detail}});
    }
    tickers.push_back({{"ticker", t.ticker},
                       {"first_date", date_text(t.first_date)},
                       {"last_date", date_text(t.last_date)},
                       {"rows", t.rows},
                       {"outside_calendar", t.outside_calendar},
                       {"missing_sessions", t.missing_sessions},
                       {"non_session_dates", t.non_session_dates},
                       {"duplicate_dates", t.duplicate_dates},
                       {"non_positive_prices", t.non_positive_prices},
                       {"negative_volume", t.negative_volume},
                       {"high_below_low", t.high_below_low},
                       {"open_close_outside_range", t.outside_range},
                       {"zero_volume_days", t.zero_volume_days},
                       {"longest_zero_volume_run", t.longest_zero_volume_run},
                       {"stale_runs", t.stale_runs},
                       {"unadjusted_splits", t.unadjusted_splits},
                       {"findings", std::move(findings)}});
  }
  return {{"tickers", std::move(tickers)},
          {"rows", report.rows()},
          {"findings", report.finding_count()}};
}

void print_table(const store::ValidationReport& report) {
  // Column per check; a dot keeps clean cells quiet so defects stand out.
  auto cell = [](std::int64_t n) { return n == 0 ? std::string(".") : fmt::format("{}", n); };
  fmt::print("{:<8} {:<10} {:<10} {:>6} {:>7} {:>6} {:>5} {:>6} {:>5} {:>5} {:>9} {:>5} {:>6}\n",
             "ticker", "first", "last", "rows", "missing", "nonses", "dup", "nonpos", "h<l", "o/c",
             "zerovol", "stale", "split");
  for (const auto& t : report.tickers) {
    fmt::print("{:<8} {:<10} {:<10} {:>6} {:>7} {:>6} {:>5} {:>6} {:>5} {:>5} {:>9} {:>5} {:>6}\n",
               t.ticker, date_text(t.first_date), date_text(t.last_date), t.rows,
               cell(t.missing_sessions), cell(t.non_session_dates), cell(t.duplicate_dates),
               cell(t.non_positive_prices + t.negative_volume), cell(t.high_below_low),
               cell(t.outside_range),
               t.zero_volume_days == 0
                   ? std::string(".")
                   : fmt::format("{}/{}", t.zero_volume_days, t.longest_zero_volume_run),
               cell(t.stale_runs), cell(t.unadjusted_splits));
  }
  fmt::print("\n");
  std::size_t with_findings = 0;
  for (const auto& t : report.tickers) {
    if (t.findings.empty()) continue;
    ++with_findings;
    for (const auto& f : t.findings) {
      fmt::print("{:<8} {:<22} {:<24} {}\n", t.ticker, range_text(f), store::to_string(f.check),
                 f.detail);
    }
  }
  auto sum = [&](auto member) {
    std::int64_t n = 0;
    for (const auto& t : report.tickers) n += t.*member;
    return n;
  };
  using TV = store::TickerValidation;
  fmt::print(
      "\n{} ticker(s), {} rows; {} finding(s) in {} ticker(s): missing sessions {}, bars on "
      "non-session days {}, duplicate dates {}, non-positive prices {}, negative volume {}, "
      "high<low {}, open/close outside range {}, zero-volume days {}, stale runs {}, likely "
      "unadjusted splits {}, bars outside the calendar {}\n",
      report.tickers.size(), report.rows(), report.finding_count(), with_findings,
      sum(&TV::missing_sessions), sum(&TV::non_session_dates), sum(&TV::duplicate_dates),
      sum(&TV::non_positive_prices), sum(&TV::negative_volume), sum(&TV::high_below_low),
      sum(&TV::outside_range), sum(&TV::zero_volume_days), sum(&TV::stale_runs),
      sum(&TV::unadjusted_splits), sum(&TV::outside_calendar));
  fmt::print(
      "columns: missing = sessions without a bar; nonses = bars on non-session days; "
      "nonpos = non-positive prices or negative volume; o/c = open/close outside "
      "[low, high]; zerovol = zero-volume days/longest run; stale = runs of identical "
      "closes; split = one-day moves beyond the split thresholds with no split on record\n");
}

void run_validate(const GlobalOptions& global, const ValidateArgs& args) {
  const auto calendar = value_or_fail(store::TradingCalendar::nyse());
  const store::ValidationOptions options{.stale_days = args.stale_days,
                                         .show_progress = !global.quiet && !args.json};
  store::ValidationReport report;
  if (args.paths.empty()) {
    auto market = value_or_fail(store::MarketStore::open(resolve_db(global, args.db),
                                                         store::MarketStore::Access::ReadOnly));
    report = value_or_fail(store::validate_store(market, calendar, args.tickers, options));
  } else {
    std::vector<std::filesystem::path> paths(args.paths.begin(), args.paths.end());
    report = value_or_fail(store::validate_files(paths, calendar, args.tickers, options));
  }
  if (args.json) {
    fmt::print("{}\n", to_json(report).dump(2));
  } else {
    print_table(report);
  }
  if (args.fail_on_findings && report.finding_count() > 0) {
    std::fflush(stdout);
    throw CLI::RuntimeError(kFindingsExitCode);
  }
}

}  // namespace

void add_validate_command(CLI::App& data, const GlobalOptions& global) {
  auto args = std::make_shared<ValidateArgs>();
  CLI::App* validate = data.add_subcommand(
      "validate",
      "Data-quality report per ticker: missing sessions (NYSE calendar), bars on non-session "
      "days, duplicate dates, non-positive prices, high < low, open/close outside [low, high], "
      "zero-volume runs, stale prices and one-day moves beyond x2.5 or below x0.4 with no split "
      "on record. Checks the store, or the files/folders given (parsed leniently). Exits 0 "
      "whether or not defects are found (see --fail-on-findings).");
  add_db_option(*validate, args->db);
  validate->add_option("paths", args->paths,
                       "Bar files or folders to check instead of the store (a "
                       "corporate_actions.csv among them excuses split days)");
  validate->add_option("--ticker", args->tickers, "Only this ticker (repeatable)")
      ->allow_extra_args(false);
  validate->add_flag("--json", args->json, "Print JSON instead of a table");
  validate
      ->add_option("--stale-days", args->stale_days,
                   "Report runs of at least this many consecutive bars with the same close")
      ->check(CLI::Range(2, 1000000))
      ->capture_default_str();
  validate->add_flag("--fail-on-findings", args->fail_on_findings,
                     "Exit with status 3 when anything is found");
  validate->callback([&global, args] { run_validate(global, *args); });
}

}  // namespace kestrel::app
