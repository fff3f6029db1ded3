#include "pipeline/pipeline_config.hpp"

#include <algorithm>
#include <span>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/toml_reader.hpp"

#include "core/checksum.hpp"
#include "ml/model_factory.hpp"
#include "store/text_file.hpp"

namespace kestrel::pipeline {
namespace {

using core::join;
using core::TomlReader;

void read_models(TomlReader& r, const toml::table& root, PipelineConfig& c) {
  r.strings(root, "models", "", c.models);
  const auto known = ml::model_names();
  if (c.models.empty()) r.error(root.get("models"), "models", "list at least one model (known: see docs/pipeline.md)");
  for (const auto& m : c.models) {
    if (std::find(known.begin(), known.end(), m) == known.end()) {
      std::string list;
      for (const auto& k : known) list += fmt::format("{}{}", list.empty() ? "" : ", ", k);
      r.error(root.get("models"), "models", fmt::format("unknown model '{}' (known: {})", m, list));
    }
  }
  // [model] holds keys every model shares; [model.<name>] overrides them for one model.
  toml::table shared;
  const toml::table* model = r.table(root, "model", "");
  if (model != nullptr) {
    for (const auto& [key, node] : *model) {
      if (node.is_table()) {
        if (std::find(c.models.begin(), c.models.end(), std::string(key.str())) == c.models.end() &&
            key.str() != c.control_model) {
          r.error(&node, join("model", key.str()), "a table for a model that is not in `models`");
        }
        continue;
      }
      shared.insert_or_assign(key.str(), node);
    }
  }
  std::vector<std::string> configured = c.models;
  if (std::find(configured.begin(), configured.end(), c.control_model) == configured.end()) {
    configured.push_back(c.control_model);
  }
  for (const auto& name : configured) {
    toml::table merged = shared;
    if (model != nullptr) {
      if (const toml::table* own = r.table(*model, name, "model")) {
        for (const auto& [key, node] : *own) merged.insert_or_assign(key.str(), node);
      }
    }
    auto parsed = ml::parse_model_config(merged, r.source(), join("model", name));
    if (!parsed) {
      r.errors.push_back(parsed.error().message);
      continue;
    }
    if (name == "stacking") {
      // The out-of-fold members are fitted on dates before the block they predict; their last
      // labels look label.horizon dates ahead, so the purge follows the horizon (and the
      // embargo) unless set, and may never be shorter than the horizon.
      const std::size_t matched = c.label.horizon + std::max(c.fixed.embargo, c.walk_forward.embargo);
      if (!merged.contains("stacking_purge_dates")) {
        parsed->stacking_purge_dates = matched;
      } else if (parsed->stacking_purge_dates < c.label.horizon) {
        r.error(merged.get("stacking_purge_dates"), join("model", name) + ".stacking_purge_dates",
                fmt::format("{} is shorter than label.horizon {}: the out-of-fold members' labels would reach into "
                            "the block they predict; leave it out (it then follows the horizon: {}) or set it >= {}",
                            parsed->stacking_purge_dates, c.label.horizon, matched, c.label.horizon));
      }
    }
    c.model_configs[name] = std::move(*parsed);
  }
}

}  // namespace

std::vector<std::filesystem::path> PipelineConfig::data_dirs() const {
  std::vector<std::filesystem::path> dirs{data_dir};
  dirs.insert(dirs.end(), extra_data_dirs.begin(), extra_data_dirs.end());
  return dirs;
}

std::string PipelineConfig::data_dirs_text() const {
  std::string joined;
  for (const auto& dir : data_dirs()) joined += (joined.empty() ? "" : " + ") + dir.string();
  return joined;
}

core::Result<PipelineConfig> parse_pipeline_config(std::string_view text, std::string_view source,
                                                   const std::filesystem::path& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return core::fail("{}:{}:{}: {}", source, e.source().begin.line, e.source().begin.column, e.description());
  }
  PipelineConfig c;
  c.text = std::string(text);
  c.hash = fmt::format("{:016x}", core::xxh64(std::as_bytes(std::span(c.text.data(), c.text.size()))));
  TomlReader r(std::string(source), base_dir);
  r.only(root, "", {"name", "seed", "threads", "models", "data", "label", "features", "evaluation", "controls",
                    "model", "backtest", "rl"});
  r.plain_name(root, "name", "", c.name);
  r.count(root, "seed", "", c.seed, 0);
  r.count(root, "threads", "", c.threads, 0);

  if (const toml::table* t = r.table(root, "data", "")) {
    r.only(*t, "data", {"dir", "extra_dirs", "tickers", "benchmark"});
    r.strings(*t, "tickers", "data", c.tickers);
    r.path_value(*t, "dir", "data", c.data_dir);
    std::vector<std::string> extra;
    r.strings(*t, "extra_dirs", "data", extra);
    for (const auto& dir : extra) {
      const std::filesystem::path p = dir;
      c.extra_data_dirs.push_back(p.is_relative() ? base_dir / p : p);
    }
    r.text(*t, "benchmark", "data", c.benchmark);
  }
  if (c.data_dir.empty()) r.error(nullptr, "data.dir", "required: the folder of per-ticker CSV files to import");

  if (const toml::table* t = r.table(root, "label", "")) {
    r.only(*t, "label", {"kind", "horizon", "dead_zone"});
    const int kind = r.choice(*t, "kind", "label", {"direction", "outperform", "excess"});
    if (kind == 1) c.label.kind = dataset::LabelKind::Outperformance;
    if (kind == 2) c.label.kind = dataset::LabelKind::ExcessOverBenchmark;  // over data.benchmark
    r.count(*t, "horizon", "label", c.label.horizon, 1);
    r.number(*t, "dead_zone", "label", c.label.dead_zone, 0, 1);
  }
  c.label.benchmark = c.benchmark;
  if (const toml::table* t = r.table(root, "features", "")) {
    r.only(*t, "features", {"truncation_cuts", "sentiment"});
    r.count(*t, "truncation_cuts", "features", c.truncation_cuts, 0);
    if (const toml::table* s = r.table(*t, "sentiment", "features")) {
      const std::string p = "features.sentiment";
      auto& o = c.sentiment;
      o.enabled = true;
      r.only(*s, p, {"news_db", "classifier", "vendor_scores", "half_life", "novelty_window", "volume_window",
                     "coverage_from", "coverage_to"});
      r.path_value(*s, "news_db", p, o.news_db);
      r.path_value(*s, "classifier", p, o.classifier);
      r.boolean(*s, "vendor_scores", p, o.vendor_scores);
      r.number(*s, "half_life", p, o.half_life, 0.1, 1000);
      r.count(*s, "novelty_window", p, o.novelty_window, 1);
      r.count(*s, "volume_window", p, o.volume_window, 1);
      r.date(*s, "coverage_from", p, o.coverage_from);
      r.date(*s, "coverage_to", p, o.coverage_to);
      if (o.news_db.empty()) r.error(nullptr, p + ".news_db", "required: the store `kestrel news import` wrote");
      if (o.classifier.empty() && !o.vendor_scores) {
        r.error(nullptr, p + ".classifier", "required when vendor_scores is false: nothing would score the news");
      }
      if (o.coverage_from && o.coverage_to && *o.coverage_to < *o.coverage_from) {
        r.error(nullptr, p + ".coverage_to", "is before coverage_from");
      }
    }
  }

  if (const toml::table* t = r.table(root, "evaluation", "")) {
    r.only(*t, "evaluation", {"nan_policy", "importance_dates", "attention_samples", "fixed", "walk_forward"});
    r.count(*t, "importance_dates", "evaluation", c.importance_dates, 0);
    r.count(*t, "attention_samples", "evaluation", c.attention_samples, 0);
    const int nan = r.choice(*t, "nan_policy", "evaluation", {"zero", "keep", "drop_row"});
    if (nan == 1) c.nan_policy = dataset::NanPolicy::Keep;
    if (nan == 2) c.nan_policy = dataset::NanPolicy::DropRow;
    if (const toml::table* f = r.table(*t, "fixed", "evaluation")) {
      r.only(*f, "evaluation.fixed",
             {"train_begin", "train_end", "valid_begin", "valid_end", "test_begin", "test_end", "embargo"});
      std::optional<core::Date> valid, test;
      r.date(*f, "train_begin", "evaluation.fixed", c.fixed.train_begin);
      r.date(*f, "train_end", "evaluation.fixed", c.fixed.train_end);
      r.date(*f, "valid_end", "evaluation.fixed", c.fixed.valid_end);
      r.date(*f, "valid_begin", "evaluation.fixed", valid);
      r.date(*f, "test_begin", "evaluation.fixed", test);
      r.date(*f, "test_end", "evaluation.fixed", c.fixed.test_end);
      r.count(*f, "embargo", "evaluation.fixed", c.fixed.embargo, 0);
      if (!test) r.error(f, "evaluation.fixed.test_begin", "required");
      c.fixed.test_begin = test.value_or(core::Date{});
      c.fixed.valid_begin = valid.value_or(c.fixed.test_begin);
    } else {
      r.error(t, "evaluation.fixed", "required: the fixed train/valid/test segments");
    }
    if (const toml::table* w = r.table(*t, "walk_forward", "evaluation")) {
      const std::string p = "evaluation.walk_forward";
      r.only(*w, p, {"enabled", "window", "first_date", "train_dates", "valid_dates", "test_dates", "embargo", "models"});
      r.boolean(*w, "enabled", p, c.walk_forward.enabled);
      if (r.choice(*w, "window", p, {"expanding", "rolling"}) == 1) c.walk_forward.window = dataset::WindowKind::Rolling;
      r.date(*w, "first_date", p, c.walk_forward.first_date);
      r.count(*w, "train_dates", p, c.walk_forward.train_dates, 1);
      r.count(*w, "valid_dates", p, c.walk_forward.valid_dates, 0);
      r.count(*w, "test_dates", p, c.walk_forward.test_dates, 1);
      r.count(*w, "embargo", p, c.walk_forward.embargo, 0);
      r.strings(*w, "models", p, c.walk_forward.models);
    }
  } else {
    r.error(nullptr, "evaluation", "required: [evaluation.fixed] with valid_begin/test_begin");
  }

  if (const toml::table* t = r.table(root, "controls", "")) {
    r.only(*t, "controls", {"enabled", "model", "auc_tolerance", "suspicious_accuracy"});
    r.boolean(*t, "enabled", "controls", c.controls);
    r.text(*t, "model", "controls", c.control_model);
    r.number(*t, "auc_tolerance", "controls", c.control_options.auc_tolerance, 0, 0.5);
    r.number(*t, "suspicious_accuracy", "controls", c.control_options.suspicious_accuracy, 0.5, 1);
  }
  c.control_options.seed = c.seed;
  read_models(r, root, c);
  for (const auto& m : c.walk_forward.models) {
    if (std::find(c.models.begin(), c.models.end(), m) == c.models.end()) {
      r.error(nullptr, "evaluation.walk_forward.models", fmt::format("'{}' is not in `models`", m));
    }
  }

  if (const toml::table* t = r.table(root, "backtest", "")) {
    r.only(*t, "backtest", {"top_k", "initial_cash", "slippage_bps", "trade_rules", "risk_limits", "long_short",
                            "hold_band", "rebalance_every", "min_hold_days", "min_gain", "event_stop"});
    r.boolean(*t, "long_short", "backtest", c.backtest.long_short);
    if (t->get("event_stop") != nullptr) {
      double level = 0;
      r.number(*t, "event_stop", "backtest", level, -1, 1);
      c.backtest.event_stop = level;
      if (!c.sentiment.enabled) {
        r.error(nullptr, "backtest.event_stop", "needs [features.sentiment]: the stop reads each session's news sentiment");
      }
    }
    r.count(*t, "hold_band", "backtest", c.backtest.hold_band, 0);
    r.count(*t, "rebalance_every", "backtest", c.backtest.rebalance_every, 1);
    r.count(*t, "min_hold_days", "backtest", c.backtest.min_hold_days, 0);
    r.number(*t, "min_gain", "backtest", c.backtest.min_gain, 0, 1e9);
    r.count(*t, "top_k", "backtest", c.backtest.top_k, 1);
    r.number(*t, "initial_cash", "backtest", c.backtest.initial_cash, 1000, 1e12);
    r.number(*t, "slippage_bps", "backtest", c.backtest.slippage_bps, 0, 1000);
    r.boolean(*t, "trade_rules", "backtest", c.backtest.trade_rules);
    r.boolean(*t, "risk_limits", "backtest", c.backtest.risk_limits);
  }

  if (const toml::table* t = r.table(root, "rl", "")) {
    const std::string p = "rl";
    auto& o = c.rl;
    o.enabled = true;
    r.only(*t, p, {"enabled", "scores", "folds", "test_days", "valid_days", "ppo_steps", "dqn_steps", "ppo_n_steps",
                   "dqn_gradient_steps", "checks", "band", "feature_rows", "predictions"});
    r.boolean(*t, "enabled", p, o.enabled);
    r.strings(*t, "scores", p, o.scores);
    r.count(*t, "folds", p, o.folds, 1);
    r.count(*t, "test_days", p, o.test_days, 5);
    r.count(*t, "valid_days", p, o.valid_days, 5);
    r.count(*t, "ppo_steps", p, o.ppo_steps, 0);
    r.count(*t, "dqn_steps", p, o.dqn_steps, 0);
    r.count(*t, "ppo_n_steps", p, o.ppo_n_steps, 1);
    r.count(*t, "dqn_gradient_steps", p, o.dqn_gradient_steps, 1);
    r.count(*t, "checks", p, o.checks, 1);
    r.number(*t, "band", p, o.band, 0, 0.5);
    r.boolean(*t, "feature_rows", p, o.feature_rows);
    o.walk_forward_scores = r.choice(*t, "predictions", p, {"test", "walk_forward"}) == 1;
    if (o.enabled && o.scores.empty()) {
      r.error(t, "rl.scores", "required: the models whose test predictions the agents observe (e.g. [\"lstm\"])");
    }
    const auto& wf_models = c.walk_forward.models.empty() ? c.models : c.walk_forward.models;
    for (const auto& m : o.scores) {
      if (std::find(c.models.begin(), c.models.end(), m) == c.models.end()) {
        r.error(nullptr, "rl.scores", fmt::format("'{}' is not in `models`", m));
      } else if (o.walk_forward_scores && (!c.walk_forward.enabled ||
                                           std::find(wf_models.begin(), wf_models.end(), m) == wf_models.end())) {
        r.error(nullptr, "rl.scores",
                fmt::format("'{}' has no walk-forward predictions (rl.predictions = \"walk_forward\"): add it to "
                            "evaluation.walk_forward.models",
                            m));
      }
    }
  }

  if (!r.errors.empty()) {
    std::string message = fmt::format("{} problem(s) in {}:", r.errors.size(), source);
    for (const auto& e : r.errors) message += "\n  " + e;
    return core::fail("{}", message);
  }
  return c;
}

core::Result<PipelineConfig> read_pipeline_config(const std::filesystem::path& path) {
  auto text = store::read_text_file(path);
  if (!text) return std::unexpected(text.error());
  return parse_pipeline_config(*text, path.string(), path.parent_path());
}

}  // namespace kestrel::pipeline
