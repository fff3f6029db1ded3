// The trading node against Alpaca (the fake server on 127.0.0.1): a scripted fortnight of paper
// trading end to end, then the same fortnight with the node killed by SIGKILL at random points —
// after journal commits, right after an order was sent and before Alpaca's answer was
// journaled, and at random moments — and restarted each time. At the end: no order placed twice,
// no fill lost, and the node's book equal to Alpaca's (the node reconciles before it trades and
// refuses to go on otherwise).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "store/journal.hpp"
#include "store/market_store.hpp"
#include "store/sqlite.hpp"
#include "support/background_process.hpp"
#include "support/fake_alpaca.hpp"
#include "support/fake_vendor_server.hpp"
#include "support/run_command.hpp"
#include "support/sample_model.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::testing {
namespace {

const std::string kExe = KESTREL_BINARY;
constexpr const char* kKey = "PKFAKEKEY0000000000";
constexpr const char* kSecret = "fake-secret-not-for-logs";

const std::vector<std::string>& sample_symbols() {
  static const std::vector<std::string> symbols = [] {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(KESTREL_SAMPLE_DATA)) {
      const auto name = entry.path().filename().string();
      if (name.ends_with(".csv.gz")) out.push_back(name.substr(0, name.size() - 7));
    }
    std::sort(out.begin(), out.end());
    return out;
  }();
  return symbols;
}

// The sample's bars up to `last` (inclusive) as plain CSVs in `folder`, plus universe.csv.
void write_sample_until(const std::filesystem::path& folder, const std::string& last) {
  std::filesystem::create_directories(folder);
  std::filesystem::copy_file(std::filesystem::path(KESTREL_SAMPLE_DATA) / "universe.csv", folder / "universe.csv",
                             std::filesystem::copy_options::overwrite_existing);
  for (const auto& symbol : sample_symbols()) {
    const auto r = run_command("gzip -dc " + std::string(KESTREL_SAMPLE_DATA) + "/" + symbol + ".csv.gz | awk -F, 'NR == 1 || $1 <= \"" +
                               last + "\"' > " + (folder / (symbol + ".csv")).string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
}

// Open prices (adjusted) of every symbol on `date`, from the sample.
std::map<std::string, double> opens_on(const std::string& date) {
  std::map<std::string, double> out;
  for (const auto& symbol : sample_symbols()) {
    const auto r = run_command("gzip -dc " + std::string(KESTREL_SAMPLE_DATA) + "/" + symbol + ".csv.gz | awk -F, '$1 == \"" +
                               date + "\" { printf \"%.6f\", $2 * $6 / $5 }'");
    if (!r.output.empty()) out[symbol] = std::stod(r.output);
  }
  return out;
}

const std::vector<std::string> kDays{"2019-11-15", "2019-11-18", "2019-11-19", "2019-11-20", "2019-11-21",
                                     "2019-11-22", "2019-11-25", "2019-11-26", "2019-11-27", "2019-11-29"};

struct Session {
  TempDir dir;
  FakeAlpaca alpaca{kKey, kSecret, sample_symbols(), 100'000};

  Session() {
    alpaca.charge_regulatory_fees();  // as Alpaca does: SEC fee and TAF on sells, apart from the fills
    write_sample_until(dir / "early", kDays.front());
    const auto r = run_command(kExe + " -q data import --db " + (dir / "market.db").string() + " " + (dir / "early").string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    write_file(dir / "paper.toml", std::string(R"(mode = "paper"
name = "alpaca-test"
[data]
db = ")") + (dir / "market.db").string() + R"("
exclude = ["SPX", "SPY"]
benchmark = "SPY"
[rules]
stop_loss = 0
breakeven_after = 0
trail = 0
time_stop_days = 0
[strategy]
type = "model"
model = ")" + trained_sample_model().string() + R"("
top_k = 8
gross = 0.78
[node]
execution = "alpaca-paper"
alpaca_trading_url = ")" + alpaca.trading_url() + R"("
alpaca_stream_url = ")" + alpaca.stream_url() + R"("
drop_dir = ")" + (dir / "drop").string() + R"("
start = ")" + kDays.front() + R"("
close_delay_minutes = 0
)");
  }
  std::string node(const std::string& more = "", bool quiet = true) const {
    return std::string("env APCA_API_KEY_ID=") + kKey + " APCA_API_SECRET_KEY=" + kSecret + " " + kExe +
           (quiet ? " -q" : "") + " trade run --exit-when-idle --config " + (dir / "paper.toml").string() + " --db " +
           (dir / "journal.db").string() + " " + more;
  }
  // The market opens on `day`: Alpaca fills yesterday's market orders at today's opens; then
  // the day's bars arrive for the node.
  void open_market(std::size_t k) {
    for (const auto& [symbol, price] : opens_on(kDays[k])) alpaca.set_price(symbol, price);
    alpaca.fill_market_orders();
    write_sample_until(dir / "drop", kDays[k]);
  }
};

// What the journal says was filled, per client order id.
std::map<std::string, double> journal_fills(const std::filesystem::path& journal) {
  auto db = store::sqlite::Database::open(journal, store::sqlite::Database::Mode::ReadOnly);
  EXPECT_TRUE(db);
  std::map<std::string, double> out;
  auto stmt = db->prepare("SELECT client_order_id, SUM(quantity) FROM order_events WHERE kind = 'fill' GROUP BY client_order_id");
  for (;;) {
    auto row = stmt->step();
    if (!row || !*row) break;
    out[stmt->text(0)] = stmt->real(1);
  }
  return out;
}

std::set<std::string> journal_sent(const std::filesystem::path& journal) {
  auto db = store::sqlite::Database::open(journal, store::sqlite::Database::Mode::ReadOnly);
  std::set<std::string> out;
  auto stmt = db->prepare("SELECT DISTINCT client_order_id FROM order_events WHERE kind = 'submitted'");
  for (;;) {
    auto row = stmt->step();
    if (!row || !*row) break;
    out.insert(stmt->text(0));
  }
  return out;
}

// The fees the journal booked ("cash:fee" decisions: "<activity id> <amount> …"), by activity id.
std::map<std::string, double> journal_fees(const std::filesystem::path& journal) {
  auto db = store::sqlite::Database::open(journal, store::sqlite::Database::Mode::ReadOnly);
  std::map<std::string, double> out;
  auto stmt = db->prepare("SELECT detail FROM decisions WHERE kind = 'cash:fee'");
  for (;;) {
    auto row = stmt->step();
    if (!row || !*row) break;
    std::istringstream detail(stmt->text(0));
    std::string id;
    double amount = 0;
    detail >> id >> amount;
    EXPECT_FALSE(out.contains(id)) << id << " was booked twice";
    out[id] = amount;
  }
  return out;
}

// Every order at Alpaca is one the journal sent, once; every fill Alpaca made is in the journal;
// every fee Alpaca charged is booked, once.
void expect_journal_matches_alpaca(const Session& s) {
  const auto fills = journal_fills(s.dir / "journal.db");
  const auto sent = journal_sent(s.dir / "journal.db");
  std::map<std::string, int> seen;
  for (const auto& o : s.alpaca.orders()) {
    if (!o.parent.empty()) continue;
    ++seen[o.client_order_id];
    EXPECT_TRUE(sent.contains(o.client_order_id)) << o.client_order_id << " is at Alpaca but the journal never sent it";
    const double journaled = fills.contains(o.client_order_id) ? fills.at(o.client_order_id) : 0.0;
    EXPECT_EQ(journaled, static_cast<double>(o.filled_qty)) << o.client_order_id << ": a fill was lost or booked twice";
  }
  for (const auto& [cid, n] : seen) EXPECT_EQ(n, 1) << cid << " was placed " << n << " times";
  double booked = 0;
  for (const auto& [id, amount] : journal_fees(s.dir / "journal.db")) booked -= amount;
  EXPECT_NEAR(booked, s.alpaca.fees_charged(), 1e-9);
}

TEST(AlpacaNode, PaperTradesAScriptedFortnightEndToEnd) {
  Session s;
  for (std::size_t k = 0; k < kDays.size(); ++k) {
    if (k > 0) s.open_market(k);
    const auto r = run_command(s.node());
    ASSERT_EQ(r.exit_code, 0) << kDays[k] << "\n" << r.output;
  }
  s.alpaca.fill_market_orders();  // the last orders fill; the node learns it on its next start
  const auto last = run_command(s.node());
  ASSERT_EQ(last.exit_code, 0) << last.output;  // it reconciles before it goes on
  EXPECT_NE(last.output.find(std::to_string(kDays.size()) + " sessions"), std::string::npos) << last.output;
  expect_journal_matches_alpaca(s);
  EXPECT_GT(s.alpaca.fees_charged(), 0.0);  // the sells paid fees, and the books still agree
  EXPECT_GT(s.alpaca.orders().size(), 20u);
  EXPECT_FALSE(s.alpaca.positions().empty());
  auto status = run_command(kExe + " trade status --db " + (s.dir / "journal.db").string());
  EXPECT_EQ(status.exit_code, 0) << status.output;
  // One cycle per session, each timed, with the requests it made to Alpaca (the health metrics).
  auto journal = store::Journal::open_existing((s.dir / "journal.db").string());
  ASSERT_TRUE(journal);
  const auto run = *journal->latest_run();
  const auto cycles = journal->cycles(run->run_id);
  ASSERT_TRUE(cycles) << cycles.error().message;
  ASSERT_EQ(cycles->size(), kDays.size());
  std::int64_t requests = 0;
  for (std::size_t k = 0; k < cycles->size(); ++k) {
    EXPECT_EQ((*cycles)[k].session.to_string(), kDays[k]);
    EXPECT_EQ((*cycles)[k].result, "ok");
    EXPECT_GT((*cycles)[k].duration_ms, 0);
    EXPECT_EQ((*cycles)[k].broker_errors, 0);
    requests += (*cycles)[k].broker_requests;
  }
  EXPECT_GT(requests, static_cast<std::int64_t>(kDays.size()));
}

// The run's broker_link rows as "state" or "state: detail", once there are at least `n`.
std::vector<std::string> broker_links_when(const std::filesystem::path& journal, std::size_t n) {
  std::vector<std::string> out;
  for (int i = 0; i < 600; ++i) {  // up to 60 s: the stream backs off between attempts
    out.clear();
    if (auto j = store::Journal::open_existing(journal.string())) {
      if (auto run = j->latest_run(); run && *run) {
        if (auto links = j->broker_links((*run)->run_id)) {
          for (const auto& l : *links) out.push_back(l.detail.empty() ? l.state : l.state + ": " + l.detail);
        }
      }
    }
    if (out.size() >= n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return out;
}

// The broker's stream goes down while the node waits for the next session: the node journals
// the loss with its cause (what the dashboard shows and the disconnection alert reads), keeps
// retrying, journals the return, and marks the stream closed when it stops.
TEST(AlpacaNode, AStreamOutageIsJournaledWithItsCauseAndItsEnd) {
  Session s;
  {
    std::ofstream config(s.dir / "paper.toml", std::ios::app);
    config << "poll_seconds = 1\n";
  }
  std::string command = s.node("", false);
  command.replace(command.find(" --exit-when-idle"), 17, "");
  {
    BackgroundProcess node("exec " + command + " > " + (s.dir / "node.log").string() + " 2>&1");
    auto links = broker_links_when(s.dir / "journal.db", 1);
    ASSERT_EQ(links, std::vector<std::string>{"connected"}) << read_file(s.dir / "node.log");

    s.alpaca.refuse_stream(true);  // an outage: the connection drops and new ones are reset
    s.alpaca.drop_stream();
    links = broker_links_when(s.dir / "journal.db", 2);
    ASSERT_EQ(links.size(), 2u) << read_file(s.dir / "node.log");
    EXPECT_TRUE(links[1].starts_with("disconnected: ")) << links[1];
    EXPECT_GT(links[1].size(), std::string("disconnected: ").size());

    s.alpaca.refuse_stream(false);
    links = broker_links_when(s.dir / "journal.db", 3);
    ASSERT_EQ(links.size(), 3u) << read_file(s.dir / "node.log");
    EXPECT_EQ(links[2], "connected");
    const std::string log = read_file(s.dir / "node.log");
    EXPECT_NE(log.find("broker stream: disconnected (" + links[1].substr(14) + ")"), std::string::npos) << log;
    EXPECT_NE(log.find("broker stream: connected again"), std::string::npos) << log;
  }  // killed: no row
  const auto r = run_command(s.node());  // a restart finds nothing to do and stops
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto links = broker_links_when(s.dir / "journal.db", 4);
  ASSERT_GE(links.size(), 4u);  // "connected" first when the stream was quicker than the node
  EXPECT_EQ(links.back(), "closed: the node stopped");
  EXPECT_EQ(read_file(s.dir / "node.log").find(kSecret), std::string::npos);
}

TEST(AlpacaNode, APositionChangedOutsideTheBotHaltsTrading) {
  Session s;
  ASSERT_EQ(run_command(s.node()).exit_code, 0);
  s.alpaca.set_position("SPY", 3, 300.0);  // someone traded by hand (the bot never trades SPY)
  s.open_market(1);
  const auto r = run_command(s.node());
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("reconciliation with alpaca failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("SPY: journal 0 shares, broker 3"), std::string::npos) << r.output;
  auto status = run_command(kExe + " trade status --db " + (s.dir / "journal.db").string());
  EXPECT_NE(status.output.find("risk: HALTED"), std::string::npos) << status.output;
}

// Adopting the broker's state is an operator's explicit act: without it a restart stays
// halted on the same difference; with `kestrel trade adopt` the node books Alpaca's positions
// and cash (journaled), lifts the halt and trades on, and later re-runs apply the same
// adoption at the same point.
TEST(AlpacaReconcile, AdoptingTheBrokersStateIsExplicitJournaledAndReplayed) {
  Session s;
  ASSERT_EQ(run_command(s.node()).exit_code, 0);
  s.alpaca.set_position("SPY", 3, 300.0);  // shares moved in by hand
  s.open_market(1);
  const auto halted = run_command(s.node());
  ASSERT_NE(halted.exit_code, 0) << halted.output;
  const auto again = run_command(s.node());
  EXPECT_NE(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("reconciliation with alpaca failed"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("kestrel trade adopt"), std::string::npos) << again.output;
  const std::size_t orders_while_halted = s.alpaca.orders().size();

  const std::string journal = (s.dir / "journal.db").string();
  const auto request = run_command(kExe + " trade adopt --db " + journal);
  ASSERT_EQ(request.exit_code, 0) << request.output;
  const auto adopted = run_command(s.node("", false));
  ASSERT_EQ(adopted.exit_code, 0) << adopted.output;
  EXPECT_NE(adopted.output.find("adopted alpaca's state, as requested: was SPY: journal 0 shares, broker 3"),
            std::string::npos)
      << adopted.output;
  EXPECT_NE(adopted.output.find("SPY 3 300.000000; cash "), std::string::npos) << adopted.output;
  auto status = run_command(kExe + " trade status --db " + journal);
  EXPECT_EQ(status.output.find("risk: HALTED"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("SPY"), std::string::npos) << status.output;

  // The next days: the re-run applies the halt and the adoption where they were, reconciles
  // clean and trades.
  for (std::size_t k = 2; k < 4; ++k) {
    s.open_market(k);
    const auto r = run_command(s.node());
    ASSERT_EQ(r.exit_code, 0) << kDays[k] << "\n" << r.output;
  }
  EXPECT_GT(s.alpaca.orders().size(), orders_while_halted);
  auto adoptions = store::Journal::open_existing(journal);
  ASSERT_TRUE(adoptions);
  const auto decisions = adoptions->decisions((*adoptions->latest_run())->run_id);
  ASSERT_TRUE(decisions);
  int adopt_decisions = 0;
  for (const auto& d : *decisions) adopt_decisions += d.kind == "reconcile:adopt";
  EXPECT_EQ(adopt_decisions, 1);
  expect_journal_matches_alpaca(s);
  // Nothing left to adopt: a second request is consumed with a note, and changes nothing.
  ASSERT_EQ(run_command(kExe + " trade adopt --db " + journal).exit_code, 0);
  const auto nothing = run_command(s.node("", false));
  ASSERT_EQ(nothing.exit_code, 0) << nothing.output;
  EXPECT_NE(nothing.output.find("adopt: nothing to adopt"), std::string::npos) << nothing.output;
}

TEST(AlpacaNode, KillSwitchCancelsEveryOrderAtTheBrokerThenFlattens) {
  Session s;
  ASSERT_EQ(run_command(s.node()).exit_code, 0);
  s.open_market(1);
  ASSERT_EQ(run_command(s.node()).exit_code, 0);
  ASSERT_FALSE(s.alpaca.positions().empty());
  const std::string by_hand = s.alpaca.place_by_hand("AAPL", "buy", 5, 1.00);  // not the bot's
  const auto kill = run_command(kExe + " trade kill --flatten --db " + (s.dir / "journal.db").string());
  ASSERT_EQ(kill.exit_code, 0) << kill.output;
  const auto r = run_command(s.node("", false));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("kill switch at Alpaca: all open orders cancelled (verified: none open)"), std::string::npos)
      << r.output;
  // Everything open now is the kernel's flattening: one sell per position, nothing else.
  std::size_t open_sells = 0;
  for (const auto& o : s.alpaca.orders()) {
    if (o.client_order_id == by_hand) {
      EXPECT_EQ(o.status, "canceled");
    }
    if (o.status == "new" || o.status == "accepted") {
      EXPECT_EQ(o.side, "sell") << o.client_order_id;
      EXPECT_EQ(o.type, "market") << o.client_order_id;
      ++open_sells;
    }
  }
  EXPECT_EQ(open_sells, s.alpaca.positions().size());
  s.open_market(2);  // the flattening fills at the open
  EXPECT_TRUE(s.alpaca.positions().empty());
  const auto after = run_command(s.node());
  ASSERT_EQ(after.exit_code, 0) << after.output;  // the journal agrees: flat, cash reconciled
  auto status = run_command(kExe + " trade status --db " + (s.dir / "journal.db").string());
  EXPECT_NE(status.output.find("risk: HALTED"), std::string::npos) << status.output;
}

// The sample's bars of `symbol` as the fake market-data vendor serves them.
std::vector<FakeDay> sample_days(const std::string& symbol) {
  const auto r = run_command("gzip -dc " + std::string(KESTREL_SAMPLE_DATA) + "/" + symbol + ".csv.gz | tail -n +2");
  std::vector<FakeDay> out;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> f;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) f.push_back(cell);
    if (f.size() < 7) continue;
    FakeDay d;
    d.bar = {*core::Date::parse(f[0]), std::stod(f[1]), std::stod(f[2]), std::stod(f[3]), std::stod(f[4]),
             std::stod(f[5]), std::stod(f[6])};
    out.push_back(d);
  }
  return out;
}

TEST(AlpacaNode, CollectsEachSessionsBarsFromAlpacaMarketDataItself) {
  // No drop folder: the node asks Alpaca's market data (the fake vendor, with the same keys as
  // the broker) for the sessions it lacks, then trades them. SPX, an index, is not on Alpaca.
  Session s;
  FakeVendorServer data("unused-alpha-vantage-key");
  data.set_alpaca_keys(kKey, kSecret);
  for (const auto& symbol : sample_symbols()) {
    if (symbol != "SPX") data.set_history(symbol, sample_days(symbol));
  }
  auto config = read_file(s.dir / "paper.toml");
  const auto drop = config.find("drop_dir = ");
  config.replace(drop, config.find('\n', drop) - drop, "collect = \"alpaca\"\nalpaca_data_url = \"" + data.base_url() +
                                                         "\"\nalpaca_data_calls_per_minute = 60000");
  write_file(s.dir / "paper.toml", config);
  for (std::size_t k = 0; k < 3; ++k) {
    if (k > 0) {
      for (const auto& [symbol, price] : opens_on(kDays[k])) s.alpaca.set_price(symbol, price);
      s.alpaca.fill_market_orders();
    }
    data.set_visible_until(*core::Date::parse(kDays[k]));
    const auto r = run_command(s.node("", false));
    ASSERT_EQ(r.exit_code, 0) << kDays[k] << "\n" << r.output;
    EXPECT_NE(r.output.find(std::to_string(k + 1) + " sessions"), std::string::npos) << r.output;
    if (k > 0) {
      EXPECT_NE(r.output.find("data: alpaca, sessions up to"), std::string::npos) << r.output;
      EXPECT_NE(r.output.find("21 of 22 tickers updated, 1 up to date, 0 failed"), std::string::npos) << r.output;
    }
    auto store = store::MarketStore::open(s.dir / "market.db", store::MarketStore::Access::ReadOnly);
    ASSERT_TRUE(store);
    EXPECT_EQ(*store->last_date("AAPL"), core::Date::parse(kDays[k]));
    EXPECT_EQ(r.output.find(kSecret), std::string::npos) << r.output;
  }
  expect_journal_matches_alpaca(s);
  // Only bars were asked for, three passes per ticker and session, never with the keys in a URL.
  for (const auto& request : data.requests()) {
    EXPECT_EQ(request.path, "/v2/stocks/bars");
    EXPECT_EQ(request.query.find(kKey), std::string::npos) << request.query;
  }
}

TEST(AlpacaNode, ARefreshThatFailsForEveryTickerStopsTheNodeBeforeItTrades) {
  Session s;
  FakeVendorServer data("unused-alpha-vantage-key");
  data.set_alpaca_keys("PKSOMEONEELSE", "another-secret");  // the data API does not know the node's keys
  auto config = read_file(s.dir / "paper.toml");
  const auto drop = config.find("drop_dir = ");
  config.replace(drop, config.find('\n', drop) - drop,
                 "collect = \"alpaca\"\nalpaca_data_url = \"" + data.base_url() + "\"");
  write_file(s.dir / "paper.toml", config);
  const auto r = run_command(s.node("", false));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("the refresh from Alpaca failed for every ticker"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("HTTP 403 \"forbidden\""), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(kSecret), std::string::npos) << r.output;
  EXPECT_TRUE(s.alpaca.orders().empty());
  EXPECT_EQ(data.requests().size(), 1u);  // refused keys are not tried again for every ticker
}

TEST(AlpacaNode, LiveTradingNeedsTheConfigAndTheFlag) {
  Session s;
  auto config = read_file(s.dir / "paper.toml");
  config.replace(config.find("alpaca-paper"), 12, "alpaca-live");
  write_file(s.dir / "live.toml", config);
  const std::string env = std::string("env APCA_API_KEY_ID=") + kKey + " APCA_API_SECRET_KEY=" + kSecret + " ";
  auto r = run_command(env + kExe + " trade run --exit-when-idle --live --config " + (s.dir / "live.toml").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("live trading refused"), std::string::npos) << r.output;  // mode is still "paper"
  config.replace(config.find("mode = \"paper\""), 14, "mode = \"live\"");
  write_file(s.dir / "live.toml", config);
  r = run_command(env + kExe + " trade run --exit-when-idle --config " + (s.dir / "live.toml").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("no --live"), std::string::npos) << r.output;
  EXPECT_TRUE(s.alpaca.orders().empty());
}

TEST(AlpacaCrash, KilledAtRandomPointsNoDuplicateOrdersNoLostFillsBooksReconciled) {
  // 24 kills in the suite; KESTREL_CRASH_KILLS=100 for the full run (docs/benchmarks.md).
  const int wanted = std::getenv("KESTREL_CRASH_KILLS") != nullptr ? std::atoi(std::getenv("KESTREL_CRASH_KILLS")) : 24;
  Session s;
  const auto seed = static_cast<unsigned>(std::random_device{}());
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  int kills = 0;
  const int per_day = std::max(1, (wanted + static_cast<int>(kDays.size()) - 1) / static_cast<int>(kDays.size()));
  for (std::size_t k = 0; k < kDays.size(); ++k) {
    if (k > 0) s.open_market(k);
    const int day_target = std::min(wanted, per_day * static_cast<int>(k + 1));
    for (int attempt = 0; kills < day_target && attempt < 6 * per_day; ++attempt) {
      // One of three kinds of kill point.
      const int kind = std::uniform_int_distribution<int>(0, 2)(rng);
      if (kind == 0) {
        const int commits = std::uniform_int_distribution<int>(1, 12)(rng);
        if (run_command(s.node("--crash-after-commits " + std::to_string(commits))).exit_code != 0) ++kills;
      } else if (kind == 1) {
        const int sends = std::uniform_int_distribution<int>(1, 10)(rng);
        if (run_command(s.node("--crash-after-sends " + std::to_string(sends))).exit_code != 0) ++kills;
      } else {
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
          execl("/bin/sh", "sh", "-c", ("exec " + s.node() + " > /dev/null 2>&1").c_str(), static_cast<char*>(nullptr));
          _exit(127);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 150)(rng)));
        ::kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        if (WIFSIGNALED(status)) ++kills;
      }
    }
    const auto r = run_command(s.node());  // the day completes
    if (r.exit_code != 0) std::printf("journal kept in %s\n", s.dir.path().c_str());
    ASSERT_EQ(r.exit_code, 0) << kDays[k] << "\n" << r.output;
  }
  s.alpaca.fill_market_orders();
  const auto last = run_command(s.node());
  ASSERT_EQ(last.exit_code, 0) << last.output;  // reconciled: positions and cash equal Alpaca's
  EXPECT_GE(kills, wanted * 9 / 10) << "too few runs were actually killed";
  expect_journal_matches_alpaca(s);
  EXPECT_GT(s.alpaca.fees_charged(), 0.0);
  std::printf("AlpacaCrash: %d kills over %zu sessions, %zu orders at Alpaca, $%.2f in fees booked; seed %u\n", kills,
              kDays.size(), s.alpaca.orders().size(), s.alpaca.fees_charged(), seed);
}

}  // namespace
}  // namespace kestrel::testing
