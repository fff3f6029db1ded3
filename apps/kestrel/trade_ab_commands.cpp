// `kestrel trade ab`: two strategies traded side by side on separate books, and `kestrel trade
// compare`: the A/B comparison of two runs from their journals. See docs/trading.md.
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "backtest/config.hpp"
#include "cli_support.hpp"
#include "live/trading_node.hpp"
#include "reports/book_comparison.hpp"
#include "store/journal.hpp"

namespace kestrel::app {
namespace {

struct AbArgs {
  std::string config_a, config_b;
  std::string dir;
  bool replay = false;
  std::string from, to;
  bool exit_when_idle = false;
  // compare
  std::string db_a, db_b, run_a, run_b, out;
};

std::optional<core::Date> date_flag(const std::string& flag, const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto d = core::Date::parse(text);
  if (!d) throw CommandFailed{fmt::format("{} '{}': not a date (YYYY-MM-DD)", flag, text)};
  return *d;
}

void print_comparison(const reports::BookComparison& c, const reports::ComparisonFiles& files) {
  fmt::print("A {} ({}): {:+.2f}%, B {} ({}): {:+.2f}% over {} common sessions\n", c.a.name, c.a.run_id,
             100 * c.a.stats.total_return, c.b.name, c.b.run_id, 100 * c.b.stats.total_return, c.dates.size());
  fmt::print("{}\n", reports::comparison_verdict(c));
  for (const auto& f : c.flags) fmt::print("FLAGGED: {}\n", f);
  fmt::print("report: {} (markdown: {})\n", files.html.string(), files.markdown.string());
}

reports::BookComparison compare_and_write(store::Journal& a, const std::string& run_a, store::Journal& b,
                                          const std::string& run_b, const std::filesystem::path& out) {
  auto c = value_or_fail(reports::compare_books(a, run_a, b, run_b));
  const auto files = value_or_fail(reports::write_book_comparison(c, out));
  print_comparison(c, files);
  return c;
}

// Both nodes on their own threads, each with its own journal (its own book); the log lines
// are prefixed with the book. Then the comparison of the two runs.
void run_ab(const GlobalOptions& global, const AbArgs& args) {
  const std::filesystem::path dir = args.dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw CommandFailed{fmt::format("trade ab: cannot create {}: {}", dir.string(), ec.message())};
  std::mutex print;
  struct Book {
    std::string label;
    std::string config;
    std::filesystem::path journal;
    std::unique_ptr<live::TradingNode> node;
    std::optional<live::NodeSummary> summary;
    std::string error;
  };
  Book books[2] = {{"A", args.config_a, dir / "a.db", nullptr, std::nullopt, {}},
                   {"B", args.config_b, dir / "b.db", nullptr, std::nullopt, {}}};
  for (auto& book : books) {
    auto config = value_or_fail(backtest::read_backtest_config(book.config));
    live::NodeOptions options;
    options.mode = args.replay ? live::NodeMode::Replay : live::NodeMode::Paper;
    options.journal = book.journal.string();  // separate books: never the config's own journal
    options.from = date_flag("--from", args.from);
    options.to = date_flag("--to", args.to);
    options.exit_when_idle = args.exit_when_idle;
    options.log = [quiet = global.quiet, &print, label = book.label](const std::string& line) {
      if (quiet) return;
      std::lock_guard lock(print);
      fmt::print("[{}] {}\n", label, line);
      std::fflush(stdout);
    };
    auto node = live::TradingNode::open(std::move(config), std::move(options));
    if (!node) throw CommandFailed{fmt::format("book {} ({}): {}", book.label, book.config, node.error().message)};
    book.node = std::move(*node);
  }
  std::vector<std::thread> threads;
  for (auto& book : books) {
    threads.emplace_back([&book] {
      auto ran = book.node->run();
      if (ran) book.summary = std::move(*ran);
      else book.error = ran.error().message;
    });
  }
  for (auto& t : threads) t.join();
  std::string errors;
  for (const auto& book : books) {
    if (!book.error.empty()) errors += fmt::format("{}book {} ({}): {}", errors.empty() ? "" : "; ", book.label, book.config, book.error);
  }
  if (!errors.empty()) throw CommandFailed{errors};
  for (const auto& book : books) {
    fmt::print("book {}: run {}, {} sessions, final equity {:.2f}, {} orders, {} filled; journal {}\n", book.label,
               book.summary->run_id, book.summary->sessions, book.summary->equity, book.summary->orders,
               book.summary->fills, book.journal.string());
  }
  auto a = value_or_fail(store::Journal::open_existing(books[0].journal.string()));
  auto b = value_or_fail(store::Journal::open_existing(books[1].journal.string()));
  compare_and_write(a, books[0].summary->run_id, b, books[1].summary->run_id, dir);
}

void run_compare(const AbArgs& args) {
  auto a = value_or_fail(store::Journal::open_existing(args.db_a));
  if (args.db_b.empty() || args.db_b == args.db_a) {
    compare_and_write(a, args.run_a, a, args.run_b, args.out);
    return;
  }
  auto b = value_or_fail(store::Journal::open_existing(args.db_b));
  compare_and_write(a, args.run_a, b, args.run_b, args.out);
}

}  // namespace

void add_trade_ab_commands(CLI::App& trade, const GlobalOptions& global) {
  auto args = std::make_shared<AbArgs>();
  CLI::App* ab = trade.add_subcommand(
      "ab", "A/B test: trade two strategies side by side on separate books — two trading nodes, each with its own "
            "journal (DIR/a.db, DIR/b.db) and capital — then write the comparison (DIR/ab-comparison.html and .md): "
            "each book against buy-and-hold, and whether the daily difference is more than noise. With --replay over "
            "past sessions; without, paper trading on the NYSE calendar until stopped (compare any time with "
            "`kestrel trade compare`).");
  ab->add_option("--a", args->config_a, "Strategy A: a trading configuration (TOML)")->required()->check(CLI::ExistingFile);
  ab->add_option("--b", args->config_b, "Strategy B: a trading configuration (TOML)")->required()->check(CLI::ExistingFile);
  ab->add_option("--dir", args->dir, "Folder for the two journals and the comparison")->required();
  ab->add_flag("--replay", args->replay, "Replay past sessions with a simulated clock instead of paper trading");
  ab->add_option("--from", args->from, "Replay: first session (YYYY-MM-DD; default each config's data.start)");
  ab->add_option("--to", args->to, "Replay: last session (YYYY-MM-DD; default each config's data.end)");
  ab->add_flag("--exit-when-idle", args->exit_when_idle, "Paper: stop when no session is ready instead of waiting");
  ab->callback([&global, args] { run_ab(global, *args); });

  CLI::App* compare = trade.add_subcommand(
      "compare", "The A/B comparison of two trading runs from their journals (one journal with two runs, or two "
                 "journals), while they trade or after: each against buy-and-hold, and whether the daily difference "
                 "is more than noise. Writes OUT/ab-comparison.html and .md.");
  compare->add_option("--a-db", args->db_a, "Journal of book A (a SQLite file or a postgresql:// URL)")->required();
  compare->add_option("--b-db", args->db_b, "Journal of book B (default: the same journal as A)");
  compare->add_option("--a-run", args->run_a, "Run of book A (default: the journal's newest run)");
  compare->add_option("--b-run", args->run_b, "Run of book B (default: the journal's newest run)");
  compare->add_option("--out", args->out, "Folder for the comparison")->required();
  compare->callback([args] { run_compare(*args); });
}

}  // namespace kestrel::app
