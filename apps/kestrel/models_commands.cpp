// `kestrel models list|show`: the model registry of a market-data store
// (store/model_registry.hpp) — every model `kestrel pipeline` trained on its data.
#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "store/market_store.hpp"
#include "store/model_registry.hpp"

namespace kestrel::app {
namespace {

using nlohmann::json;

struct ModelsArgs {
  std::string db;
  std::string which;
  bool as_json = false;
};

std::vector<store::RegisteredModel> registered(const GlobalOptions& global, const std::string& db_flag,
                                               std::filesystem::path& db) {
  db = resolve_db(global, db_flag);
  std::error_code ec;
  if (!std::filesystem::exists(db, ec)) throw CommandFailed{fmt::format("models: {}: no such store", db.string())};
  auto market = value_or_fail(store::MarketStore::open(db, store::MarketStore::Access::ReadOnly));
  return value_or_fail(market.registered_models());
}

// A metric from the registry's JSON as fixed-point text, "-" when absent or null.
std::string metric(const json& metrics, std::initializer_list<const char*> path, int decimals, double scale = 1,
                   const char* suffix = "") {
  const json* node = &metrics;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return "-";
    node = &(*node)[key];
  }
  if (!node->is_number()) return "-";
  return fmt::format("{:.{}f}{}", scale * node->get<double>(), decimals, suffix);
}

std::string files_state(const store::RegisteredModel& m) {
  std::error_code ec;
  if (!std::filesystem::exists(m.path, ec)) return "MISSING: the folder is gone";
  auto now = store::model_files_checksum(m.path);
  if (!now) return "unreadable: " + now.error().message;
  return *now == m.files_checksum ? "unchanged since registration"
                                  : "CHANGED since registration: the folder no longer holds this model";
}

void list(const GlobalOptions& global, const ModelsArgs& args) {
  std::filesystem::path db;
  const auto models = registered(global, args.db, db);
  if (args.as_json) {
    json out = json::array();
    for (const auto& m : models) {
      out.push_back({{"id", m.id}, {"name", m.name}, {"kind", m.kind}, {"label", m.label}, {"path", m.path},
                     {"train_begin", m.train_begin.to_string()}, {"train_end", m.train_end.to_string()},
                     {"created_at", m.created_at}, {"status", m.status}, {"metrics", json::parse(m.metrics, nullptr, false)}});
    }
    fmt::print("{}\n", out.dump(2));
    return;
  }
  if (models.empty()) {
    fmt::print("no models registered in {}: `kestrel pipeline --out DIR` registers every model it trains in "
               "DIR/market.db\n",
               db.string());
    return;
  }
  fmt::print("{:>4}  {:<22} {:<14} {:<23} {:>8} {:>7} {:>8} {:>8} {:>8} {:>7}  {:<11} {}\n", "id", "name", "label",
             "trained on", "test acc", "AUC", "rank IC", "IC dates", "bt CAGR", "Sharpe", "status", "registered");
  for (const auto& m : models) {
    const json metrics = json::parse(m.metrics, nullptr, false);
    fmt::print("{:>4}  {:<22} {:<14} {:<23} {:>8} {:>7} {:>8} {:>8} {:>8} {:>7}  {:<11} {}\n", m.id, m.name, m.label,
               m.train_begin.to_string() + ".." + m.train_end.to_string(), metric(metrics, {"test", "accuracy"}, 4),
               metric(metrics, {"test", "auc"}, 4), metric(metrics, {"test", "rank_ic"}, 4),
               metric(metrics, {"test", "ic_dates"}, 0),
               metric(metrics, {"backtest", "cagr"}, 2, 100, "%"), metric(metrics, {"backtest", "sharpe"}, 2), m.status,
               m.created_at);
  }
}

void show(const GlobalOptions& global, const ModelsArgs& args) {
  std::filesystem::path db;
  const auto models = registered(global, args.db, db);
  // An id, or a name: its newest registration.
  const store::RegisteredModel* found = nullptr;
  for (const auto& m : models) {
    if (std::to_string(m.id) == args.which || m.name == args.which) found = &m;
  }
  if (found == nullptr) {
    std::string known;
    for (const auto& m : models) known += fmt::format("{}{} ({})", known.empty() ? "" : ", ", m.id, m.name);
    throw CommandFailed{fmt::format("models show: no model '{}' in {}{}", args.which, db.string(),
                                    known.empty() ? " (none registered)" : "; registered: " + known)};
  }
  const auto& m = *found;
  const json metrics = json::parse(m.metrics, nullptr, false);
  if (args.as_json) {
    fmt::print("{}\n", json{{"id", m.id}, {"name", m.name}, {"kind", m.kind}, {"path", m.path},
                            {"files_checksum", m.files_checksum}, {"files", files_state(m)},
                            {"config_hash", m.config_hash}, {"store_id", m.store_id}, {"data_version", m.data_version},
                            {"label", m.label}, {"train_begin", m.train_begin.to_string()},
                            {"train_end", m.train_end.to_string()}, {"features", m.features}, {"metrics", metrics},
                            {"created_at", m.created_at}, {"status", m.status}}
                           .dump(2));
    return;
  }
  fmt::print("model {} — {} ({}), {}\n", m.id, m.name, m.kind, m.status);
  fmt::print("  folder          {}\n", m.path);
  fmt::print("  files           {} (checksum {})\n", files_state(m), m.files_checksum);
  fmt::print("  trained on      {} .. {} (label {})\n", m.train_begin.to_string(), m.train_end.to_string(), m.label);
  fmt::print("  data            store {}, data version {}\n", m.store_id, m.data_version);
  fmt::print("  config          {}\n", m.config_hash);
  fmt::print("  registered      {}\n", m.created_at);
  fmt::print("  validation      best loss {} at epoch {} of {}\n", metric(metrics, {"validation", "best_loss"}, 5),
             metric(metrics, {"validation", "best_epoch"}, 0), metric(metrics, {"validation", "epochs"}, 0));
  for (const char* segment : {"test", "walk_forward"}) {
    if (!metrics.contains(segment)) continue;
    fmt::print("  {:<15} accuracy {}, AUC {}, log loss {}, IC {}, rank IC {} over {} dates ({} samples)\n",
               std::string(segment) == "test" ? "test" : "walk-forward", metric(metrics, {segment, "accuracy"}, 4),
               metric(metrics, {segment, "auc"}, 4), metric(metrics, {segment, "log_loss"}, 4),
               metric(metrics, {segment, "ic"}, 4), metric(metrics, {segment, "rank_ic"}, 4),
               metric(metrics, {segment, "ic_dates"}, 0), metric(metrics, {segment, "samples"}, 0));
  }
  if (metrics.contains("backtest")) {
    fmt::print("  backtest        CAGR {} (benchmark {}), Sharpe {}, max drawdown {}, {} trades, commissions ${}\n",
               metric(metrics, {"backtest", "cagr"}, 2, 100, "%"), metric(metrics, {"backtest", "benchmark_cagr"}, 2, 100, "%"),
               metric(metrics, {"backtest", "sharpe"}, 2), metric(metrics, {"backtest", "max_drawdown"}, 2, 100, "%"),
               metric(metrics, {"backtest", "trades"}, 0), metric(metrics, {"backtest", "commissions"}, 2));
  } else {
    fmt::print("  backtest        none (it failed: see the pipeline's report)\n");
  }
  fmt::print("  features ({})\n", m.features.size());
  std::string line = "   ";
  for (const auto& f : m.features) {
    if (line.size() + f.size() + 1 > 100) {
      fmt::print("{}\n", line);
      line = "   ";
    }
    line += " " + f;
  }
  if (line.size() > 3) fmt::print("{}\n", line);
}

}  // namespace

void add_models_commands(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<ModelsArgs>();
  CLI::App* models = app.add_subcommand(
      "models", "The model registry of a market-data store: every model `kestrel pipeline` trained on its data, with "
                "its training window, features and validation and test metrics");
  models->require_subcommand(1);
  CLI::App* list_cmd = models->add_subcommand("list", "List the registered models, oldest first");
  add_db_option(*list_cmd, args->db);
  list_cmd->add_flag("--json", args->as_json, "As JSON");
  list_cmd->callback([&global, args] { list(global, *args); });
  CLI::App* show_cmd = models->add_subcommand(
      "show", "One model in full: where it is and whether its files are still the ones registered, the data and "
              "config that trained it, its metrics and features");
  show_cmd->add_option("model", args->which, "A model id, or a name (its newest registration)")->required();
  add_db_option(*show_cmd, args->db);
  show_cmd->add_flag("--json", args->as_json, "As JSON");
  show_cmd->callback([&global, args] { show(global, *args); });
}

}  // namespace kestrel::app
