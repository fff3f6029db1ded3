#include "pipeline/tune_config.hpp"

#include <cmath>
#include <span>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/checksum.hpp"
#include "core/rng.hpp"
#include "core/toml_reader.hpp"
#include "store/text_file.hpp"

namespace kestrel::pipeline {
namespace {

// A TOML value as JSON (the trial's record), or null for what a parameter cannot be.
nlohmann::json to_json(const toml::node& n) {
  if (const auto* v = n.as_integer()) return v->get();
  if (const auto* v = n.as_floating_point()) return v->get();
  if (const auto* v = n.as_boolean()) return v->get();
  if (const auto* v = n.as_string()) return v->get();
  return nullptr;
}

void read_space(core::TomlReader& r, const std::string& key, const std::string& path, const std::string& kind,
                const toml::node& value, TuneConfig& c);

// One [params] entry: its key checked, its space read.
void read_param(core::TomlReader& r, const std::string& key, const toml::node& node, TuneConfig& c) {
  const std::string path = "params." + key;
  for (const char* refused : {"data.", "label.", "features.", "evaluation.", "name", "seed", "models"}) {
    if (key.starts_with(refused)) {
      r.error(&node, path, "trials must share the data, labels, features and folds: tune model and backtest keys");
      return;
    }
  }
  if (key.starts_with("backtest.") && key != "backtest.top_k" && key != "backtest.long_short" &&
      key != "backtest.hold_band" && key != "backtest.rebalance_every") {
    r.error(&node, path, "the objective's portfolio uses backtest.top_k, long_short, hold_band and rebalance_every only");
    return;
  }
  if (!key.starts_with("model.") && !key.starts_with("backtest.")) {
    r.error(&node, path, "a key of the pipeline config under [model] or [backtest], e.g. \"model.xgboost.xgb_eta\"");
    return;
  }
  const toml::table* spec = node.as_table();
  if (spec == nullptr || spec->size() != 1) {
    r.error(&node, path, "one of { choice = [...] }, { int = [lo, hi] }, { uniform = [lo, hi] }, { log_uniform = [lo, hi] }");
    return;
  }
  for (const auto& [kind_key, value] : *spec) read_space(r, key, path, std::string(kind_key.str()), value, c);
}

void read_space(core::TomlReader& r, const std::string& key, const std::string& path, const std::string& kind,
                const toml::node& value, TuneConfig& c) {
  TuneParam p;
  p.key = key;
  const toml::array* list = value.as_array();
  if (list == nullptr || list->empty()) {
    r.error(&value, path + "." + kind, "a non-empty list");
    return;
  }
  if (kind == "choice") {
    p.kind = TuneParam::Kind::Choice;
    for (const auto& v : *list) {
      auto j = to_json(v);
      if (j.is_null()) {
        r.error(&v, path + ".choice", "numbers, strings or booleans");
        return;
      }
      p.choices.push_back(std::move(j));
    }
  } else if (kind == "int" || kind == "uniform" || kind == "log_uniform") {
    p.kind = kind == "int" ? TuneParam::Kind::Integer : kind == "uniform" ? TuneParam::Kind::Uniform : TuneParam::Kind::LogUniform;
    const auto lo = list->size() == 2 ? list->get(0)->value<double>() : std::nullopt;
    const auto hi = list->size() == 2 ? list->get(1)->value<double>() : std::nullopt;
    if (!lo || !hi || !(*lo <= *hi) || (p.kind == TuneParam::Kind::LogUniform && !(*lo > 0))) {
      r.error(&value, path + "." + kind, p.kind == TuneParam::Kind::LogUniform ? "[lo, hi] with 0 < lo <= hi" : "[lo, hi] with lo <= hi");
      return;
    }
    if (p.kind == TuneParam::Kind::Integer && std::ceil(*lo) > std::floor(*hi)) {
      r.error(&value, path + ".int", "no whole number between lo and hi");
      return;
    }
    p.lo = *lo;
    p.hi = *hi;
  } else {
    r.error(&value, path + "." + kind, "choice, int, uniform or log_uniform");
    return;
  }
  c.params.push_back(std::move(p));
}

}  // namespace

core::Result<TuneConfig> parse_tune_config(std::string_view text, std::string_view source,
                                           const std::filesystem::path& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return core::fail_as(core::ErrorKind::Config, "{}:{}:{}: {}", source, where.line, where.column, e.description());
  }
  core::TomlReader r(std::string(source), base_dir);
  TuneConfig c;
  r.only(root, "", {"name", "pipeline", "model", "search", "trials", "eta", "seed", "cost_bps", "params"});
  r.plain_name(root, "name", "", c.name);
  r.path_value(root, "pipeline", "", c.pipeline);
  r.text(root, "model", "", c.model);
  if (const int s = r.choice(root, "search", "", {"random", "halving"}); s >= 0) {
    c.search = s == 0 ? TuneConfig::Search::Random : TuneConfig::Search::Halving;
  }
  r.count(root, "trials", "", c.trials, 1);
  r.count(root, "eta", "", c.eta, 2);
  r.count(root, "seed", "", c.seed, 0);
  r.number(root, "cost_bps", "", c.cost_bps, 0, 1000);
  for (const auto& [key, missing] : {std::pair{"name", c.name.empty()}, std::pair{"pipeline", c.pipeline.empty()},
                                     std::pair{"model", c.model.empty()}}) {
    if (missing) r.error(nullptr, key, "required");
  }
  if (const toml::table* params = r.table(root, "params", "")) {
    for (const auto& [key, node] : *params) read_param(r, std::string(key.str()), node, c);
  }
  if (c.params.empty()) r.error(nullptr, "params", "declare at least one parameter to search");
  if (!r.errors.empty()) {
    std::string all;
    for (const auto& e : r.errors) all += (all.empty() ? "" : "\n") + e;
    return core::fail_as(core::ErrorKind::Config, "{} problem(s) in the tuning config:\n{}", r.errors.size(), all);
  }
  c.hash = fmt::format("{:016x}", core::xxh64(std::as_bytes(std::span(text.data(), text.size()))));
  return c;
}

core::Result<TuneConfig> read_tune_config(const std::filesystem::path& path) {
  auto text = store::read_text_file(path);
  if (!text) return std::unexpected(text.error());
  return parse_tune_config(*text, path.string(), path.parent_path());
}

std::vector<nlohmann::json> sample_trials(const TuneConfig& config) {
  core::Rng rng(config.seed);
  std::vector<nlohmann::json> trials;
  for (std::size_t k = 0; k < config.trials; ++k) {
    nlohmann::json trial = nlohmann::json::object();
    for (const auto& p : config.params) {
      switch (p.kind) {
        case TuneParam::Kind::Choice: {
          trial[p.key] = p.choices[rng.below(p.choices.size())];
          break;
        }
        case TuneParam::Kind::Integer: {
          const auto lo = static_cast<std::int64_t>(std::ceil(p.lo)), hi = static_cast<std::int64_t>(std::floor(p.hi));
          trial[p.key] = lo + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(hi - lo + 1)));
          break;
        }
        case TuneParam::Kind::Uniform: trial[p.key] = p.lo + (p.hi - p.lo) * rng.uniform(); break;
        case TuneParam::Kind::LogUniform:
          trial[p.key] = std::exp(std::log(p.lo) + (std::log(p.hi) - std::log(p.lo)) * rng.uniform());
          break;
      }
    }
    trials.push_back(std::move(trial));
  }
  return trials;
}

}  // namespace kestrel::pipeline
