#include "live/trading_node.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "adapters/api_key.hpp"
#include "live/live_clock.hpp"
#include "live/market_data_refresh.hpp"
#include "scoring/model_signal_strategy.hpp"
#include "scoring/saved_model.hpp"
#include "store/importer.hpp"
#include "store/market_store.hpp"
#include "store/snapshot.hpp"
#include "store/trading_calendar.hpp"
#include "core/paths.hpp"

namespace kestrel::live {

std::string_view to_string(NodeMode mode) { return mode == NodeMode::Replay ? "replay" : "paper"; }

namespace {

constexpr const char* kFeeDecision = "cash:fee";
constexpr const char* kMismatchDecision = "reconcile:mismatch";
constexpr const char* kAdoptDecision = "reconcile:adopt";

// Keys from the environment (Alpaca's own variable names) or a file outside the repository.
core::Result<adapters::AlpacaSettings> alpaca_settings(const backtest::BacktestConfig& config) {
  adapters::AlpacaSettings s;
  const bool live = config.node.execution == "alpaca-live";
  s.trading_url = !config.node.alpaca_trading_url.empty() ? config.node.alpaca_trading_url
                  : live                                  ? "https://api.alpaca.markets"
                                                          : "https://paper-api.alpaca.markets";
  s.stream_url = !config.node.alpaca_stream_url.empty() ? config.node.alpaca_stream_url
                 : live                                 ? "wss://api.alpaca.markets/stream"
                                                        : "wss://paper-api.alpaca.markets/stream";
  std::optional<std::filesystem::path> key_file;
  if (!config.node.alpaca_key_file.empty()) key_file = config.node.alpaca_key_file;
  auto keys = adapters::resolve_alpaca_keys(std::getenv("APCA_API_KEY_ID"), std::getenv("APCA_API_SECRET_KEY"), key_file);
  if (!keys) return core::fail_as(core::ErrorKind::Config, "{}: {}", config.node.execution, keys.error().message);
  s.key_id = std::move(keys->key_id);
  s.secret_key = std::move(keys->secret_key);
  return s;
}

std::string new_run_id() {
  std::random_device rd;
  return fmt::format("{:08x}", static_cast<std::uint32_t>(rd()));
}

bool kill_file_says_flatten(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.find("flatten") != std::string::npos;
}

}  // namespace

TradingNode::TradingNode(backtest::BacktestConfig config, NodeOptions options, store::Journal journal)
    : config_(std::move(config)), options_(std::move(options)), journal_(std::move(journal)) {}

TradingNode::~TradingNode() = default;

core::Result<std::unique_ptr<TradingNode>> TradingNode::open(backtest::BacktestConfig config, NodeOptions options) {
  // Real money needs two deliberate acts: mode = "live" in the config and --live on the command line.
  const bool live_broker = config.node.execution == "alpaca-live";
  if (live_broker || config.mode == backtest::Mode::Live) {
    if (!(live_broker && config.mode == backtest::Mode::Live && options.live_confirmed)) {
      return core::fail_as(core::ErrorKind::Config,
                           "live trading refused: it needs mode = \"live\" and node.execution = \"alpaca-live\" in the "
                           "config and --live on the command line (this config has mode = \"{}\", execution \"{}\"{})",
                           backtest::to_string(config.mode), config.node.execution,
                           options.live_confirmed ? ", --live given" : ", no --live");
    }
  }
  if (options.mode == NodeMode::Replay && config.node.execution != "sim") {
    // The past can only be replayed on the simulated venue.
    config.node.execution = "sim";
  }
  if (options.journal.empty()) return core::fail_as(core::ErrorKind::Config, "trade: no journal (--db FILE or node.journal)");
  if (options.mode == NodeMode::Paper && config.data.db.empty()) {
    return core::fail_as(core::ErrorKind::Config,
                         "trade run: data.db must name the market-data store (the node imports new bars into it)");
  }
  auto journal = store::Journal::open(options.journal, options.mode == NodeMode::Replay ? store::Journal::Durability::Normal
                                                                                        : store::Journal::Durability::Full);
  if (!journal) return std::unexpected(journal.error());
  return std::unique_ptr<TradingNode>(new TradingNode(std::move(config), std::move(options), std::move(*journal)));
}

void TradingNode::log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

core::Status TradingNode::load_data() {
  if (options_.mode == NodeMode::Paper) {
    bool changed = false;
    return refresh_data(changed);
  }
  auto panel = backtest::load_panel(config_.data);
  if (!panel) return std::unexpected(panel.error());
  panel_ = std::make_unique<store::Panel>(std::move(*panel));
  return {};
}

// Paper: new bars from Alpaca (node.collect) and new CSVs from the drop folder go into the
// store; the panel is reloaded when the store changed. The kernel, venue and scorer move to the new panel (same tickers, more dates).
core::Status TradingNode::refresh_data(bool& changed) {
  changed = false;
  if (!config_.node.collect.empty()) {
    if (!data_refresh_) {
      auto refresh = MarketDataRefresh::make(config_, [this](const std::string& line) { log(line); });
      if (!refresh) return std::unexpected(refresh.error());
      data_refresh_ = std::move(*refresh);
    }
    std::optional<core::Date> latest;
    if (panel_ && panel_->num_dates() > 0) latest = panel_->dates().back();
    auto collected = data_refresh_->maybe_collect(config_.data.db, LiveClock().now(), latest);
    if (!collected) return std::unexpected(collected.error());
  }
  if (!config_.node.drop_dir.empty()) {
    std::error_code ec;
    if (std::filesystem::is_directory(config_.node.drop_dir, ec)) {
      auto market = store::MarketStore::open(config_.data.db, store::MarketStore::Access::ReadWrite);
      if (!market) return std::unexpected(market.error());
      auto report = store::import_paths(*market, {config_.node.drop_dir}, {.show_progress = false});
      if (!report) return core::fail("importing {}: {}", config_.node.drop_dir.string(), report.error().message);
    }
  }
  auto panel = store::open_research_panel(config_.data.db, core::default_snapshot_path(config_.data.db));
  if (!panel) return std::unexpected(panel.error());
  if (panel_ && panel->num_dates() == panel_->num_dates() && panel->store_data_version() == panel_->store_data_version()) {
    return {};
  }
  auto next = std::make_unique<store::Panel>(std::move(*panel));
  if (kernel_) {
    if (auto s = kernel_->update_panel(*next); !s) {
      return core::fail("{} — restart the node to trade the new data", s.error().message);
    }
    if (venue_) venue_->update_panel(*next);
    writer_->set_panel(*next);
    if (scores_ != nullptr) scores_->set_panel(*next);
  }
  if (panel_) retired_panels_.push_back(std::move(panel_));  // views into it may still be live this cycle
  panel_ = std::move(next);
  changed = true;
  log(fmt::format("data: {} tickers, last date {}", panel_->num_tickers(),
                  panel_->num_dates() > 0 ? panel_->dates().back().to_string() : "-"));
  return {};
}

core::Status TradingNode::set_up(std::size_t first_session) {
  if (options_.mode == NodeMode::Replay) {
    auto sim = std::make_unique<core::SimClock>();
    sim_clock_ = sim.get();
    clock_ = std::move(sim);
  } else {
    clock_ = std::make_unique<LiveClock>();
  }
  recorder_ = std::make_unique<backtest::BacktestRecorder>(*panel_, config_.name, engine_.benchmark);
  writer_ = std::make_unique<JournalWriter>(journal_, run_.run_id, *panel_, recorder_.get());
  writer_->set_benchmark(engine_.benchmark);
  if (options_.crash_after_commits) {
    writer_->set_commit_hook([this] {
      if (++commits_ >= *options_.crash_after_commits) {
        std::fflush(nullptr);
        ::kill(::getpid(), SIGKILL);
      }
    });
  }
  auto strategy = backtest::make_strategy(config_, *panel_);
  if (!strategy) return std::unexpected(strategy.error());
  strategy_ = std::move(*strategy);
  if (auto* model = dynamic_cast<scoring::ModelSignalStrategy*>(strategy_.get())) {
    auto journaled = std::make_unique<JournaledScores>(model->take_source(), config_.strategy.model.filename().string(),
                                                       journal_, run_.run_id, *writer_, *panel_);
    scores_ = journaled.get();
    model->set_source(std::move(journaled));
  }
  trading::KernelConfig kernel_config = backtest::kernel_config(engine_);
  kernel_config.order_id_prefix = run_.run_id;
  kernel_ = std::make_unique<trading::TradingKernel>(*panel_, kernel_config, *strategy_, *clock_);
  if (config_.node.execution == "sim") {
    venue_ = std::make_unique<sim::SimulatedVenue>(*panel_, config_.broker, config_.portfolio, *clock_, *kernel_);
    venue_->set_next_session(first_session);
    kernel_->connect(*venue_);
  } else {
    auto settings = alpaca_settings(config_);
    if (!settings) return std::unexpected(settings.error());
    sleep_ = std::make_unique<adapters::SteadySleepClock>();
    broker_ = std::make_unique<adapters::AlpacaBroker>(*settings, panel_->tickers(), *kernel_, *sleep_, *clock_,
                                                       [this](std::string_view line) { log(std::string(line)); });
    auto journaled = journal_.events(run_.run_id);
    if (!journaled) return std::unexpected(journaled.error());
    auto days = journal_.days(run_.run_id);
    if (!days) return std::unexpected(days.error());
    std::vector<std::int64_t> day_limits;
    for (const auto& d : *days) day_limits.push_back(d.last_event_seq);
    recovering_ = std::make_unique<RecoveringVenue>(*broker_, std::move(*journaled), std::move(day_limits), *kernel_, *writer_);
    writer_->set_event_hook([this] { recovering_->pump(); });
    if (options_.crash_after_sends) {
      recovering_->set_send_hook([this, sends = std::size_t{0}]() mutable {
        if (++sends >= *options_.crash_after_sends) {
          std::fflush(nullptr);
          ::kill(::getpid(), SIGKILL);  // sent, before the broker's answer is journaled
        }
      });
    }
    kernel_->connect(*recovering_);
  }
  kernel_->set_observer(writer_.get());
  writer_->attach(*kernel_);
  recorder_->attach(*kernel_);

  auto decisions = journal_.decisions(run_.run_id);
  if (!decisions) return std::unexpected(decisions.error());
  for (auto& d : *decisions) {
    if (d.kind == kFeeDecision || d.kind == kMismatchDecision || d.kind == kAdoptDecision) {
      journaled_broker_.emplace(d.seq, d);
    } else if (d.kind.starts_with("control:")) {
      journaled_controls_.push_back(std::move(d));
    } else if (d.kind == kRetrainDecision) {
      journaled_retrains_.emplace(d.seq, d);
    }
  }
  auto extent = journal_.extent(run_.run_id);
  if (!extent) return std::unexpected(extent.error());
  journaled_ = *extent;

  if (sim_clock_ != nullptr) {
    (void)sim_clock_->advance_to(core::at_time_of_day(panel_->dates()[first_session], core::kSessionOpenSecond) - 1);
  }
  if (auto s = kernel_->start(first_session); !s) return s;
  if (auto s = writer_->checkpoint(); !s) return s;
  if (recovering_ && !recovering_->replaying()) {
    if (auto s = take_over_from_journal(); !s) return s;
  }
  return fail_if_error();
}

void TradingNode::pump_and_process() {
  if (recovering_ && recovering_->replaying()) recovering_->pump();
  kernel_->process_events();
}

core::Status TradingNode::finish_recovery() {
  if (!recovering_ || taken_over_) return {};
  // What the journal holds after the last re-run close: events between cycles, sweeps.
  pump_and_process();
  if (auto s = writer_->checkpoint(); !s) return s;
  if (last_session_) {
    if (auto s = replay_journaled_decisions(panel_->dates()[*last_session_]); !s) return s;
  }
  if (!caught_up()) {
    return core::fail("journal: the re-run stopped short of the journal's end ({} of {} order events, {} of {} "
                      "decisions): the journal holds what this node cannot reproduce; not trading",
                      writer_->events_written(), journaled_.events, writer_->decisions_written(), journaled_.decisions);
  }
  return take_over_from_journal();
}

core::Status TradingNode::take_over_from_journal() {
  taken_over_ = true;
  if (auto s = recovering_->finish_replay([this](const std::string& cid) { return kernel_->orders().find(cid); }); !s) {
    return core::fail("handing the journal's held-back orders to {}: {}", broker_->name(), s.error().message);
  }
  // Orders the broker holds for this run: their events must be recognised.
  for (execution::OrderId id : kernel_->orders().open()) {
    const execution::Order& o = *kernel_->orders().order(id);
    if (o.status != execution::OrderStatus::New) broker_->track(o, o.filled, o.filled_value);
  }
  broker_->start_stream();
  // What happened while the node was away: the stream does not replay it.
  if (auto s = broker_->sweep(); !s) return core::fail("sweeping {}: {}", broker_->name(), s.error().message);
  kernel_->process_events();
  if (auto s = writer_->checkpoint(); !s) return s;
  log(fmt::format("{}: connected; {} open orders tracked", broker_->name(), kernel_->orders().open().size()));
  if (auto s = book_broker_fees(panel_->dates()[kernel_->session()]); !s) return s;
  return reconcile();
}

// Alpaca charges the SEC fee and FINRA TAF on sells as account activities (type FEE), apart
// from the fills. Each enters the book once, as cash, journaled as a decision "cash:fee" with
// the activity's id and amount. A re-run books the journal's fee decisions at the point where
// they were first booked (they are the next decisions the journal holds); only a node that has
// reproduced every journaled decision asks the broker for fees after the last one booked.
core::Status TradingNode::book_broker_fees(core::Date date) {
  if (auto s = replay_journaled_decisions(date); !s) return s;
  if (writer_->decisions_written() < journaled_.decisions) return {};  // the journal goes on with something else here
  auto fees = broker_->fees_after(last_fee_id_);
  if (!fees) return core::fail("{}: the account's fee activities: {}", broker_->name(), fees.error().message);
  for (const auto& fee : *fees) {
    const std::string detail = fmt::format("{} {:.2f} {} {}", fee.id, fee.net_amount, fee.symbol.empty() ? "-" : fee.symbol,
                                           fee.description.empty() ? "fee" : fee.description);
    kernel_->book_cash(core::Money::round(fee.net_amount));
    last_fee_id_ = fee.id;
    writer_->decision(date, kFeeDecision, detail);
    log(fmt::format("{}: fee booked: {}", broker_->name(), detail));
  }
  return writer_->checkpoint();
}

// The node's book against the broker's: the union of instruments, quantity by quantity, and
// the cash. A difference halts trading (journaled, so a restart stays halted) — the node never
// trades on a book it cannot vouch for. A failed query is an error, never "flat".
core::Status TradingNode::reconcile() {
  auto positions = broker_->positions();
  if (!positions) return core::fail("reconciliation: the broker's positions: {}", positions.error().message);
  auto account = broker_->account();
  if (!account) return core::fail("reconciliation: the broker's account: {}", account.error().message);
  std::map<std::uint32_t, core::Quantity> at_broker;
  for (const auto& p : *positions) at_broker[p.instrument] = p.quantity;
  std::vector<std::string> differences;
  const portfolio::Portfolio& book = kernel_->portfolio();
  std::set<std::uint32_t> instruments(book.held().begin(), book.held().end());
  for (const auto& [i, q] : at_broker) instruments.insert(i);
  for (std::uint32_t i : instruments) {
    const core::Quantity ours = book.position(i).quantity;
    const core::Quantity theirs = at_broker.contains(i) ? at_broker[i] : 0;
    if (ours != theirs) differences.push_back(fmt::format("{}: journal {} shares, broker {}", panel_->tickers()[i], ours, theirs));
  }
  const double cash_gap = std::fabs(book.cash().to_double() - account->cash.to_double());
  if (cash_gap > 0.01) {
    differences.push_back(fmt::format("cash: journal {:.2f}, broker {:.2f}", book.cash().to_double(), account->cash.to_double()));
  }
  // An operator's request to adopt the broker's state (`kestrel trade adopt`), if any.
  auto pending = journal_.pending_controls(run_.run_id);
  if (!pending) return std::unexpected(pending.error());
  std::optional<store::JournalControl> adopt;
  for (const auto& c : *pending) {
    if (c.action == "adopt") adopt = c;
  }
  const core::Date date = panel_->dates()[kernel_->session()];
  if (differences.empty()) {
    log(fmt::format("reconciled with {}: {} positions and the cash agree", broker_->name(), instruments.size()));
    if (adopt) {
      log("adopt: nothing to adopt, the journal agrees with the broker");
      if (auto s = journal_.consume_control(adopt->id, run_.run_id); !s) return s;
    }
    return {};
  }
  std::string list;
  for (const auto& d : differences) list += (list.empty() ? "" : "; ") + d;
  if (adopt) {
    BrokerAdoption adoption;
    for (std::uint32_t i : instruments) {
      const core::Quantity ours = book.position(i).quantity;
      const core::Quantity theirs = at_broker.contains(i) ? at_broker[i] : 0;
      if (ours == theirs) continue;
      double price = book.position(i).last_price.to_double();
      for (const auto& p : *positions) {
        if (p.instrument == i && p.quantity != 0) price = p.cost.to_double() / static_cast<double>(p.quantity);
      }
      adoption.holdings.push_back({.ticker = panel_->tickers()[i], .quantity = theirs, .price = price});
    }
    adoption.cash = account->cash.to_double();
    adoption.note = fmt::format("requested at {} (kestrel trade adopt)", adopt->requested_at);
    writer_->decision(date, kAdoptDecision, adoption.to_text());
    if (auto s = apply_adoption(adoption); !s) return s;
    if (auto s = journal_.consume_control(adopt->id, run_.run_id); !s) return s;  // in the same transaction
    if (auto s = writer_->checkpoint(); !s) return s;
    log(fmt::format("adopted {}'s state, as requested: was {}; now {}", broker_->name(), list, adoption.to_text()));
    return fail_if_error();
  }
  writer_->decision(date, kMismatchDecision, list);
  kernel_->engage_kill_switch("reconciliation: " + list, false);
  halted_ = true;
  halted_by_reconciliation_ = true;
  if (auto s = writer_->checkpoint(); !s) return s;
  return core::fail_as(core::ErrorKind::Internal,
                       "reconciliation with {} failed — trading halted: {}. Find the cause (an order placed by hand, a "
                       "fill the journal missed, a dividend or split). Then either undo it at the broker, or adopt the "
                       "broker's positions and cash into this run with `kestrel trade adopt` and start the node again: "
                       "a journal never adopts them silently.",
                       broker_->name(), list);
}

core::Status TradingNode::fail_if_error() {
  if (writer_ && writer_->error()) return core::fail("journal: {}", writer_->error()->message);
  if (kernel_ && kernel_->error()) return std::unexpected(*kernel_->error());
  return {};
}

bool TradingNode::caught_up() const {
  return static_cast<std::int64_t>(sessions_) >= journaled_.days && writer_->events_written() >= journaled_.events &&
         writer_->decisions_written() >= journaled_.decisions;
}

core::Status TradingNode::run_day(std::size_t t) {
  const core::Date date = panel_->dates()[t];
  const bool rederiving = static_cast<std::int64_t>(sessions_) < journaled_.days;
  if (rederiving) return run_session(t);
  // A new session: its cycle is timed and logged, failed or not (the dashboard's health and
  // the alerts read it). Wall time, measured on the monotonic clock.
  const LiveClock wall;
  store::JournalCycle cycle{.started_at = iso_time(wall.now()), .session = date};
  const adapters::AlpacaRest::RequestStats before = broker_ ? broker_->request_stats() : adapters::AlpacaRest::RequestStats{};
  const auto started = std::chrono::steady_clock::now();
  auto status = run_session(t);
  cycle.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (!status) cycle.result = status.error().message;
  if (broker_) {
    const auto& after = broker_->request_stats();
    cycle.broker_requests = after.requests - before.requests;
    cycle.broker_errors = after.errors - before.errors;
    cycle.broker_seconds = after.seconds - before.seconds;
  }
  if (auto logged = journal_.log_cycle(run_.run_id, cycle); !logged && status) return logged;
  if (!status) return status;
  return watch_broker_link();
}

core::Status TradingNode::run_session(std::size_t t) {
  const core::Date date = panel_->dates()[t];
  const bool rederiving = static_cast<std::int64_t>(sessions_) < journaled_.days;
  if (sim_clock_ != nullptr) (void)sim_clock_->advance_to(core::at_time_of_day(date, core::kSessionOpenSecond));
  (void)writer_->take_activity();
  if (!simulated()) {
    pump_and_process();
    if (auto s = book_broker_fees(date); !s) return s;
  }
  kernel_->begin_session(t);
  if (auto s = writer_->checkpoint(); !s) return s;
  const OrderActivity open = writer_->take_activity();
  const std::size_t working = kernel_->orders().open().size();
  if (simulated()) {
    venue_->process_session(t);
    kernel_->process_events();
  } else {
    pump_and_process();  // what the broker reported for the session
  }
  if (auto s = writer_->checkpoint(); !s) return s;
  const OrderActivity session = writer_->take_activity();
  if (sim_clock_ != nullptr) (void)sim_clock_->advance_to(core::at_time_of_day(date, core::kSessionCloseSecond));
  if (simulated()) {
    venue_->end_session(t);
  } else if (recovering_->replaying()) {
    recovering_->pump();
  }
  kernel_->end_session(t);
  if (auto s = writer_->checkpoint(); !s) return s;
  if (!simulated()) {
    pump_and_process();
    if (auto s = writer_->checkpoint(); !s) return s;
  }
  if (auto s = fail_if_error(); !s) return s;
  const OrderActivity close = writer_->take_activity();
  ++sessions_;
  if (rederiving) ++rederived_;
  last_session_ = t;

  if (!rederiving) {
    const auto& p = kernel_->portfolio();
    log(fmt::format("{} open: {} orders working{}; session: {} fills, {} cancelled, {} expired, {} rejected; close: "
                    "equity {:.2f}, cash {:.2f}, {} positions, {} orders sent for the next open",
                    date.to_string(), working,
                    open.sent > 0 ? fmt::format(" ({} sent by the kill switch)", open.sent) : "", session.fills,
                    session.cancelled, session.expired, session.rejected, p.equity().to_double(), p.cash().to_double(),
                    p.held().size(), close.sent));
  }
  if (auto s = replay_journaled_decisions(date); !s) return s;
  if (recovering_ && !taken_over_ && caught_up()) {
    if (auto s = take_over_from_journal(); !s) return s;
  }
  // New controls only once the journal's history is reproduced (they apply after it).
  if (caught_up()) {
    if (auto s = poll_controls(date); !s) return s;
    if (auto s = maybe_retrain(t); !s) return s;
  }
  return {};
}

core::Status TradingNode::maybe_retrain(std::size_t t) {
  if (!config_.node.retrain || scores_ == nullptr) return {};
  const core::Date date = panel_->dates()[t];
  if (last_retrain_ == date) return {};  // decided already (a re-run applied the journal's decision)
  core::Date next{};
  if (t + 1 < panel_->num_dates()) {
    next = panel_->dates()[t + 1];
  } else {
    if (!calendar_) {
      auto nyse = store::TradingCalendar::nyse();
      if (!nyse) return std::unexpected(nyse.error());
      calendar_.emplace(std::move(*nyse));
    }
    auto after = calendar_->next_session(date);
    if (!after) return std::unexpected(after.error());
    next = *after;
  }
  if (!ends_month(date, next)) return {};
  log(fmt::format("{}: the month's last session: retraining {} on the data up to its close", date.to_string(),
                  config_.node.retrain->model));
  auto decision = run_scheduled_retrain(*config_.node.retrain, date, [this](const std::string& line) { log(line); });
  if (decision.failed) log(fmt::format("ALERT: the retraining failed, the node keeps its model: {}", decision.verdict));
  return apply_retrain(std::move(decision), date, {});
}

core::Status TradingNode::apply_retrain(RetrainDecision decision, core::Date date, const std::string& journaled) {
  std::unique_ptr<scoring::ScoreSource> source;
  if (decision.promoted) {
    auto saved = scoring::load_saved_model(decision.model_folder);
    if (!saved && !journaled.empty()) {
      return core::fail("journal: the model promoted on {} ({}) cannot be loaded: {}", date.to_string(),
                        decision.model_folder, saved.error().message);
    }
    if (!saved) {
      decision.promoted = false;
      decision.failed = true;
      decision.verdict += fmt::format("; but the challenger cannot be loaded ({}): the node keeps its model",
                                      saved.error().message);
      log(fmt::format("ALERT: {}", decision.verdict));
    } else {
      source = std::make_unique<scoring::ModelScores>(scoring::ModelScorer(std::move(*saved)), *panel_);
    }
  }
  writer_->decision(date, kRetrainDecision, journaled.empty() ? decision.to_json() : journaled);
  last_retrain_ = date;
  if (source) {
    scores_->replace_model(std::move(source), std::filesystem::path(decision.model_folder).filename().string());
  }
  if (journaled.empty()) {
    log(fmt::format("retraining: {}{}", decision.verdict,
                    decision.promoted ? fmt::format("; trading {} from the next session", decision.model_folder) : ""));
  }
  return writer_->checkpoint();
}

core::Status TradingNode::apply_control(const std::string& action, const std::string& detail, core::Date date,
                                        bool replaying) {
  if (!simulated()) pump_and_process();
  writer_->decision(date, "control:" + action, detail);
  if (action == "kill" || action == "kill_flatten") {
    if (broker_ && !replaying) {
      // At the broker first, before the kernel's flattening orders exist: every open order in
      // the account goes, the node's and any placed by hand, and none may be left.
      if (auto s = broker_->cancel_all_and_verify(); !s) {
        log(fmt::format("ALERT: {} — check the account in Alpaca's dashboard", s.error().message));
      } else {
        log("kill switch at Alpaca: all open orders cancelled (verified: none open)");
      }
      pump_and_process();  // the cancellations the stream has brought so far
    }
    kernel_->engage_kill_switch(detail, action == "kill_flatten");
    halted_ = true;
    halted_by_reconciliation_ = false;  // now the operator's halt: only resume lifts it
    log(fmt::format("kill switch engaged ({}){}", detail, action == "kill_flatten" ? ": flattening at the next open" : ""));
  } else if (action == "resume") {
    kernel_->resume(detail);
    halted_ = false;
    halted_by_reconciliation_ = false;
    log(fmt::format("resumed ({})", detail));
  } else {
    return core::fail("unknown control '{}'", action);
  }
  return {};
}

core::Status TradingNode::replay_journaled_decisions(core::Date date) {
  for (;;) {
    const std::int64_t next = writer_->next_decision_seq();
    if (next_control_ < journaled_controls_.size() && journaled_controls_[next_control_].seq == next) {
      const auto& c = journaled_controls_[next_control_++];
      if (c.date != date) {
        return core::fail("journal: control {} of {} does not fall where the re-run is ({})", c.kind,
                          c.date.to_string(), date.to_string());
      }
      if (auto s = apply_control(c.kind.substr(std::string_view("control:").size()), c.detail, c.date, true); !s) return s;
    } else if (const auto it = journaled_broker_.find(next); it != journaled_broker_.end()) {
      if (auto s = replay_broker_decision(it->second); !s) return s;
    } else if (const auto r = journaled_retrains_.find(next); r != journaled_retrains_.end()) {
      auto decision = RetrainDecision::parse(r->second.detail);
      if (!decision) return core::fail("journal: decision {}: {}", r->second.seq, decision.error().message);
      if (r->second.date != date) {
        return core::fail("journal: the retraining of {} does not fall where the re-run is ({})",
                          r->second.date.to_string(), date.to_string());
      }
      if (auto s = apply_retrain(std::move(*decision), date, r->second.detail); !s) return s;
    } else {
      return fail_if_error();
    }
    if (auto s = writer_->checkpoint(); !s) return s;
  }
}

core::Status TradingNode::replay_broker_decision(const store::JournalDecision& d) {
  if (d.kind == kFeeDecision) {
    // "<activity id> <amount> <symbol> <description>"
    const auto space = d.detail.find(' ');
    const std::string amount_text =
        space == std::string::npos ? std::string() : d.detail.substr(space + 1, d.detail.find(' ', space + 1) - space - 1);
    char* end = nullptr;
    const double amount = std::strtod(amount_text.c_str(), &end);
    if (amount_text.empty() || end != amount_text.c_str() + amount_text.size()) {
      return core::fail("journal: decision {} ('{}') is not a fee booking the node can read", d.seq, d.detail);
    }
    kernel_->book_cash(core::Money::round(amount));
    last_fee_id_ = d.detail.substr(0, space);
    writer_->decision(d.date, kFeeDecision, d.detail);
  } else if (d.kind == kMismatchDecision) {
    writer_->decision(d.date, kMismatchDecision, d.detail);
    kernel_->engage_kill_switch("reconciliation: " + d.detail, false);
    halted_ = true;
    halted_by_reconciliation_ = true;
  } else {
    auto adoption = BrokerAdoption::parse(d.detail);
    if (!adoption) return core::fail("journal: decision {}: {}", d.seq, adoption.error().message);
    writer_->decision(d.date, kAdoptDecision, d.detail);  // before what it causes (risk:resumed), as first made
    if (auto s = apply_adoption(*adoption); !s) return s;
  }
  return {};
}

core::Status TradingNode::apply_adoption(const BrokerAdoption& adoption) {
  for (const auto& h : adoption.holdings) {
    const auto& tickers = panel_->tickers();
    const auto it = std::find(tickers.begin(), tickers.end(), h.ticker);
    if (it == tickers.end()) return core::fail("adopting {}: not in the node's universe", h.ticker);
    const auto i = static_cast<std::uint32_t>(it - tickers.begin());
    if (auto s = kernel_->adopt_position(i, h.quantity, core::Price::round(h.price)); !s) {
      return core::fail("adopting {} {} shares: {}", h.ticker, h.quantity, s.error().message);
    }
  }
  kernel_->book_cash(core::Money::round(adoption.cash) - kernel_->portfolio().cash());
  if (halted_by_reconciliation_) {
    kernel_->resume("adopted the broker's state");
    halted_ = false;
    halted_by_reconciliation_ = false;
  }
  return {};
}

core::Status TradingNode::watch_broker_link() {
  if (!broker_ || !taken_over_ || !broker_->stream_settled()) return {};
  const std::string state = broker_->stream_listening() ? "connected" : "disconnected";
  if (state == link_state_) return {};
  const LiveClock wall;
  const store::JournalBrokerLink link{.at = iso_time(wall.now()), .state = state,
                                      .detail = state == "connected" ? std::string() : broker_->stream_last_error()};
  if (auto s = journal_.log_broker_link(run_.run_id, link); !s) return s;
  if (!link_state_.empty() || state != "connected") {
    log(state == "connected" ? "broker stream: connected again" : "broker stream: disconnected (" + link.detail + ")");
  }
  link_state_ = state;
  return {};
}

void TradingNode::close_broker_link() {
  if (!broker_) return;
  broker_->stop_stream();
  if (!taken_over_ || link_state_ == "closed") return;
  const LiveClock wall;
  // Best effort: the node is stopping, possibly because the journal failed.
  (void)journal_.log_broker_link(run_.run_id, {.at = iso_time(wall.now()), .state = "closed", .detail = "the node stopped"});
  link_state_ = "closed";
}

core::Status TradingNode::poll_controls(core::Date date) {
  auto pending = journal_.pending_controls(run_.run_id);
  if (!pending) return std::unexpected(pending.error());
  const bool kill_file = !config_.node.kill_file.empty() && std::filesystem::exists(config_.node.kill_file);
  for (const auto& c : *pending) {
    if (c.action == "adopt") {
      // Applied by the reconciliation at the node's next start (with a broker); nothing to
      // adopt from the simulated venue, which is the node's own book.
      if (simulated()) {
        log("adopt: nothing to adopt on the simulated venue");
        if (auto s = journal_.consume_control(c.id, run_.run_id); !s) return s;
      }
      continue;
    }
    if (c.action == "resume" && kill_file) {
      log(fmt::format("resume refused: the kill file {} is still there", config_.node.kill_file.string()));
      if (auto s = journal_.consume_control(c.id, run_.run_id); !s) return s;
      continue;
    }
    if (auto s = apply_control(c.action, fmt::format("requested at {} (kestrel trade)", c.requested_at), date, false); !s) {
      return s;
    }
    if (auto s = journal_.consume_control(c.id, run_.run_id); !s) return s;  // in the same transaction
    if (auto s = writer_->checkpoint(); !s) return s;
  }
  if (kill_file && !halted_) {
    const bool flatten = kill_file_says_flatten(config_.node.kill_file);
    if (auto s = apply_control(flatten ? "kill_flatten" : "kill", fmt::format("kill file {}", config_.node.kill_file.string()),
                               date, false);
        !s) {
      return s;
    }
    if (auto s = writer_->checkpoint(); !s) return s;
  }
  return fail_if_error();
}

NodeSummary TradingNode::summary() {
  close_broker_link();
  NodeSummary s;
  s.run_id = run_.run_id;
  s.resumed = resumed_;
  s.sessions = sessions_;
  s.rederived = rederived_;
  s.first = run_.first_date;
  s.last = last_session_ ? panel_->dates()[*last_session_] : run_.first_date;
  s.initial_cash = config_.portfolio.initial_cash.to_double();
  s.equity = kernel_ ? kernel_->portfolio().equity().to_double() : s.initial_cash;
  s.halted = halted_;
  s.finished = run_.finished;
  if (kernel_) {
    s.orders = kernel_->orders().orders().size();
    for (const auto& o : kernel_->orders().orders()) s.fills += o.filled > 0 ? 1 : 0;
    kernel_->finish();
    kernel_->set_observer(nullptr);
    s.record = recorder_->finish();
    s.record.config_text = config_.effective_text;
    s.record.config_hash = config_.hash;
    s.record.seed = config_.seed;
  }
  return s;
}

core::Result<NodeSummary> TradingNode::run() {
  if (auto s = load_data(); !s) return std::unexpected(s.error());
  if (panel_->num_dates() == 0) return core::fail("trade: the market data has no dates");
  auto engine = backtest::make_engine_config(config_, *panel_);
  if (!engine) return std::unexpected(engine.error());
  engine_ = std::move(*engine);

  const std::string mode(to_string(options_.mode));
  std::size_t first = 0;
  std::optional<std::size_t> last;
  std::optional<store::JournalRun> existing;
  if (options_.mode == NodeMode::Replay) {
    auto range = backtest::day_range(*panel_, options_.from ? options_.from : config_.data.start,
                                     options_.to ? options_.to : config_.data.end);
    if (!range) return std::unexpected(range.error());
    first = range->first;
    last = range->last;
    auto found = journal_.unfinished_run(mode, config_.hash, std::pair{panel_->dates()[first], panel_->dates()[*last]});
    if (!found) return std::unexpected(found.error());
    existing = *found;
  } else {
    auto found = journal_.unfinished_run(mode, config_.hash, std::nullopt);
    if (!found) return std::unexpected(found.error());
    existing = *found;
    core::Date first_date = existing ? existing->first_date : panel_->dates().back();
    if (!existing && config_.node.start) first_date = *config_.node.start;
    const auto index = panel_->date_index(first_date);
    if (!index) {
      return core::fail("trade run: the first session {} is not in the market data (last date {})", first_date.to_string(),
                        panel_->dates().back().to_string());
    }
    first = *index;
  }
  if (existing) {
    run_ = *existing;
    resumed_ = true;
  } else {
    const LiveClock wall;
    run_ = store::JournalRun{.run_id = new_run_id(), .mode = mode, .name = config_.name, .config_hash = config_.hash,
                             .config_text = config_.effective_text, .first_date = panel_->dates()[first],
                             .last_date = last ? std::optional(panel_->dates()[*last]) : std::nullopt,
                             .created_at = iso_time(wall.now()), .finished = false};
    if (auto s = journal_.create_run(run_); !s) return std::unexpected(s.error());
  }
  {
    const LiveClock wall;
    if (auto s = journal_.log_start(run_.run_id, iso_time(wall.now()), ::getpid(), resumed_ ? "restart" : "start"); !s) {
      return std::unexpected(s.error());
    }
  }
  log(fmt::format("{} run {} ({}), from {}{}", resumed_ ? "resuming" : "starting", run_.run_id, mode,
                  run_.first_date.to_string(), last ? " to " + panel_->dates()[*last].to_string() : ""));
  if (auto s = set_up(first); !s) return std::unexpected(s.error());
  if (resumed_ && journaled_.days > 0) {
    log(fmt::format("re-running the journal's {} sessions from {} to restore the node's state", journaled_.days,
                    run_.first_date.to_string()));
  }

  if (options_.mode == NodeMode::Replay) {
    for (std::size_t t = first; t <= *last; ++t) {
      if (auto s = run_day(t); !s) return std::unexpected(s.error());
    }
    if (auto s = journal_.mark_finished(run_.run_id); !s) return std::unexpected(s.error());
    run_.finished = true;
    return summary();
  }

  // Paper: the next session once its bars are in; otherwise wait (or stop when idle).
  auto calendar = store::TradingCalendar::nyse();
  if (!calendar) return std::unexpected(calendar.error());
  std::size_t next = first;
  for (;;) {
    if (next < panel_->num_dates()) {
      const core::Date date = panel_->dates()[next];
      const bool closed = clock_->now() >= core::at_time_of_day(date, core::kSessionCloseSecond) +
                                               static_cast<core::UnixNanos>(config_.node.close_delay_minutes) * 60 *
                                                   core::kNanosPerSecond;
      bool has_bars = false;
      for (auto i : kernel_->universe()) has_bars = has_bars || panel_->has_bar(i, next);
      if (closed && has_bars) {
        if (auto s = run_day(next); !s) return std::unexpected(s.error());
        ++next;
        continue;
      }
    }
    // No day is ready: whatever the journal holds beyond the last re-run day is replayed now,
    // and the broker takes over (or the node stops: it cannot reproduce its journal).
    if (auto s = finish_recovery(); !s) return std::unexpected(s.error());
    if (auto s = watch_broker_link(); !s) return std::unexpected(s.error());
    if (options_.exit_when_idle) break;
    std::this_thread::sleep_for(std::chrono::seconds(config_.node.poll_seconds));
    if (last_session_ && caught_up()) {
      if (auto s = poll_controls(panel_->dates()[*last_session_]); !s) return std::unexpected(s.error());
    }
    bool changed = false;
    if (auto s = refresh_data(changed); !s) return std::unexpected(s.error());
    // A date the calendar says is no session (a bar for a holiday) is not traded.
    while (next < panel_->num_dates()) {
      auto session = calendar->is_session(panel_->dates()[next]);
      if (!session || *session) break;
      ++next;
    }
  }
  if (last_session_ && caught_up()) {
    if (auto s = poll_controls(panel_->dates()[*last_session_]); !s) return std::unexpected(s.error());
  }
  return summary();
}

}  // namespace kestrel::live
