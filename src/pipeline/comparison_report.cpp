#include "pipeline/comparison_report.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "analysis/svg_chart.hpp"
#include "analysis/svg_heatmap.hpp"
#include "evaluation/attention_maps.hpp"

namespace kestrel::pipeline {
namespace {

// A table both renderers share: a header row and body rows of text cells.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::string num(double x, int digits = 4) { return std::isfinite(x) ? fmt::format("{:.{}f}", x, digits) : "—"; }
std::string pct(double x) { return std::isfinite(x) ? fmt::format("{:.2f}%", 100 * x) : "—"; }

const char* kBaselines[] = {"always_up", "yesterday_direction", "momentum_sign"};

const ModelResult* find_model(const PipelineResult& r, const std::string& name) {
  for (const auto& m : r.models) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Table metrics_table(const PipelineResult& r, bool walk_forward) {
  Table t;
  t.header = {"model", "samples", "accuracy", "balanced acc.", "AUC", "MCC", "log loss", "IC", "rank IC", "ICIR", "IC dates"};
  std::vector<std::string> present;
  for (const char* b : kBaselines) {
    if (find_model(r, b) != nullptr) {
      present.push_back(b);
      t.header.push_back(fmt::format("beats {} on % of stocks", b));
    }
  }
  for (const auto& m : r.models) {
    const evaluation::MetricTable* table = walk_forward ? (m.walk_forward ? &*m.walk_forward : nullptr) : &m.fixed;
    if (table == nullptr) continue;
    const auto& c = table->overall.classification;
    const auto& ic = table->overall.ic;
    std::vector<std::string> row{m.name,         fmt::format("{}", c.samples), num(c.accuracy), num(c.balanced_accuracy),
                                 num(c.auc),     num(c.mcc),                   num(c.log_loss), num(ic.ic),
                                 num(ic.rank_ic), num(ic.icir, 3), fmt::format("{}", ic.dates)};
    for (const auto& b : present) {
      const ModelResult* base = find_model(r, b);
      const evaluation::MetricTable* bt = walk_forward ? (base->walk_forward ? &*base->walk_forward : nullptr) : &base->fixed;
      row.push_back(b == m.name || bt == nullptr ? "—" : pct(evaluation::share_of_stocks_beaten(*table, *bt)));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

// Every pair of models, stock by stock on the fixed split's test segment: on what share of
// stocks each has the higher accuracy (the plan's "beats LSTM on >= 70% of stocks"), and the
// sign test that says whether that split could be luck.
Table per_stock_pairs_table(const PipelineResult& r) {
  Table t;
  t.header = {"model A", "model B", "stocks", "A better", "B better", "ties", "A better on", "sign test p", "reading"};
  for (std::size_t a = 0; a < r.models.size(); ++a) {
    for (std::size_t b = a + 1; b < r.models.size(); ++b) {
      const auto c = evaluation::compare_per_stock(r.models[a].fixed, r.models[b].fixed);
      std::string reading = "—";
      if (c.compared > 0) {
        const bool decided = c.p_value < 0.05;
        const auto& better = c.wins >= c.losses ? r.models[a].name : r.models[b].name;
        reading = decided ? fmt::format("{} better on more stocks than luck explains", better)
                          : "no difference beyond luck";
      }
      t.rows.push_back({r.models[a].name, r.models[b].name, fmt::format("{}", c.compared), fmt::format("{}", c.wins),
                        fmt::format("{}", c.losses), fmt::format("{}", c.ties), pct(c.share),
                        c.compared == 0 ? "—" : num(c.p_value, 3), reading});
    }
  }
  return t;
}

// The ten features each model's validation AUC (or rank correlation) drops most without.
Table importance_table(const PipelineResult& r) {
  Table t;
  t.header = {"rank"};
  std::vector<const ModelResult*> with;
  for (const auto& m : r.models) {
    if (!m.importance) continue;
    with.push_back(&m);
    t.header.push_back(m.name);
  }
  std::vector<std::string> baseline{"(nothing shuffled)"};
  for (const auto* m : with) baseline.push_back(fmt::format("{} {}", m->importance->metric, num(m->importance->baseline)));
  t.rows.push_back(std::move(baseline));
  for (std::size_t k = 0; k < 10; ++k) {
    std::vector<std::string> row{fmt::format("{}", k + 1)};
    for (const auto* m : with) {
      const auto& f = m->importance->features;
      row.push_back(k < f.size() ? fmt::format("{} ({:+.4f})", f[k].feature, f[k].drop) : "—");
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

// The ten largest mean absolute SHAP values of each model that has its own attribution (XGBoost).
Table attribution_table(const PipelineResult& r) {
  Table t;
  t.header = {"rank"};
  std::vector<const ModelResult*> with;
  for (const auto& m : r.models) {
    if (m.attribution.empty()) continue;
    with.push_back(&m);
    t.header.push_back(m.name + " (mean abs. SHAP)");  // no "|": the markdown table would split
  }
  for (std::size_t k = 0; k < 10; ++k) {
    std::vector<std::string> row{fmt::format("{}", k + 1)};
    for (const auto* m : with) {
      row.push_back(k < m->attribution.size() ? fmt::format("{} ({:.4f})", m->attribution[k].feature, m->attribution[k].drop)
                                              : "—");
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

Table per_year_table(const PipelineResult& r, bool walk_forward) {
  Table t;
  t.header = {"model"};
  std::vector<std::string> years;
  for (const auto& m : r.models) {
    const auto* table = walk_forward ? (m.walk_forward ? &*m.walk_forward : nullptr) : &m.fixed;
    if (table == nullptr) continue;
    for (const auto& y : table->per_year) {
      if (std::find(years.begin(), years.end(), y.group) == years.end()) years.push_back(y.group);
    }
  }
  std::sort(years.begin(), years.end());
  for (const auto& y : years) t.header.push_back(y + " acc. / rank IC");
  for (const auto& m : r.models) {
    const auto* table = walk_forward ? (m.walk_forward ? &*m.walk_forward : nullptr) : &m.fixed;
    if (table == nullptr) continue;
    std::vector<std::string> row{m.name};
    for (const auto& y : years) {
      std::string cell = "—";
      for (const auto& row_y : table->per_year) {
        if (row_y.group == y) cell = fmt::format("{} / {}", num(row_y.classification.accuracy, 3), num(row_y.ic.rank_ic, 3));
      }
      row.push_back(cell);
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

// How each model of the fixed split was fitted: on how many of the training samples (CPU
// sizing subsamples the networks and logistic regression), for how long, how far
// it trained (epochs for the networks, boosting rounds for XGBoost) and what it settled on.
Table training_table(const PipelineResult& r) {
  Table t;
  t.header = {"model", "training samples", "fitted on", "fit + predict s", "epochs / rounds run", "best",
              "best valid. loss", "notes"};
  for (const auto& m : r.models) {
    const bool iterative = m.fit.epochs_run > 1 || m.fit.best_epoch > 0;
    t.rows.push_back({m.name, fmt::format("{}", m.train_samples), fmt::format("{}", m.fit.samples_fitted),
                      num(m.train_seconds, 1),
                      iterative ? fmt::format("{}", m.fit.epochs_run) : "—",
                      iterative ? fmt::format("{}", m.fit.best_epoch) : "—",
                      m.fit.validation_loss.empty() ? "—" : num(m.fit.best_validation_loss), m.fit.summary});
  }
  return t;
}

// A model beats buy-and-hold only if it does better on return, on risk-adjusted return and on
// drawdown; a model whose scores never rank the stocks gets no verdict at all (its backtest
// holds an arbitrary basket).
std::string verdict(const ModelResult& m, const std::string& benchmark, bool long_short) {
  if (m.fixed.overall.ic.dates == 0) return "no verdict: its scores do not rank the stocks";
  const auto& s = m.backtest->strategy;
  // A market-neutral book is not a substitute for holding the index: it is judged on its own.
  if (long_short) {
    return fmt::format("long-short: {} after costs (Sharpe {:.2f}; judged against zero, not buy-and-hold)",
                       s.annual_return > 0 && s.sharpe > 0 ? "earns" : "loses", s.sharpe);
  }
  const auto& b = m.backtest->benchmark;
  std::vector<std::string> worse;
  if (!(s.annual_return > b.annual_return)) worse.push_back("CAGR");
  if (!(s.sharpe > b.sharpe)) worse.push_back("Sharpe");
  if (s.max_drawdown < b.max_drawdown) worse.push_back("max drawdown");
  if (worse.empty()) return fmt::format("beats buy-and-hold {} (CAGR, Sharpe and drawdown)", benchmark);
  std::string list;
  for (const auto& w : worse) list += (list.empty() ? "" : ", ") + w;
  return fmt::format("loses to buy-and-hold {} ({})", benchmark, list);
}

Table backtest_table(const PipelineResult& r) {
  Table t;
  t.header = {"model", "total return", "CAGR", "volatility", "Sharpe", "max drawdown", "trades",
              "traded / capital", "costs / capital", "verdict"};
  const ModelResult* with_benchmark = nullptr;
  for (const auto& m : r.models) {
    if (!m.backtest) {
      t.rows.push_back({m.name, "—", "—", "—", "—", "—", "—", "—", "—", "backtest failed: " + m.backtest_error});
      continue;
    }
    if (with_benchmark == nullptr) with_benchmark = &m;
    // Costs: commissions as charged plus the fixed slippage on every traded dollar.
    const double capital = r.initial_cash;
    const double costs = m.commissions + m.traded_value * r.slippage_bps * 1e-4;
    const auto& s = m.backtest->strategy;
    t.rows.push_back({m.name, pct(s.total_return), pct(s.annual_return), pct(s.annual_volatility), num(s.sharpe, 2),
                      pct(s.max_drawdown), fmt::format("{}", m.trades),
                      capital > 0 ? fmt::format("{:.1f}x", m.traded_value / capital) : "—",
                      capital > 0 ? pct(costs / capital) : "—", verdict(m, r.benchmark, r.long_short)});
  }
  if (with_benchmark != nullptr) {
    // The yardstick itself, over the same days.
    const auto& b = with_benchmark->backtest->benchmark;
    t.rows.push_back({fmt::format("buy-and-hold {}", r.benchmark), pct(b.total_return), pct(b.annual_return),
                      pct(b.annual_volatility), num(b.sharpe, 2), pct(b.max_drawdown), "—", "—", "—", "benchmark"});
  }
  return t;
}

// How far back each attention head looks, per model and layer: the attention-weighted mean
// lag in trading days (what the heatmaps show, as numbers).
Table attention_table(const PipelineResult& r) {
  Table t;
  std::size_t heads = 0;
  for (const auto& m : r.models) {
    if (m.attention) heads = std::max(heads, m.attention->heads);
  }
  t.header = {"model", "layer"};
  for (std::size_t h = 0; h < heads; ++h) t.header.push_back(fmt::format("head {}", h + 1));
  t.header.push_back("on day t");
  t.header.push_back("spread evenly");
  for (const auto& m : r.models) {
    if (!m.attention) continue;
    const auto& a = *m.attention;
    for (std::size_t l = 0; l < a.layers; ++l) {
      std::vector<std::string> row{m.name, fmt::format("{}", l + 1)};
      double on_t = 0;
      for (std::size_t h = 0; h < heads; ++h) {
        row.push_back(h < a.heads ? fmt::format("{:.1f}", evaluation::mean_lag(a, l, h)) : "—");
        if (h < a.heads) on_t += a.at(l, h, a.window - 1) / static_cast<double>(a.heads);
      }
      row.push_back(pct(on_t));
      row.push_back(fmt::format("{:.1f} days, {}", static_cast<double>(a.window - 1) / 2, pct(1.0 / static_cast<double>(a.window))));
      t.rows.push_back(std::move(row));
    }
  }
  return t;
}

std::string markdown_table(const Table& t) {
  std::string s = "|";
  for (const auto& h : t.header) s += " " + h + " |";
  s += "\n|";
  for (std::size_t i = 0; i < t.header.size(); ++i) s += i == 0 ? "---|" : "---:|";
  s += "\n";
  for (const auto& row : t.rows) {
    s += "|";
    for (const auto& c : row) s += " " + c + " |";
    s += "\n";
  }
  return s;
}

std::string escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string html_table(const Table& t) {
  std::string s = "<table><thead><tr>";
  for (const auto& h : t.header) s += "<th>" + escape(h) + "</th>";
  s += "</tr></thead><tbody>";
  for (const auto& row : t.rows) {
    s += "<tr>";
    for (const auto& c : row) s += "<td>" + escape(c) + "</td>";
    s += "</tr>";
  }
  return s + "</tbody></table>\n";
}

// Each attention model's maps as one heatmap: a row per (layer, head), a column per day of the
// window, oldest at the left.
std::string attention_html(const PipelineResult& r) {
  std::string html;
  for (const auto& m : r.models) {
    if (!m.attention) continue;
    const auto& a = *m.attention;
    std::vector<std::string> rows, columns(a.window);
    for (std::size_t l = 0; l < a.layers; ++l) {
      for (std::size_t h = 0; h < a.heads; ++h) rows.push_back(fmt::format("layer {} head {}", l + 1, h + 1));
    }
    const std::size_t step = a.window <= 12 ? 1 : a.window <= 40 ? 5 : 10;
    for (std::size_t p = 0; p < a.window; ++p) {
      const std::size_t lag = a.window - 1 - p;
      if (lag % step == 0) columns[p] = lag == 0 ? "t" : fmt::format("t-{}", lag);
    }
    const double darkest = *std::max_element(a.weights.begin(), a.weights.end());
    html += fmt::format("<h3>{}: attention of day t over its {}-day window ({} test predictions)</h3>\n"
                        "<p>White is no attention, the darkest cell {}; attention spread evenly would give every "
                        "cell {}.</p>\n",
                        escape(m.name), a.window, a.samples, pct(darkest), pct(1.0 / static_cast<double>(a.window))) +
            analysis::svg_heatmap(rows, columns, a.weights, 1000, 14) + "\n";
  }
  return html;
}

std::string axis_drop(double v) { return fmt::format("{:+.4f}", v); }

// Each model's ten most important features (permutation) as bars, side by side.
std::string importance_html(const PipelineResult& r) {
  std::string html = "<div style=\"display:flex;flex-wrap:wrap;gap:0 24px\">";
  for (const auto& m : r.models) {
    if (!m.importance) continue;
    std::vector<std::pair<std::string, double>> bars;
    for (std::size_t k = 0; k < std::min<std::size_t>(10, m.importance->features.size()); ++k) {
      bars.emplace_back(m.importance->features[k].feature, m.importance->features[k].drop);
    }
    html += "<figure style=\"margin:0\"><figcaption>" + escape(m.name) + "</figcaption>" +
            analysis::svg_bar_chart(bars, 420, "#2563eb", axis_drop) + "</figure>";
  }
  return html + "</div>\n";
}

// The report as a sequence of blocks, so markdown and HTML say exactly the same.
struct Block {
  // Charts: the backtest and metric pictures in HTML, a pointer in markdown. Picture: `text`
  // is HTML shown only there (the numbers it draws are in a table next to it).
  enum Kind { Heading, Paragraph, List, TableBlock, Charts, Picture } kind;
  std::string text;
  std::vector<std::string> items;
  Table table;
};

std::vector<Block> blocks(const PipelineResult& r) {
  std::vector<Block> b;
  auto heading = [&](std::string s) { b.push_back({Block::Heading, std::move(s), {}, {}}); };
  auto para = [&](std::string s) { b.push_back({Block::Paragraph, std::move(s), {}, {}}); };
  auto list = [&](std::vector<std::string> items) { b.push_back({Block::List, {}, std::move(items), {}}); };
  auto table = [&](Table t) { b.push_back({Block::TableBlock, {}, {}, std::move(t)}); };

  heading(fmt::format("Model comparison: {}", r.name));
  std::vector<std::string> facts = {
      fmt::format("seed {}, config hash {}", r.seed, r.config_hash),
      fmt::format("data {} .. {}, {} tickers, {} features, label {}", r.first_date.to_string(), r.last_date.to_string(),
                  r.tickers, r.features, r.label),
      fmt::format("fixed split: {}", r.fixed_fold), fmt::format("backtests: {}", r.backtest_shape),
      fmt::format("run time {:.1f} s", r.seconds)};
  if (!r.sentiment.empty()) facts.insert(facts.begin() + 2, r.sentiment);
  list(std::move(facts));
  if (r.models.size() < r.models_planned) {
    para(fmt::format("PARTIAL: written mid-run after {} of {} models; the rest are still training.", r.models.size(),
                     r.models_planned));
  }
  if (r.flags.empty()) {
    para("Flags: none. The controls behaved as they must and no model's accuracy is implausibly high.");
  } else {
    para("FLAGGED: do not trust these results until the following is explained:");
    list(r.flags);
  }

  heading("Controls");
  if (r.controls.empty()) para("Controls were disabled in the config.");
  std::vector<std::string> controls;
  for (const auto& c : r.controls) controls.push_back(fmt::format("{}: {} — {}", c.name, c.passed ? "passed" : "FAILED", c.detail));
  if (!controls.empty()) list(controls);
  para(r.leak_flags.empty()
           ? fmt::format("Leak check on the real features: passed; strongest association {}.",
                         r.strongest_association.empty() ? "—" : r.strongest_association)
           : "Leak check on the real features: FLAGGED (see flags).");

  heading("Training (fixed split)");
  table(training_table(r));

  heading("Out-of-sample metrics: fixed split (test segment)");
  table(metrics_table(r, false));
  if (!r.walk_forward_folds.empty()) {
    heading("Out-of-sample metrics: walk-forward (all test folds pooled)");
    list(r.walk_forward_folds);
    table(metrics_table(r, true));
    heading("Walk-forward per year");
    table(per_year_table(r, true));
  } else {
    heading("Fixed split per year");
    table(per_year_table(r, false));
  }

  if (std::any_of(r.models.begin(), r.models.end(), [](const ModelResult& m) { return m.importance.has_value(); })) {
    heading("What each model relies on (permutation importance, validation window)");
    para("Each feature's values in the last dates of the validation window are shuffled across ticker-days and the "
         "model scores the window again; the number is how much its AUC (rank correlation for a return label) "
         "drops. Near zero or negative: the model does not use the feature, or it adds only noise. Measured on "
         "validation data, so it may guide feature choices without touching the test segment.");
    table(importance_table(r));
    b.push_back({Block::Picture, importance_html(r), {}, {}});
  }
  if (std::any_of(r.models.begin(), r.models.end(), [](const ModelResult& m) { return !m.attribution.empty(); })) {
    heading("The trees' own attribution (SHAP, validation window)");
    para("XGBoost's SHAP values (TreeSHAP, from its C API) on the same samples: each feature's mean absolute "
         "contribution to the score in log-odds. Where this ranks a feature high but permutation does not, the "
         "trees use it but the model would do as well without it (another feature carries the same information).");
    table(attribution_table(r));
  }
  if (std::any_of(r.models.begin(), r.models.end(), [](const ModelResult& m) { return m.attention.has_value(); })) {
    heading("Where the Transformer looks (attention, test segment)");
    para("For each encoder layer and head, the attention the last day of the window (day t, the one scored) gives "
         "each day of its window, averaged over a sample of test predictions. The table gives each head's "
         "attention-weighted mean lag in trading days and the share of attention on day t itself; attention spread "
         "evenly would give the last column. Attention shows what the model reads, not that reading it helps: "
         "compare with the permutation importance and the out-of-sample metrics.");
    table(attention_table(r));
    b.push_back({Block::Picture, attention_html(r), {}, {}});
  }

  if (r.models.size() > 1) {
    heading("Model against model, stock by stock (fixed split)");
    table(per_stock_pairs_table(r));
  }

  heading(fmt::format("Backtests of the test segment's predictions (after costs) against buy-and-hold {}", r.benchmark));
  table(backtest_table(r));
  b.push_back({Block::Charts, {}, {}, {}});

  if (r.agents) {
    heading("Reinforcement-learning agents (walk-forward on the scored dates, after the same costs)");
    para(fmt::format("PPO sizes each name, DQN decides when to enter and exit, ppo_dqn_system lets PPO size what DQN "
                     "lets in. They observe {}. They are trained before each validation period and stopped early on it, "
                     "and run once on the test period, with the rules beside them on the same environment, costs, "
                     "risk limits and trade rules as the backtests' kernel (docs/rl.md).",
                     r.agents_observe));
    list(r.agents->folds);
    Table t{{"strategy", "CAGR", "Sharpe", "Sortino", "max drawdown", "exposure", "turnover / year", "costs",
             "round trips", "entries won"},
            {}};
    for (const auto& s : r.agents->strategies) {
      t.rows.push_back({s.name + (s.halted ? " (halted)" : ""), pct(s.stats.annual_return), num(s.stats.sharpe, 2),
                        num(s.stats.sortino, 2), pct(s.stats.max_drawdown), pct(s.average_exposure),
                        fmt::format("{:.1f}x", s.annual_turnover),
                        pct(s.costs), std::to_string(s.round_trips),
                        s.round_trips > 0 ? pct(s.entry_accuracy) : "—"});
    }
    table(std::move(t));
    list(rl::verdicts(*r.agents));
  }
  heading("How to read this");
  list({"Accuracy is the share of test ticker-days whose direction the model called (score > 0.5); compare it "
        "with always_up, which scores the share of up days. Published out-of-sample daily direction accuracy "
        "is 50-55%; anything above 60% means leakage, not skill.",
        "AUC 0.5 is chance; IC and rank IC are per-date cross-sectional correlations of score and next-period "
        "return, averaged over the dates where the scores are not all equal (IC dates: few dates mean a noisy "
        "IC); ICIR is their mean over their standard deviation (daily, not annualised).",
        "\"beats X on N% of stocks\" counts the stocks (at least 20 test samples) where the model's accuracy "
        "exceeds baseline X's. Model against model: the same count for every pair, with the two-sided sign test "
        "(ties left out): p < 0.05 says the split of stocks is unlikely under \"each stock is a coin flip\"; "
        "with many pairs some will pass by luck.",
        "Backtests hold the top-k scored stocks long each day, after slippage and commissions. A model beats "
        "buy-and-hold of the benchmark (its row is the last) only with a higher CAGR, a higher Sharpe ratio and a "
        "drawdown no deeper over the same days; the verdict names what it lost on. A model whose scores never "
        "rank the stocks (no IC dates) gets no verdict. \"traded / capital\" is the value "
        "bought and sold over the test period as a multiple of the initial capital; \"costs / capital\" is the "
        "commissions plus the fixed slippage on that traded value, as a share of the initial capital: a daily "
        "top-k rebalance pays it whatever the model's skill.",
        "A model that gives every stock the same score (always_up) cannot rank: its backtest holds an arbitrary "
        "fixed basket (the first top-k tickers), so its backtest says nothing about the model.",
        "The universe is the index's members at a later date, not point in time: survivorship bias flatters "
        "every long-only backtest here, "
        "the benchmark excepted."});
  return b;
}

}  // namespace

std::string comparison_markdown(const PipelineResult& result) {
  std::string s;
  bool first = true;
  for (const auto& b : blocks(result)) {
    switch (b.kind) {
      case Block::Heading: s += fmt::format("{} {}\n\n", first ? "#" : "##", b.text); break;
      case Block::Paragraph: s += b.text + "\n\n"; break;
      case Block::List:
        for (const auto& i : b.items) s += "- " + i + "\n";
        s += "\n";
        break;
      case Block::TableBlock: s += markdown_table(b.table) + "\n"; break;
      case Block::Picture: break;
      case Block::Charts: s += "Charts (equity and drawdowns against the benchmark, rank IC by month, calibration): report.html\n\n"; break;
    }
    first = false;
  }
  return s;
}

// A colour per model, in the order of the models; the benchmark is black.
const char* model_colour(std::size_t k) {
  static constexpr const char* kColours[] = {"#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c",
                                             "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"};
  return kColours[k % std::size(kColours)];
}

std::string axis_dollars(double v) {
  return std::abs(v) >= 1e6 ? fmt::format("{:.2f}M", v / 1e6) : fmt::format("{:.0f}k", v / 1e3);
}
std::string axis_percent(double v) { return fmt::format("{:.0f}%", 100 * v); }
std::string axis_ic(double v) { return fmt::format("{:.2f}", v); }
std::string axis_probability(double v) { return fmt::format("{:.2f}", v); }

// The report's pictures (HTML only): equity and drawdown of every backtest against the
// benchmark, rank IC by month, and calibration. Inline SVG: no script, prints as it is.
std::string charts_html(const PipelineResult& r) {
  std::string html;
  const ModelResult* first = nullptr;
  for (const auto& m : r.models) {
    if (!m.equity_dates.empty() && (first == nullptr || m.equity_dates.size() > first->equity_dates.size())) first = &m;
  }
  if (first != nullptr) {
    // Each series on the longest backtest's dates (all cover the same test segment).
    auto on_dates = [&](const std::vector<core::Date>& dates, const std::vector<double>& values) {
      std::vector<double> out(first->equity_dates.size(), std::numeric_limits<double>::quiet_NaN());
      for (std::size_t k = 0, j = 0; k < dates.size(); ++k) {
        while (j < first->equity_dates.size() && first->equity_dates[j] < dates[k]) ++j;
        if (j < first->equity_dates.size() && first->equity_dates[j] == dates[k]) out[j] = values[k];
      }
      return out;
    };
    auto drawdowns = [](const std::vector<double>& equity) {
      std::vector<double> out(equity.size(), std::numeric_limits<double>::quiet_NaN());
      double peak = 0;
      for (std::size_t k = 0; k < equity.size(); ++k) {
        if (!std::isfinite(equity[k])) continue;
        peak = std::max(peak, equity[k]);
        out[k] = peak > 0 ? equity[k] / peak - 1 : 0;
      }
      return out;
    };
    std::vector<analysis::SvgSeries> equity, drawdown;
    for (std::size_t k = 0; k < r.models.size(); ++k) {
      const auto& m = r.models[k];
      if (m.equity_dates.empty()) continue;
      const auto e = on_dates(m.equity_dates, m.equity);
      equity.push_back({m.name, model_colour(k), e});
      drawdown.push_back({m.name, model_colour(k), drawdowns(e)});
    }
    const auto b = on_dates(first->equity_dates, first->benchmark_equity);
    equity.push_back({"buy-and-hold " + r.benchmark, "#111827", b});
    drawdown.push_back({"buy-and-hold " + r.benchmark, "#111827", drawdowns(b)});
    html += "<h2>Equity of each backtest against buy-and-hold " + escape(r.benchmark) + "</h2>\n" +
            analysis::svg_line_chart(first->equity_dates, equity, 1000, 300, axis_dollars) + "\n";
    html += "<h2>Drawdowns</h2>\n" + analysis::svg_line_chart(first->equity_dates, drawdown, 1000, 220, axis_percent) + "\n";
  }
  // Rank IC by month, on the union of the months.
  std::vector<core::Date> months;
  for (const auto& m : r.models) months.insert(months.end(), m.ic_months.begin(), m.ic_months.end());
  std::sort(months.begin(), months.end(), [](core::Date a, core::Date b) {
    return a.year() * 12 + static_cast<int>(a.month()) < b.year() * 12 + static_cast<int>(b.month());
  });
  months.erase(std::unique(months.begin(), months.end(),
                           [](core::Date a, core::Date b) { return a.year() == b.year() && a.month() == b.month(); }),
               months.end());
  std::vector<analysis::SvgSeries> ic;
  for (std::size_t k = 0; k < r.models.size(); ++k) {
    const auto& m = r.models[k];
    if (m.ic_months.empty()) continue;
    std::vector<double> values(months.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t j = 0; j < m.ic_months.size(); ++j) {
      for (std::size_t i = 0; i < months.size(); ++i) {
        if (months[i].year() == m.ic_months[j].year() && months[i].month() == m.ic_months[j].month()) {
          values[i] = m.monthly_rank_ic[j];
        }
      }
    }
    ic.push_back({m.name, model_colour(k), std::move(values)});
  }
  if (!ic.empty() && months.size() >= 2) {
    ic.push_back({"zero", "#94a3b8", std::vector<double>(months.size(), 0.0)});
    html += "<h2>Rank IC by month (test segment)</h2>\n<p>Each month's mean of the daily rank correlation between "
            "the scores and the next returns; a model that cannot rank (one score for every stock) has no line.</p>\n" +
            analysis::svg_line_chart(months, ic, 1000, 240, axis_ic) + "\n";
  }
  std::vector<analysis::SvgXySeries> calibration;
  for (std::size_t k = 0; k < r.models.size(); ++k) {
    if (!r.models[k].calibration.empty()) calibration.push_back({r.models[k].name, model_colour(k), r.models[k].calibration});
  }
  if (!calibration.empty()) {
    // The square that holds every point, widened to whole tenths.
    double lo = 1, hi = 0;
    for (const auto& s : calibration) {
      for (const auto& [x, y] : s.points) {
        lo = std::min({lo, x, y});
        hi = std::max({hi, x, y});
      }
    }
    lo = std::floor(lo * 10) / 10;
    hi = std::ceil(hi * 10) / 10;
    if (hi <= lo) hi = lo + 0.1;
    html += "<h2>Calibration (test segment)</h2>\n<p>Test samples in ten groups by score: the mean score (x) against "
            "the share that went up (y). On the dashed line a score of 0.55 means 55% went up; a flat line means "
            "the scores do not separate up from down.</p>\n" +
            analysis::svg_xy_chart(calibration, 560, 420, lo, hi, axis_probability, true) + "\n";
  }
  return html;
}

core::Result<ReportPaths> write_comparison_report(const PipelineResult& result, const std::filesystem::path& out) {
  ReportPaths paths{out / "report.md", out / "report.html", out / "metrics.csv"};
  auto write = [](const std::filesystem::path& p, const std::string& text) -> core::Status {
    std::ofstream f(p, std::ios::binary);
    f << text;
    f.close();
    if (!f) return core::fail("{}: cannot write", p.string());
    return {};
  };
  if (auto s = write(paths.markdown, comparison_markdown(result)); !s) return std::unexpected(s.error());

  std::string html = fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>"
      "body{{font-family:system-ui,sans-serif;margin:2em;max-width:1400px}}"
      "table{{border-collapse:collapse;margin:1em 0;font-size:13px;max-width:100%}}"
      "td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right;overflow-wrap:anywhere}}"
      "td:first-child,th:first-child{{text-align:left}}th{{background:#f3f3f3;font-weight:600}}"
      "svg.chart{{display:block;max-width:100%;height:auto;margin:0.5em 0 1.5em}}</style></head><body>\n",
      escape("Model comparison: " + result.name));
  bool first = true;
  for (const auto& b : blocks(result)) {
    switch (b.kind) {
      case Block::Heading: html += fmt::format("<h{0}>{1}</h{0}>\n", first ? 1 : 2, escape(b.text)); break;
      case Block::Paragraph: html += "<p>" + escape(b.text) + "</p>\n"; break;
      case Block::List:
        html += "<ul>";
        for (const auto& i : b.items) html += "<li>" + escape(i) + "</li>";
        html += "</ul>\n";
        break;
      case Block::TableBlock: html += html_table(b.table); break;
      case Block::Charts: html += charts_html(result); break;
      case Block::Picture: html += b.text; break;
    }
    first = false;
  }
  html += "<p>Per-model backtest reports: backtests/&lt;model&gt;/report.html; predictions: predictions/&lt;model&gt;.csv; "
          "every metric row: metrics.csv.</p>\n</body></html>\n";
  if (auto s = write(paths.html, html); !s) return std::unexpected(s.error());

  std::string csv = "split,model,group,samples,accuracy,balanced_accuracy,auc,mcc,log_loss,ic,rank_ic,icir\n";
  auto rows = [&](const std::string& split, const std::string& model, const evaluation::MetricTable& t) {
    auto one = [&](const evaluation::MetricRow& row) {
      const auto& c = row.classification;
      csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", split, model, row.group, c.samples, c.accuracy,
                         c.balanced_accuracy, c.auc, c.mcc, c.log_loss, row.ic.ic, row.ic.rank_ic, row.ic.icir);
    };
    one(t.overall);
    for (const auto& g : {&t.per_fold, &t.per_year, &t.per_stock}) {
      for (const auto& row : *g) one(row);
    }
  };
  for (const auto& m : result.models) {
    rows("fixed", m.name, m.fixed);
    if (m.walk_forward) rows("walk_forward", m.name, *m.walk_forward);
  }
  if (auto s = write(paths.metrics_csv, csv); !s) return std::unexpected(s.error());
  return paths;
}

}  // namespace kestrel::pipeline
