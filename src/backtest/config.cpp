#include "backtest/config.hpp"

#include <algorithm>
#include <limits>
#include <sstream>

#include <toml++/toml.h>

#include "core/toml_reader.hpp"

#include "core/checksum.hpp"
#include "core/paths.hpp"
#include "store/csv_folder.hpp"
#include "store/snapshot.hpp"
#include "store/text_file.hpp"
#include "scoring/model_signal_strategy.hpp"
#include "strategy/buy_and_hold.hpp"
#include "strategy/predictions.hpp"

namespace kestrel::backtest {

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::Backtest: return "backtest";
    case Mode::Paper: return "paper";
    case Mode::Live: return "live";
  }
  return "?";
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using core::join;
using core::TomlReader;

core::Status apply_override(toml::table& root, const Override& o) {
  if (o.key.empty()) return core::fail("override '={}': empty key", o.value);
  toml::table* t = &root;
  std::string_view rest = o.key;
  for (;;) {
    const auto dot = rest.find('.');
    if (dot == std::string_view::npos) break;
    const std::string part(rest.substr(0, dot));
    rest.remove_prefix(dot + 1);
    toml::node* n = t->get(part);
    if (n == nullptr) {
      t->insert(part, toml::table{});
      n = t->get(part);
    }
    if (!n->is_table()) return core::fail("override {}: '{}' is not a table", o.key, part);
    t = n->as_table();
  }
  const std::string key(rest);
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + o.value);
  } catch (const toml::parse_error&) {
    t->insert_or_assign(key, o.value);  // a bare word: a string
    return {};
  }
  const toml::node& v = *parsed.get("v");
  if (auto i = v.value_exact<std::int64_t>()) {
    t->insert_or_assign(key, *i);
  } else if (auto d = v.value_exact<double>()) {
    t->insert_or_assign(key, *d);
  } else if (auto b = v.value_exact<bool>()) {
    t->insert_or_assign(key, *b);
  } else if (auto s = v.value_exact<std::string>()) {
    t->insert_or_assign(key, *s);
  } else if (auto dt = v.value_exact<toml::date>()) {
    t->insert_or_assign(key, *dt);
  } else if (const toml::array* a = v.as_array()) {
    t->insert_or_assign(key, *a);
  } else {
    return core::fail("override {}: unsupported value '{}'", o.key, o.value);
  }
  return {};
}

void read_strategy(TomlReader& r, const toml::table& t, StrategyConfig& s) {
  const int type = r.choice(t, "type", "strategy", {"buy_and_hold", "sma_crossover", "momentum", "signal", "model"});
  if (t.get("type") == nullptr) {
    r.error(&t, "strategy.type", "missing (buy_and_hold, sma_crossover, momentum, signal or model)");
  }
  switch (type) {
    case 0:
      s.type = "buy_and_hold";
      r.only(t, "strategy", {"type", "tickers"});
      r.strings(t, "tickers", "strategy", s.tickers);
      break;
    case 1:
      s.type = "sma_crossover";
      r.only(t, "strategy", {"type", "fast", "slow", "position_weight", "max_gap"});
      r.count(t, "max_gap", "strategy", s.sma.max_gap, 0);
      r.count(t, "fast", "strategy", s.sma.fast, 1);
      r.count(t, "slow", "strategy", s.sma.slow, 2);
      r.number(t, "position_weight", "strategy", s.sma.position_weight, 1e-6, 1);
      if (s.sma.fast >= s.sma.slow) r.error(t.get("fast"), "strategy.fast", "must be less than strategy.slow");
      break;
    case 2:
      s.type = "momentum";
      r.only(t, "strategy", {"type", "lookback", "skip", "top_k", "rebalance_every", "gross"});
      r.count(t, "lookback", "strategy", s.momentum.lookback, 2);
      r.count(t, "skip", "strategy", s.momentum.skip, 0);
      r.count(t, "top_k", "strategy", s.momentum.top_k, 1);
      r.count(t, "rebalance_every", "strategy", s.momentum.rebalance_every, 1);
      r.number(t, "gross", "strategy", s.momentum.gross, 1e-6, 10);
      if (s.momentum.skip >= s.momentum.lookback) r.error(t.get("skip"), "strategy.skip", "must be less than strategy.lookback");
      break;
    case 3:
      s.type = "signal";
      r.only(t, "strategy",
             {"type", "predictions", "top_k", "long_short", "gross", "min_confidence", "hold_band", "rebalance_every",
              "min_hold_days", "min_gain", "news", "event_stop"});
      r.path_value(t, "news", "strategy", s.news);
      if (t.get("event_stop") != nullptr) {
        double level = 0;
        r.number(t, "event_stop", "strategy", level, -1, 1);
        s.signal.event_stop = level;
        if (s.news.empty()) r.error(t.get("event_stop"), "strategy.event_stop", "needs strategy.news: the sentiment it reads");
      }
      r.count(t, "hold_band", "strategy", s.signal.hold_band, 0);
      r.number(t, "min_gain", "strategy", s.signal.min_gain, 0, kInf);
      r.count(t, "min_hold_days", "strategy", s.signal.min_hold_days, 0);
      r.count(t, "rebalance_every", "strategy", s.signal.rebalance_every, 1);
      r.path_value(t, "predictions", "strategy", s.predictions);
      if (s.predictions.empty()) r.error(&t, "strategy.predictions", "missing: a CSV file date,ticker,score[,confidence]");
      r.count(t, "top_k", "strategy", s.signal.top_k, 1);
      r.boolean(t, "long_short", "strategy", s.signal.long_short);
      r.number(t, "gross", "strategy", s.signal.gross, 1e-6, 10);
      r.number(t, "min_confidence", "strategy", s.signal.min_confidence, -kInf, kInf);
      break;
    case 4:
      s.type = "model";
      r.only(t, "strategy",
             {"type", "model", "top_k", "long_short", "gross", "hold_band", "rebalance_every", "min_hold_days", "min_gain"});
      r.count(t, "hold_band", "strategy", s.signal.hold_band, 0);
      r.number(t, "min_gain", "strategy", s.signal.min_gain, 0, kInf);
      r.count(t, "min_hold_days", "strategy", s.signal.min_hold_days, 0);
      r.count(t, "rebalance_every", "strategy", s.signal.rebalance_every, 1);
      r.path_value(t, "model", "strategy", s.model);
      if (s.model.empty()) r.error(&t, "strategy.model", "missing: a model folder saved by `kestrel pipeline`");
      r.count(t, "top_k", "strategy", s.signal.top_k, 1);
      r.boolean(t, "long_short", "strategy", s.signal.long_short);
      r.number(t, "gross", "strategy", s.signal.gross, 1e-6, 10);
      break;
    default:
      break;
  }
}

void read_execution(TomlReader& r, const toml::table& t, BacktestConfig& c) {
  r.only(t, "execution", {"time_in_force", "participation_cap", "slippage", "commission"});
  if (int tif = r.choice(t, "time_in_force", "execution", {"day", "gtc"}); tif >= 0) {
    c.time_in_force = tif == 0 ? execution::TimeInForce::Day : execution::TimeInForce::Gtc;
  }
  r.number(t, "participation_cap", "execution", c.broker.participation_cap, 0, 1);
  if (const toml::table* s = r.table(t, "slippage", "execution")) {
    auto& m = c.broker.slippage;
    const int model = r.choice(*s, "model", "execution.slippage", {"none", "fixed_bps", "spread_volatility", "square_root"});
    if (model >= 0) m.kind = static_cast<sim::SlippageModel::Kind>(model);
    r.only(*s, "execution.slippage", {"model", "bps", "half_spread_bps", "volatility_multiplier", "impact_coefficient", "window"});
    r.number(*s, "bps", "execution.slippage", m.bps, 0, 10000);
    r.number(*s, "half_spread_bps", "execution.slippage", m.half_spread_bps, 0, 10000);
    r.number(*s, "volatility_multiplier", "execution.slippage", m.volatility_multiplier, 0, 100);
    r.number(*s, "impact_coefficient", "execution.slippage", m.impact_coefficient, 0, 100);
    r.count(*s, "window", "execution.slippage", m.window, 2);
  }
  if (const toml::table* s = r.table(t, "commission", "execution")) {
    auto& m = c.broker.commission;
    const int model = r.choice(*s, "model", "execution.commission", {"none", "per_share", "bps", "zero"});
    if (model >= 0) m.kind = static_cast<sim::CommissionModel::Kind>(model);
    if (m.kind == sim::CommissionModel::Kind::PerShare) {
      m.per_share = 0.005;  // Interactive Brokers' fixed-rate schedule
      m.minimum = 1.0;
      m.maximum_fraction = 0.01;
    }
    if (m.kind == sim::CommissionModel::Kind::ZeroWithFees) {
      m.sec_fee_rate = 27.8e-6;       // SEC Section 31 fee: $27.80 per million sold
      m.finra_taf_per_share = 0.000166;  // FINRA trading activity fee per share sold…
      m.finra_taf_max = 8.30;            // …capped per trade
    }
    r.only(*s, "execution.commission",
           {"model", "per_share", "minimum", "maximum_fraction", "bps", "sec_fee_rate", "finra_taf_per_share", "finra_taf_max"});
    r.number(*s, "per_share", "execution.commission", m.per_share, 0, 100);
    r.number(*s, "minimum", "execution.commission", m.minimum, 0, 1e6);
    r.number(*s, "maximum_fraction", "execution.commission", m.maximum_fraction, 0, 1);
    r.number(*s, "bps", "execution.commission", m.bps, 0, 10000);
    r.number(*s, "sec_fee_rate", "execution.commission", m.sec_fee_rate, 0, 1);
    r.number(*s, "finra_taf_per_share", "execution.commission", m.finra_taf_per_share, 0, 1);
    r.number(*s, "finra_taf_max", "execution.commission", m.finra_taf_max, 0, 1e6);
  }
}

void read_risk(TomlReader& r, const toml::table& t, RiskSettings& risk) {
  r.only(t, "risk", {"enabled", "preset", "max_order_fraction", "max_position_fraction", "max_sector_fraction",
                     "max_gross_exposure", "min_cash_fraction", "max_positions", "min_position_value",
                     "daily_loss_limit", "losing_streak_length", "losing_streak_size_factor", "max_drawdown",
                     "flatten_on_kill", "kill_switch_date", "max_capital", "max_order_value", "min_open_confidence",
                     "drawdown_steps"});
  risk::RiskLimits& l = risk.limits;
  // A preset first; keys written beside it override its values.
  std::string preset;
  r.text(t, "preset", "risk", preset);
  if (!preset.empty()) {
    if (auto p = risk::risk_preset(preset)) {
      l = *p;
    } else {
      std::string known;
      for (const auto& n : risk::risk_preset_names()) known += (known.empty() ? "" : ", ") + n;
      r.error(t.get("preset"), "risk.preset", fmt::format("unknown preset '{}' (known: {})", preset, known));
    }
  }
  r.number(t, "max_capital", "risk", l.max_capital, -kInf, kInf);
  r.number(t, "max_order_value", "risk", l.max_order_value, -kInf, kInf);
  r.number(t, "min_open_confidence", "risk", l.min_open_confidence, -kInf, kInf);
  r.boolean(t, "enabled", "risk", risk.enabled);
  // Types here; ranges all at once by the risk manager's own validation below.
  r.number(t, "max_order_fraction", "risk", l.max_order_fraction, -kInf, kInf);
  r.number(t, "max_position_fraction", "risk", l.max_position_fraction, -kInf, kInf);
  r.number(t, "max_sector_fraction", "risk", l.max_sector_fraction, -kInf, kInf);
  r.number(t, "max_gross_exposure", "risk", l.max_gross_exposure, -kInf, kInf);
  r.number(t, "min_cash_fraction", "risk", l.min_cash_fraction, -kInf, kInf);
  r.number(t, "min_position_value", "risk", l.min_position_value, -kInf, kInf);
  r.number(t, "daily_loss_limit", "risk", l.daily_loss_limit, -kInf, kInf);
  r.number(t, "losing_streak_size_factor", "risk", l.losing_streak_size_factor, -kInf, kInf);
  r.number(t, "max_drawdown", "risk", l.max_drawdown, -kInf, kInf);
  std::size_t max_positions = static_cast<std::size_t>(l.max_positions);
  r.count(t, "max_positions", "risk", max_positions, 0);
  l.max_positions = static_cast<int>(std::min<std::size_t>(max_positions, 1'000'000));
  std::size_t streak = static_cast<std::size_t>(l.losing_streak_length);
  r.count(t, "losing_streak_length", "risk", streak, 0);
  l.losing_streak_length = static_cast<int>(std::min<std::size_t>(streak, 1'000'000));
  r.boolean(t, "flatten_on_kill", "risk", l.flatten_on_kill);
  r.date(t, "kill_switch_date", "risk", risk.kill_switch_date);
  // drawdown_steps = [[0.05, 0.75], [0.10, 0.5]]: pairs of numbers.
  if (const toml::node* steps = t.get("drawdown_steps")) {
    l.drawdown_steps.clear();
    const toml::array* list = steps->as_array();
    bool ok = list != nullptr;
    if (ok) {
      for (const toml::node& step : *list) {
        const toml::array* pair = step.as_array();
        const auto from = pair != nullptr && pair->size() == 2 ? (*pair)[0].value<double>() : std::nullopt;
        const auto scale = pair != nullptr && pair->size() == 2 ? (*pair)[1].value<double>() : std::nullopt;
        if (!from || !scale) {
          ok = false;
          break;
        }
        l.drawdown_steps.emplace_back(*from, *scale);
      }
    }
    if (!ok) {
      r.error(steps, "risk.drawdown_steps",
              "expected a list of [drawdown, scale] pairs of numbers, e.g. [[0.05, 0.75], [0.10, 0.5]]");
    }
  }
  if (auto s = risk::RiskManager::validate(l); !s) r.error(&t, "risk", s.error().message);
}

}  // namespace

core::Result<BacktestConfig> parse_backtest_config(std::string_view text, std::string_view source,
                                                   const std::filesystem::path& base_dir,
                                                   const std::vector<Override>& overrides) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return core::fail("{}:{}:{}: {}", source, e.source().begin.line, e.source().begin.column, e.description());
  }
  for (const auto& o : overrides) {
    if (auto s = apply_override(root, o); !s) return std::unexpected(s.error());
  }
  BacktestConfig c;
  TomlReader r{std::string(source), base_dir};
  r.only(root, "", {"mode", "name", "seed", "data", "portfolio", "execution", "rules", "risk", "strategy", "node"});
  if (int mode = r.choice(root, "mode", "", {"backtest", "paper", "live"}); mode >= 0) c.mode = static_cast<Mode>(mode);
  r.plain_name(root, "name", "", c.name);
  std::size_t seed = 0;
  r.count(root, "seed", "", seed, 0);
  c.seed = seed;

  if (const toml::table* t = r.table(root, "data", "")) {
    r.only(*t, "data", {"csv_dir", "snapshot", "db", "tickers", "exclude", "benchmark", "start", "end"});
    r.path_value(*t, "csv_dir", "data", c.data.csv_dir);
    r.path_value(*t, "snapshot", "data", c.data.snapshot);
    r.path_value(*t, "db", "data", c.data.db);
    r.strings(*t, "tickers", "data", c.data.tickers);
    r.strings(*t, "exclude", "data", c.data.exclude);
    r.text(*t, "benchmark", "data", c.data.benchmark);
    r.date(*t, "start", "data", c.data.start);
    r.date(*t, "end", "data", c.data.end);
    const int sources = !c.data.csv_dir.empty() + !c.data.snapshot.empty() + !c.data.db.empty();
    if (sources != 1) r.error(t, "data", "set exactly one of csv_dir, snapshot or db");
    if (c.data.start && c.data.end && *c.data.end < *c.data.start) r.error(t->get("end"), "data.end", "is before data.start");
  } else {
    r.error(nullptr, "data", "missing table [data] (csv_dir, snapshot or db)");
  }

  if (const toml::table* t = r.table(root, "portfolio", "")) {
    r.only(*t, "portfolio", {"initial_cash", "allow_short", "borrow_rate", "method", "lookback_days", "max_weight",
                             "max_sector_weight", "min_cash", "max_positions", "max_turnover"});
    const int method = r.choice(*t, "method", "portfolio",
                                {"equal_weight", "inverse_volatility", "minimum_variance", "max_sharpe",
                                 "equal_risk_contribution", "hierarchical_risk_parity"});
    if (method >= 0) {
      PortfolioConstruction pc;
      pc.method = static_cast<allocation::AllocationMethod>(method);
      r.count(*t, "lookback_days", "portfolio", pc.lookback_days, 20);
      auto& k = pc.constraints;
      r.number(*t, "max_weight", "portfolio", k.max_weight, 1e-6, 1);
      r.number(*t, "max_sector_weight", "portfolio", k.max_sector_weight, 1e-6, 1);
      r.number(*t, "min_cash", "portfolio", k.min_cash, 0, 0.99);
      std::size_t max_positions = static_cast<std::size_t>(k.max_positions);
      r.count(*t, "max_positions", "portfolio", max_positions, 1);
      k.max_positions = static_cast<int>(std::min<std::size_t>(max_positions, 100'000));
      double turnover = 0;
      r.number(*t, "max_turnover", "portfolio", turnover, 0, 2);
      if (t->get("max_turnover") != nullptr) k.max_turnover = turnover;
      c.construction = pc;
    } else {
      for (const char* key : {"lookback_days", "max_weight", "max_sector_weight", "min_cash", "max_positions", "max_turnover"}) {
        if (t->get(key) != nullptr && t->get("method") == nullptr) {
          r.error(t->get(key), fmt::format("portfolio.{}", key), "needs portfolio.method");
        }
      }
    }
    double cash = c.portfolio.initial_cash.to_double();
    r.number(*t, "initial_cash", "portfolio", cash, 1, 1e12);
    c.portfolio.initial_cash = core::Money::round(cash);
    r.boolean(*t, "allow_short", "portfolio", c.portfolio.allow_short);
    r.number(*t, "borrow_rate", "portfolio", c.portfolio.borrow_rate, 0, 1);
  }
  if (const toml::table* t = r.table(root, "execution", "")) read_execution(r, *t, c);
  if (const toml::table* t = r.table(root, "rules", "")) {
    r.only(*t, "rules",
           {"stop_loss", "breakeven_after", "trail", "time_stop_days", "max_positions", "min_position", "attach_stop"});
    r.boolean(*t, "attach_stop", "rules", c.rules.attach_stop);
    r.number(*t, "stop_loss", "rules", c.rules.stop_loss, 0, 0.99);
    r.number(*t, "breakeven_after", "rules", c.rules.breakeven_after, 0, 100);
    r.number(*t, "trail", "rules", c.rules.trail, 0, 0.99);
    r.count(*t, "time_stop_days", "rules", c.rules.time_stop_days, 0);
    r.count(*t, "max_positions", "rules", c.rules.max_positions, 0);
    double min_position = c.rules.min_position.to_double();
    r.number(*t, "min_position", "rules", min_position, 0, 1e12);
    c.rules.min_position = core::Money::round(min_position);
  }
  if (const toml::table* t = r.table(root, "risk", "")) read_risk(r, *t, c.risk);
  if (const toml::table* t = r.table(root, "node", "")) {
    r.only(*t, "node", {"journal", "kill_file", "drop_dir", "execution", "poll_seconds", "close_delay_minutes", "start",
                        "alpaca_trading_url", "alpaca_stream_url", "alpaca_key_file", "collect", "alpaca_data_url",
                        "alpaca_feed", "alpaca_data_calls_per_minute", "retrain"});
    r.number(*t, "alpaca_data_calls_per_minute", "node", c.node.alpaca_data_calls_per_minute, 1, 1e6);
    if (r.choice(*t, "collect", "node", {"alpaca"}) == 0) c.node.collect = "alpaca";
    r.text(*t, "alpaca_data_url", "node", c.node.alpaca_data_url);
    if (const int e = r.choice(*t, "alpaca_feed", "node", {"sip", "iex"}); e >= 0) c.node.alpaca_feed = e == 0 ? "sip" : "iex";
    r.text(*t, "alpaca_trading_url", "node", c.node.alpaca_trading_url);
    r.text(*t, "alpaca_stream_url", "node", c.node.alpaca_stream_url);
    r.path_value(*t, "alpaca_key_file", "node", c.node.alpaca_key_file);
    r.location_value(*t, "journal", "node", c.node.journal);
    r.path_value(*t, "kill_file", "node", c.node.kill_file);
    r.path_value(*t, "drop_dir", "node", c.node.drop_dir);
    if (const int e = r.choice(*t, "execution", "node", {"sim", "alpaca-paper", "alpaca-live"}); e >= 0) {
      c.node.execution = e == 0 ? "sim" : e == 1 ? "alpaca-paper" : "alpaca-live";
    }
    r.count(*t, "poll_seconds", "node", c.node.poll_seconds, 1);
    r.count(*t, "close_delay_minutes", "node", c.node.close_delay_minutes, 0);
    r.date(*t, "start", "node", c.node.start);
    if (const toml::table* rt = r.table(*t, "retrain", "node")) {
      RetrainSettings retrain;
      r.only(*rt, "node.retrain", {"pipeline", "out", "model", "shadow_days", "valid_days", "margin_z"});
      r.path_value(*rt, "pipeline", "node.retrain", retrain.pipeline);
      r.path_value(*rt, "out", "node.retrain", retrain.out);
      r.text(*rt, "model", "node.retrain", retrain.model);
      r.count(*rt, "shadow_days", "node.retrain", retrain.shadow_days, 2);
      r.count(*rt, "valid_days", "node.retrain", retrain.valid_days, 1);
      r.number(*rt, "margin_z", "node.retrain", retrain.margin_z, 0, 10);
      for (const auto& [key, missing] : {std::pair{"pipeline", retrain.pipeline.empty()},
                                         std::pair{"out", retrain.out.empty()}, std::pair{"model", retrain.model.empty()}}) {
        if (missing) r.error(rt, std::string("node.retrain.") + key, "required (see docs/trading.md, \"Monthly retraining\")");
      }
      c.node.retrain = std::move(retrain);
    }
  }
  if (const toml::table* t = r.table(root, "strategy", "")) {
    read_strategy(r, *t, c.strategy);
  } else {
    r.error(nullptr, "strategy", "missing table [strategy] (type = buy_and_hold, sma_crossover, momentum, signal or model)");
  }
  if (c.node.retrain && c.strategy.type != "model") {
    r.error(nullptr, "node.retrain", "retrains the traded model: needs [strategy] type = \"model\"");
  }
  if (!r.errors.empty()) {
    std::string all;
    for (const auto& e : r.errors) all += (all.empty() ? "" : "\n") + e;
    return core::fail("{} problem(s) in the configuration:\n{}", r.errors.size(), all);
  }
  std::ostringstream out;
  out << root;
  c.effective_text = out.str();
  c.hash = fmt::format("{:016x}", core::xxh64(std::as_bytes(std::span(c.effective_text.data(), c.effective_text.size()))));
  return c;
}

core::Result<BacktestConfig> read_backtest_config(const std::filesystem::path& path, const std::vector<Override>& overrides) {
  auto text = store::read_text_file(path);
  if (!text) return std::unexpected(text.error());
  return parse_backtest_config(*text, path.string(), path.parent_path(), overrides);
}

core::Result<store::Panel> load_panel(const DataConfig& data) {
  if (!data.csv_dir.empty()) return store::load_csv_panel(data.csv_dir);
  if (!data.snapshot.empty()) return store::Panel::load(data.snapshot);
  return store::open_research_panel(data.db, core::default_snapshot_path(data.db));
}

core::Result<EngineConfig> make_engine_config(const BacktestConfig& c, const store::Panel& panel) {
  EngineConfig e;
  e.name = c.name;
  e.start = c.data.start;
  e.end = c.data.end;
  e.portfolio = c.portfolio;
  e.broker = c.broker;
  e.rules = c.rules;
  e.risk = c.risk;
  e.construction = c.construction;
  if (e.construction) e.construction->constraints.min_position_value = c.rules.min_position.to_double();
  e.rebalance_tif = c.time_in_force;
  std::vector<std::string> missing;
  auto index = [&](const std::string& ticker) -> std::optional<InstrumentId> {
    if (auto i = panel.ticker_index(ticker)) return static_cast<InstrumentId>(*i);
    missing.push_back(ticker);
    return std::nullopt;
  };
  if (!c.data.benchmark.empty()) e.benchmark = index(c.data.benchmark);
  std::vector<bool> excluded(panel.num_tickers(), false);
  for (const auto& t : c.data.exclude) {
    if (auto i = index(t)) excluded[*i] = true;
  }
  if (c.data.tickers.empty()) {
    for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
      if (!excluded[i]) e.universe.push_back(static_cast<InstrumentId>(i));
    }
  } else {
    for (const auto& t : c.data.tickers) {
      if (auto i = index(t); i && !excluded[*i]) e.universe.push_back(*i);
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return core::fail("tickers not in the market data: {}", list);
  }
  if (e.universe.empty()) return core::fail("the tradable universe is empty (data.tickers / data.exclude)");
  return e;
}

core::Result<std::unique_ptr<strategy::Strategy>> make_strategy(const BacktestConfig& c, const store::Panel& panel) {
  const StrategyConfig& s = c.strategy;
  if (s.type == "buy_and_hold") {
    std::vector<InstrumentId> ids;
    for (const auto& t : s.tickers) {
      auto i = panel.ticker_index(t);
      if (!i) return core::fail("strategy.tickers: '{}' is not in the market data", t);
      ids.push_back(static_cast<InstrumentId>(*i));
    }
    return std::make_unique<strategy::BuyAndHold>(std::move(ids));
  }
  if (s.type == "sma_crossover") return std::make_unique<strategy::SmaCrossover>(s.sma);
  if (s.type == "momentum") return std::make_unique<strategy::Momentum>(s.momentum);
  if (s.type == "signal") {
    auto predictions = strategy::read_predictions(s.predictions, panel);
    if (!predictions) return std::unexpected(predictions.error());
    std::vector<strategy::Prediction> news;
    if (!s.news.empty()) {
      auto read = strategy::read_predictions(s.news, panel);  // the same date,ticker,score shape
      if (!read) return std::unexpected(read.error());
      news = std::move(*read);
    }
    return std::make_unique<strategy::SignalStrategy>(std::move(*predictions), s.signal, std::move(news));
  }
  if (s.type == "model") {
    auto saved = scoring::load_saved_model(s.model);
    if (!saved) return std::unexpected(saved.error());
    const bool probabilities = saved->manifest.predicts_probability();
    auto source = std::make_unique<scoring::ModelScores>(scoring::ModelScorer(std::move(*saved)), panel);
    return std::make_unique<scoring::ModelSignalStrategy>(std::move(source), s.signal, probabilities);
  }
  return core::fail("strategy.type: unknown strategy '{}'", s.type);
}

}  // namespace kestrel::backtest
