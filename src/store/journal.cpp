#include "store/journal.hpp"

#include <fmt/format.h>

namespace kestrel::store {
namespace {

std::string dollars(double v) { return fmt::format("{:.6f}", v); }

core::Date day_of(std::int64_t days) { return core::Date::from_days(static_cast<std::int32_t>(days)); }
std::int64_t days_of(core::Date date) { return date.days(); }

}  // namespace

std::string fingerprint(const JournalOrder& o) {
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", o.order_id, o.client_order_id, o.date.days(), o.ticker,
                     o.side, o.type, o.tif, o.tag, o.origin, dollars(o.quantity), dollars(o.limit_price),
                     dollars(o.stop_price), o.parent);
}

std::string fingerprint(const JournalEvent& e) {
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}", e.seq, e.order_id, e.client_order_id, e.kind, e.execution_id,
                     dollars(e.quantity), dollars(e.price), dollars(e.commission), e.reason);
}

std::string fingerprint(const JournalDay& d) {
  return fmt::format("{}|{}|{}|{}|{}", d.date.days(), dollars(d.equity), dollars(d.cash), d.positions, d.orders_sent);
}

std::string fingerprint(const JournalDecision& d) {
  return fmt::format("{}|{}|{}|{}", d.seq, d.date.days(), d.kind, d.detail);
}

core::Result<Journal> Journal::open(const std::string& location, Durability durability) {
  auto db = open_journal_database(location, durability);
  if (!db) return std::unexpected(db.error());
  Journal journal(std::move(*db));
  if (auto s = journal.migrate(); !s) return std::unexpected(s.error());
  return journal;
}

core::Result<Journal> Journal::open_existing(const std::string& location) {
  std::error_code ec;
  if (!is_postgres_location(location) && !std::filesystem::exists(location, ec)) {
    return core::fail_as(core::ErrorKind::NotFound, "{}: no such journal", location);
  }
  auto db = open_journal_database(location, Durability::Full);
  if (!db) return std::unexpected(db.error());
  Journal journal(std::move(*db));
  auto version = journal.query("SELECT value FROM journal_meta WHERE key = 'schema_version'");
  if (!version || version->empty()) {
    return core::fail_as(core::ErrorKind::NotFound, "{}: not a Kestrel trading journal", journal.name());
  }
  return journal;
}

core::Status Journal::migrate() {
  const auto schema = db_->migrations();
  // Up to date (the usual case): no write lock needed.
  if (auto v = query("SELECT value FROM journal_meta WHERE key = 'schema_version'");
      v && !v->empty() && std::stoll(v->front().text(0)) == static_cast<long long>(schema.size())) {
    return {};
  }
  if (auto s = db_->begin(); !s) return s;
  auto apply = [&]() -> core::Status {
    if (auto s = db_->lock_for_migration(); !s) return s;
    if (auto s = db_->exec("CREATE TABLE IF NOT EXISTS journal_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)"); !s) {
      return s;
    }
    auto rows = query("SELECT value FROM journal_meta WHERE key = 'schema_version'");
    if (!rows) return std::unexpected(rows.error());
    std::size_t version = 0;
    if (rows->empty()) {
      if (auto s = execute("INSERT INTO journal_meta(key, value) VALUES('schema_version', '0')"); !s) return s;
    } else {
      version = static_cast<std::size_t>(std::stoll(rows->front().text(0)));
    }
    if (version > schema.size()) {
      return core::fail("{}: journal schema v{} is newer than this kestrel (v{}); upgrade kestrel", name(), version,
                        schema.size());
    }
    for (std::size_t v = version; v < schema.size(); ++v) {
      if (auto s = db_->exec(schema[v]); !s) return s;
    }
    return execute("UPDATE journal_meta SET value = ? WHERE key = 'schema_version'",
                   {std::to_string(schema.size())});
  };
  if (auto s = apply(); !s) {
    db_->rollback();
    return s;
  }
  return db_->commit();
}

core::Result<std::vector<SqlRow>> Journal::query(std::string_view sql, std::initializer_list<SqlValue> params) {
  return db_->query(sql, std::span<const SqlValue>(params.begin(), params.size()));
}

core::Status Journal::execute(std::string_view sql, std::initializer_list<SqlValue> params) {
  auto rows = query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  return {};
}

core::Status Journal::verify(std::string_view what, const std::string& key, const std::string& stored,
                             const std::string& derived) const {
  if (stored == derived) return {};
  return core::fail_as(core::ErrorKind::Internal,
                       "{}: the journal's {} {} differs from what the re-run derived:\n  journal: {}\n  re-run:  {}",
                       name(), what, key, stored, derived);
}

core::Status Journal::put_verified(std::string_view what, const std::string& key, std::string_view find,
                                   std::initializer_list<SqlValue> find_params, const std::string& derived,
                                   std::string_view insert, std::initializer_list<SqlValue> insert_params) {
  // New rows (the usual case) take one statement; a row already there is read back and compared.
  auto inserted = query(fmt::format("{} ON CONFLICT DO NOTHING RETURNING 1", insert), insert_params);
  if (!inserted) return std::unexpected(inserted.error());
  if (!inserted->empty()) return {};
  auto existing = query(find, find_params);
  if (!existing) return std::unexpected(existing.error());
  if (existing->empty()) return core::fail("{}: the journal's {} {} is neither new nor there", name(), what, key);
  return verify(what, key, existing->front().text(0), derived);
}

// ---------------------------------------------------------------------------------------------
// Runs and controls

namespace {

JournalRun run_from(const SqlRow& s) {
  JournalRun r;
  r.run_id = s.text(0);
  r.mode = s.text(1);
  r.name = s.text(2);
  r.config_hash = s.text(3);
  r.config_text = s.text(4);
  r.first_date = day_of(s.int64(5));
  if (!s.is_null(6)) r.last_date = day_of(s.int64(6));
  r.created_at = s.text(7);
  r.finished = s.int64(8) != 0;
  return r;
}

constexpr std::string_view kRunColumns =
    "run_id, mode, name, config_hash, config_text, first_date, last_date, created_at, finished";

std::optional<JournalRun> first_run(const std::vector<SqlRow>& rows) {
  if (rows.empty()) return std::nullopt;
  return run_from(rows.front());
}

}  // namespace

core::Status Journal::create_run(const JournalRun& r) {
  return execute(fmt::format("INSERT INTO runs({}) VALUES(?,?,?,?,?,?,?,?,?)", kRunColumns),
                 {r.run_id, r.mode, r.name, r.config_hash, r.config_text, days_of(r.first_date),
                  r.last_date ? SqlValue(days_of(*r.last_date)) : SqlValue(), r.created_at,
                  std::int64_t{r.finished ? 1 : 0}});
}

core::Result<std::optional<JournalRun>> Journal::run(const std::string& run_id) {
  auto rows = query(fmt::format("SELECT {} FROM runs WHERE run_id = ?", kRunColumns), {run_id});
  if (!rows) return std::unexpected(rows.error());
  return first_run(*rows);
}

core::Result<std::optional<JournalRun>> Journal::latest_run() {
  auto rows = query(fmt::format("SELECT {} FROM runs ORDER BY created_at DESC, {} DESC LIMIT 1", kRunColumns,
                                db_->insertion_order()));
  if (!rows) return std::unexpected(rows.error());
  return first_run(*rows);
}

core::Result<std::optional<JournalRun>> Journal::unfinished_run(
    const std::string& mode, const std::string& config_hash, std::optional<std::pair<core::Date, core::Date>> range) {
  const std::int64_t bounded = range ? 1 : 0;
  auto rows = query(fmt::format("SELECT {} FROM runs WHERE finished = 0 AND mode = ? AND config_hash = ? AND "
                                "((? = 0 AND last_date IS NULL) OR (? = 1 AND first_date = ? AND last_date = ?)) "
                                "ORDER BY created_at DESC, {} DESC LIMIT 1",
                                kRunColumns, db_->insertion_order()),
                    {mode, config_hash, bounded, bounded, range ? days_of(range->first) : std::int64_t{0},
                     range ? days_of(range->second) : std::int64_t{0}});
  if (!rows) return std::unexpected(rows.error());
  return first_run(*rows);
}

core::Status Journal::mark_finished(const std::string& run_id) {
  return execute("UPDATE runs SET finished = 1 WHERE run_id = ?", {run_id});
}

core::Status Journal::log_start(const std::string& run_id, const std::string& started_at, std::int64_t pid,
                                const std::string& note) {
  return execute("INSERT INTO run_starts(run_id, started_at, pid, note) VALUES(?,?,?,?)", {run_id, started_at, pid, note});
}

core::Status Journal::request_control(const std::string& run_id, const std::string& action,
                                      const std::string& requested_at) {
  return execute("INSERT INTO controls(run_id, action, requested_at) VALUES(?,?,?)", {run_id, action, requested_at});
}

core::Result<std::vector<JournalControl>> Journal::pending_controls(const std::string& run_id) {
  auto rows = query(
      "SELECT id, run_id, action, requested_at FROM controls WHERE consumed_by IS NULL AND (run_id = '' OR run_id = ?) "
      "ORDER BY id",
      {run_id});
  if (!rows) return std::unexpected(rows.error());
  std::vector<JournalControl> out;
  for (const SqlRow& r : *rows) {
    out.push_back({.id = r.int64(0), .run_id = r.text(1), .action = r.text(2), .requested_at = r.text(3)});
  }
  return out;
}

core::Status Journal::consume_control(std::int64_t id, const std::string& run_id) {
  return execute("UPDATE controls SET consumed_by = ? WHERE id = ?", {run_id, id});
}

// ---------------------------------------------------------------------------------------------
// Writing

core::Status Journal::begin() {
  if (in_transaction_) return core::fail("journal: a transaction is already open");
  if (auto s = db_->begin(); !s) return s;
  in_transaction_ = true;
  return {};
}

core::Status Journal::commit() {
  if (!in_transaction_) return core::fail("journal: no transaction to commit");
  in_transaction_ = false;
  return db_->commit();
}

core::Status Journal::begin_read() {
  if (in_transaction_) return core::fail("journal: a transaction is already open");
  if (auto s = db_->begin_read(); !s) return s;
  in_transaction_ = true;
  return {};
}

void Journal::end_read() {
  if (!in_transaction_) return;
  in_transaction_ = false;
  db_->end_read();
}

void Journal::rollback() {
  if (!in_transaction_) return;
  in_transaction_ = false;
  db_->rollback();
}

core::Status Journal::put_order(const std::string& run_id, const JournalOrder& o) {
  const std::string fp = fingerprint(o);
  return put_verified(
      "order", std::to_string(o.order_id), "SELECT fingerprint FROM orders WHERE run_id = ? AND order_id = ?",
      {run_id, o.order_id}, fp,
      "INSERT INTO orders(run_id, order_id, client_order_id, date, created_ns, ticker, side, type, tif, tag, origin, "
      "quantity, limit_price, stop_price, parent, fingerprint) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      {run_id, o.order_id, o.client_order_id, days_of(o.date), o.created_ns, o.ticker, o.side, o.type, o.tif, o.tag,
       o.origin, o.quantity, o.limit_price, o.stop_price, o.parent, fp});
}

core::Status Journal::put_event(const std::string& run_id, const JournalEvent& e) {
  const std::string fp = fingerprint(e);
  return put_verified(
      "order event", std::to_string(e.seq), "SELECT fingerprint FROM order_events WHERE run_id = ? AND seq = ?",
      {run_id, e.seq}, fp,
      "INSERT INTO order_events(run_id, seq, order_id, client_order_id, kind, ts, execution_id, ticker, side, quantity, "
      "price, commission, reason, fingerprint) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      {run_id, e.seq, e.order_id, e.client_order_id, e.kind, e.ts, e.execution_id, e.ticker, e.side, e.quantity,
       e.price, e.commission, e.reason, fp});
}

core::Status Journal::put_day(const std::string& run_id, const JournalDay& d) {
  const std::string fp = fingerprint(d);
  return put_verified(
      "day", d.date.to_string(), "SELECT fingerprint FROM days WHERE run_id = ? AND date = ?", {run_id, days_of(d.date)},
      fp,
      "INSERT INTO days(run_id, date, equity, cash, market_value, gross_exposure, positions, benchmark, orders_sent, "
      "last_event_seq, fingerprint) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
      {run_id, days_of(d.date), d.equity, d.cash, d.market_value, d.gross_exposure, d.positions, d.benchmark,
       d.orders_sent, d.last_event_seq, fp});
}

core::Status Journal::put_position(const std::string& run_id, const JournalPosition& p) {
  return execute(
      "INSERT INTO positions(run_id, date, ticker, quantity, average_cost, last_price, market_value, unrealized, "
      "entry_date, stop_level) VALUES(?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
      {run_id, days_of(p.date), p.ticker, p.quantity, p.average_cost, p.last_price, p.market_value, p.unrealized,
       days_of(p.entry_date), p.stop_level});
}

core::Status Journal::put_prediction(const std::string& run_id, const std::string& model, const JournalPrediction& p) {
  return execute("INSERT INTO predictions(run_id, date, ticker, model, score) VALUES(?,?,?,?,?) ON CONFLICT DO NOTHING",
                 {run_id, days_of(p.date), p.ticker, model, p.score});
}

core::Status Journal::put_decision(const std::string& run_id, const JournalDecision& d) {
  const std::string fp = fingerprint(d);
  return put_verified("decision", std::to_string(d.seq), "SELECT fingerprint FROM decisions WHERE run_id = ? AND seq = ?",
                      {run_id, d.seq}, fp,
                      "INSERT INTO decisions(run_id, seq, date, kind, detail, fingerprint) VALUES(?,?,?,?,?,?)",
                      {run_id, d.seq, days_of(d.date), d.kind, d.detail, fp});
}

// ---------------------------------------------------------------------------------------------
// Reading

namespace {

template <class Row, class Read>
core::Result<std::vector<Row>> read_all(core::Result<std::vector<SqlRow>> rows, Read read) {
  if (!rows) return std::unexpected(rows.error());
  std::vector<Row> out;
  out.reserve(rows->size());
  for (const SqlRow& r : *rows) out.push_back(read(r));
  return out;
}

}  // namespace

core::Result<Journal::Extent> Journal::extent(const std::string& run_id) {
  auto rows = query(
      "SELECT (SELECT COALESCE(MAX(seq), 0) FROM order_events WHERE run_id = ?), "
      "(SELECT COALESCE(MAX(seq), 0) FROM decisions WHERE run_id = ?), (SELECT COUNT(*) FROM days WHERE run_id = ?)",
      {run_id, run_id, run_id});
  if (!rows) return std::unexpected(rows.error());
  const SqlRow& r = rows->front();
  return Extent{.events = r.int64(0), .decisions = r.int64(1), .days = r.int64(2)};
}

core::Result<std::vector<JournalOrder>> Journal::orders(const std::string& run_id) {
  return read_all<JournalOrder>(
      query("SELECT order_id, client_order_id, date, created_ns, ticker, side, type, tif, tag, origin, quantity, "
            "limit_price, stop_price, parent FROM orders WHERE run_id = ? ORDER BY order_id",
            {run_id}),
      [](const SqlRow& s) {
        return JournalOrder{.order_id = s.int64(0), .client_order_id = s.text(1), .date = day_of(s.int64(2)),
                            .created_ns = s.int64(3), .ticker = s.text(4), .side = s.text(5), .type = s.text(6),
                            .tif = s.text(7), .tag = s.text(8), .origin = s.text(9), .quantity = s.real(10),
                            .limit_price = s.real(11), .stop_price = s.real(12), .parent = s.int64(13)};
      });
}

core::Result<std::vector<JournalEvent>> Journal::events(const std::string& run_id) {
  return read_all<JournalEvent>(
      query("SELECT seq, order_id, client_order_id, kind, ts, execution_id, ticker, side, quantity, price, commission, "
            "reason FROM order_events WHERE run_id = ? ORDER BY seq",
            {run_id}),
      [](const SqlRow& s) {
        return JournalEvent{.seq = s.int64(0), .order_id = s.int64(1), .client_order_id = s.text(2), .kind = s.text(3),
                            .ts = s.int64(4), .execution_id = s.text(5), .ticker = s.text(6), .side = s.text(7),
                            .quantity = s.real(8), .price = s.real(9), .commission = s.real(10), .reason = s.text(11)};
      });
}

core::Result<std::vector<JournalDay>> Journal::days(const std::string& run_id) {
  return read_all<JournalDay>(
      query("SELECT date, equity, cash, market_value, gross_exposure, positions, benchmark, orders_sent, "
            "last_event_seq FROM days WHERE run_id = ? ORDER BY date",
            {run_id}),
      [](const SqlRow& s) {
        return JournalDay{.date = day_of(s.int64(0)), .equity = s.real(1), .cash = s.real(2),
                          .market_value = s.real(3), .gross_exposure = s.real(4), .positions = s.int64(5),
                          .benchmark = s.real(6), .orders_sent = s.int64(7), .last_event_seq = s.int64(8)};
      });
}

core::Result<std::vector<JournalPosition>> Journal::positions(const std::string& run_id, core::Date date) {
  return read_all<JournalPosition>(
      query("SELECT date, ticker, quantity, average_cost, last_price, market_value, unrealized, entry_date, stop_level "
            "FROM positions WHERE run_id = ? AND date = ? ORDER BY ticker",
            {run_id, days_of(date)}),
      [](const SqlRow& s) {
        return JournalPosition{.date = day_of(s.int64(0)), .ticker = s.text(1), .quantity = s.real(2),
                               .average_cost = s.real(3), .last_price = s.real(4), .market_value = s.real(5),
                               .unrealized = s.real(6), .entry_date = day_of(s.int64(7)), .stop_level = s.real(8)};
      });
}

core::Result<std::vector<JournalPrediction>> Journal::predictions(const std::string& run_id, core::Date date) {
  return read_all<JournalPrediction>(
      query("SELECT date, ticker, score FROM predictions WHERE run_id = ? AND date = ? ORDER BY ticker",
            {run_id, days_of(date)}),
      [](const SqlRow& s) {
        return JournalPrediction{.date = day_of(s.int64(0)), .ticker = s.text(1), .score = s.real(2), .model = {}};
      });
}

core::Result<std::vector<JournalPrediction>> Journal::predictions(const std::string& run_id) {
  return read_all<JournalPrediction>(
      query("SELECT date, ticker, score, model FROM predictions WHERE run_id = ? ORDER BY date, ticker", {run_id}),
      [](const SqlRow& s) {
        return JournalPrediction{.date = day_of(s.int64(0)), .ticker = s.text(1), .score = s.real(2), .model = s.text(3)};
      });
}

core::Result<std::vector<JournalStart>> Journal::starts(const std::string& run_id) {
  return read_all<JournalStart>(
      query("SELECT started_at, pid, note FROM run_starts WHERE run_id = ? ORDER BY started_at, pid", {run_id}),
      [](const SqlRow& s) { return JournalStart{.started_at = s.text(0), .pid = s.int64(1), .note = s.text(2)}; });
}

core::Status Journal::log_cycle(const std::string& run_id, const JournalCycle& c) {
  return execute("INSERT INTO cycles(run_id, started_at, session, duration_ms, result, broker_requests, broker_errors, "
                 "broker_seconds) VALUES(?,?,?,?,?,?,?,?)",
                 {run_id, c.started_at, days_of(c.session), c.duration_ms, c.result, c.broker_requests, c.broker_errors,
                  c.broker_seconds});
}

core::Result<std::vector<JournalCycle>> Journal::cycles(const std::string& run_id) {
  return read_all<JournalCycle>(
      query(fmt::format("SELECT started_at, session, duration_ms, result, broker_requests, broker_errors, broker_seconds "
                        "FROM cycles WHERE run_id = ? ORDER BY {}",
                        db_->insertion_order()),
            {run_id}),
      [](const SqlRow& s) {
        return JournalCycle{.started_at = s.text(0), .session = day_of(s.int64(1)), .duration_ms = s.real(2),
                            .result = s.text(3), .broker_requests = s.int64(4), .broker_errors = s.int64(5),
                            .broker_seconds = s.real(6)};
      });
}

core::Status Journal::log_broker_link(const std::string& run_id, const JournalBrokerLink& link) {
  return execute("INSERT INTO broker_link(run_id, at, state, detail) VALUES(?,?,?,?)",
                 {run_id, link.at, link.state, link.detail});
}

core::Result<std::vector<JournalBrokerLink>> Journal::broker_links(const std::string& run_id) {
  return read_all<JournalBrokerLink>(
      query(fmt::format("SELECT at, state, detail FROM broker_link WHERE run_id = ? ORDER BY {}",
                        db_->insertion_order()),
            {run_id}),
      [](const SqlRow& s) { return JournalBrokerLink{.at = s.text(0), .state = s.text(1), .detail = s.text(2)}; });
}

core::Result<std::vector<JournalDecision>> Journal::decisions(const std::string& run_id) {
  return read_all<JournalDecision>(
      query("SELECT seq, date, kind, detail FROM decisions WHERE run_id = ? ORDER BY seq", {run_id}),
      [](const SqlRow& s) {
        return JournalDecision{.seq = s.int64(0), .date = day_of(s.int64(1)), .kind = s.text(2), .detail = s.text(3)};
      });
}

}  // namespace kestrel::store
