#include "rl/walk_forward.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <numeric>

#include <fmt/format.h>

#include "analysis/overfitting.hpp"

namespace kestrel::rl {

namespace {

using Policy = std::function<void(std::span<const float> observations, std::span<float> actions)>;

// What one deterministic pass from day `first` to day `last` gave: the daily returns of days
// first+1 .. last (0 after a drawdown halt: cash), and what was traded and paid.
struct Path {
  std::vector<double> returns;
  double traded = 0;
  double costs = 0;
  double equity_sum = 0;
  double exposure_sum = 0;
  std::size_t round_trips = 0;
  std::size_t wins = 0;
  bool halted = false;
};

Path run_path(const store::Panel& panel, const std::vector<std::size_t>& universe, const ObservationFeatures& features,
              const ScaledFeatureRows& rows, TradingEnvConfig config, std::size_t first, std::size_t last,
              const Policy& policy) {
  config.episodes = 1;
  config.first_day = first;
  config.last_day = last;
  config.episode_days = last - first;
  config.turnover_penalty = 0;  // evaluation measures the return itself
  config.drawdown_penalty = 0;
  config.restart = false;
  TradingEnv env(panel, universe, features, config, rows);
  const std::size_t envs = env.num_envs();
  std::vector<float> obs(envs * env.observation_size()), final_obs(obs.size()), rewards(envs),
      actions(envs * env.action_space().width());
  std::vector<std::uint8_t> terminated(envs), truncated(envs);
  env.reset_at(first, obs);
  Path path;
  for (std::size_t day = first; day < last; ++day) {
    if (path.halted) {
      path.returns.push_back(0);
      path.equity_sum += env.episode(0).equity;
      continue;  // in cash: no exposure
    }
    policy(obs, actions);
    env.step(actions, {obs, rewards, terminated, truncated, final_obs});
    double log_return = 0;
    for (float r : rewards) log_return += r;
    path.returns.push_back(std::expm1(log_return));
    path.equity_sum += env.episode(0).equity;
    path.exposure_sum += env.episode(0).exposure;
    path.halted = terminated[0] != 0;
  }
  const auto& s = env.episode(0);
  path.traded = s.traded;
  path.costs = s.costs;
  path.round_trips = s.round_trips;
  path.wins = s.winning_round_trips;
  return path;
}

double log_growth(const std::vector<double>& returns) {
  double g = 0;
  for (double r : returns) g += std::log1p(r);
  return g;
}

double per_period_sharpe(const std::vector<double>& r) {
  if (r.size() < 2) return 0;
  const double mean = std::accumulate(r.begin(), r.end(), 0.0) / static_cast<double>(r.size());
  double ss = 0;
  for (double x : r) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / static_cast<double>(r.size() - 1));
  return sd > 0 ? mean / sd : 0;
}

// The k highest values of observation column `column` among the tickers where `valid_column`
// is non-zero, in a row layout of `width` floats.
std::vector<std::size_t> top_k(std::span<const float> obs, std::size_t n, std::size_t width, std::size_t k,
                               std::size_t column, std::size_t valid_column) {
  std::vector<std::size_t> names;
  for (std::size_t i = 0; i < n; ++i) {
    if (obs[i * width + valid_column] != 0.0f) names.push_back(i);
  }
  std::stable_sort(names.begin(), names.end(),
                   [&](std::size_t a, std::size_t b) { return obs[a * width + column] > obs[b * width + column]; });
  if (names.size() > k) names.resize(k);
  return names;
}

// A ratio with no variance under it (a strategy that never traded) reads "–", not "nan".
std::string ratio_text(double x) { return std::isfinite(x) ? fmt::format("{:.2f}", x) : std::string("–"); }

class TempFolder {
 public:
  explicit TempFolder(const std::string& tag)
      : path_(std::filesystem::temp_directory_path() / fmt::format("kestrel-rl-{}-{}", ::getpid(), tag)) {
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct Accumulator {
  std::string name, description;
  std::vector<double> returns;
  double traded = 0, costs = 0, equity_sum = 0, exposure_sum = 0;
  std::size_t days = 0, round_trips = 0, wins = 0;
  bool halted = false;
  void add(const Path& p, double initial_cash) {
    returns.insert(returns.end(), p.returns.begin(), p.returns.end());
    traded += p.traded;
    costs += p.costs / initial_cash;
    equity_sum += p.equity_sum;
    exposure_sum += p.exposure_sum;
    days += p.returns.size();
    round_trips += p.round_trips;
    wins += p.wins;
    halted |= p.halted;
  }
};

}  // namespace

core::Result<WalkForwardReport> walk_forward(const store::Panel& panel, const std::vector<std::size_t>& universe,
                                             std::size_t benchmark, const ObservationFeatures& features,
                                             const FeatureRows* feature_rows, const WalkForwardConfig& config,
                                             const LogSink& log, const ProgressSink& progress) {
  const std::size_t dates = panel.num_dates();
  std::size_t first_stock = dates;
  for (std::size_t id : universe) {
    for (std::size_t t = 0; t < dates; ++t) {
      if (panel.has_bar(id, t)) {
        first_stock = std::min(first_stock, t);
        break;
      }
    }
  }
  const std::size_t start = std::max(first_stock + 20, config.first_day);
  const std::size_t end = config.last_day > 0 ? std::min(config.last_day, dates - 1) : dates - 1;
  const std::size_t needed = config.folds * config.test_days + config.valid_days + 252;
  if (config.folds == 0 || start + needed > end) {
    return core::fail_as(core::ErrorKind::Config,
                         "walk-forward: {} folds of {} test days after {} validation days and a year of training need "
                         "{} sessions after the stocks' first 20; the data has {}",
                         config.folds, config.test_days, config.valid_days, needed, end > start ? end - start : 0);
  }
  const std::size_t n = universe.size();
  // Buy-and-hold reads no observation: zeros of the right shape.
  const ObservationFeatures benchmark_features{features.count, std::vector<float>(dates * features.count, 0.0f)};
  const double cash = config.env.initial_cash;

  std::vector<Accumulator> acc;
  auto slot = [&](const std::string& name, const std::string& description) -> Accumulator& {
    for (auto& a : acc) {
      if (a.name == name) return a;
    }
    Accumulator fresh;
    fresh.name = name;
    fresh.description = description;
    acc.push_back(std::move(fresh));
    return acc.back();
  };
  WalkForwardReport report;

  for (std::size_t f = 0; f < config.folds; ++f) {
    const std::size_t test_last = end - (config.folds - 1 - f) * config.test_days;
    const std::size_t test_from = test_last - config.test_days;  // decision day before the first test day
    const std::size_t valid_from = test_from - config.valid_days;
    const auto date = [&](std::size_t t) { return panel.dates()[t].to_string(); };
    report.folds.push_back(fmt::format("fold {}: train {}..{}, validation {}..{}, test {}..{}", f + 1, date(start),
                                       date(valid_from), date(valid_from + 1), date(test_from), date(test_from + 1),
                                       date(test_last)));
    if (log) log(report.folds.back());
    // The feature rows as this fold's agents and rules observe them: scaled with the training
    // dates' statistics alone.
    ScaledFeatureRows rows;
    if (feature_rows != nullptr) rows = {.rows = feature_rows, .scaling = fit_scaling(*feature_rows, start, valid_from)};

    // Agents: trained before the validation period, stopped early on it, then run on the test.
    std::map<std::string, std::unique_ptr<Agent>> kept;
    for (const std::string kind : {"ppo", "dqn"}) {
      const std::int64_t total = kind == std::string("ppo") ? config.ppo_steps : config.dqn_steps;
      if (total <= 0) continue;
      TradingEnvConfig train_config = config.env;
      train_config.control = kind == std::string("ppo") ? Control::Sizing : Control::Timing;
      train_config.episodes = config.train_episodes;
      train_config.first_day = start;
      train_config.last_day = valid_from;
      TradingEnv train_env(panel, universe, features, train_config, rows);
      AgentSpec spec{.kind = kind, .observation_size = train_env.observation_size(),
                     .action_space = train_env.action_space(), .ppo = config.ppo, .dqn = config.dqn};
      spec.ppo.seed = spec.dqn.seed = config.seed + f;
      auto agent = make_agent(spec);
      if (!agent) return std::unexpected(agent.error());
      const TempFolder folder(fmt::format("{}-{}", kind, f));
      double best_validation = -1e300;
      std::size_t best_check = 0;
      for (std::size_t c = 1; c <= config.checks; ++c) {
        (*agent)->learn(train_env, total * static_cast<std::int64_t>(c) / static_cast<std::int64_t>(config.checks),
                        progress);
        const Path valid = run_path(panel, universe, features, rows, train_config, valid_from, test_from,
                                    [&](std::span<const float> o, std::span<float> a) { (*agent)->act(o, a, true); });
        const double growth = log_growth(valid.returns);
        if (log) log(fmt::format("  {} check {}/{}: {} steps, validation log return {:+.4f}", kind, c, config.checks,
                                 (*agent)->steps_done(), growth));
        if (growth > best_validation) {
          best_validation = growth;
          best_check = c;
          if (auto saved = (*agent)->save(folder.path()); !saved) return std::unexpected(saved.error());
        }
      }
      spec.resume_from = folder.path();
      auto best = make_agent(spec);
      if (!best) return std::unexpected(best.error());
      if (log) log(fmt::format("  {}: check {} kept (best on validation)", kind, best_check));
      const Path test = run_path(panel, universe, features, rows, train_config, test_from, test_last,
                                 [&](std::span<const float> o, std::span<float> a) { (*best)->act(o, a, true); });
      slot(kind == std::string("ppo") ? "ppo_sizing" : "dqn_timing",
           kind == std::string("ppo") ? "PPO target weights (× 10% cap) per ticker"
                                      : "DQN enter/hold/exit per ticker at equal entry weight")
          .add(test, cash);
      kept[kind] = std::move(*best);
    }

    // Rules on the same environment and costs.
    TradingEnvConfig rule_config = config.env;
    rule_config.control = Control::Sizing;
    const std::size_t width = features.count + rows.count() + TradingEnv::kStateFeatures;
    const std::size_t weight_column = width - TradingEnv::kStateFeatures;  // the position's weight
    // Rank by the model score where there is one, else by the 20-day return (price column 2).
    const std::size_t rank_column = config.score_column.value_or(2);
    const std::size_t valid_column = config.score_column ? *config.score_column + 1 : 2;
    const std::string ranked_by = config.score_column ? "model score" : "20-day return";
    const std::string prefix = config.score_column ? "score" : "momentum";
    const auto pick = [&](std::span<const float> o) { return top_k(o, n, width, config.top_k, rank_column, valid_column); };
    const Path ranked = run_path(panel, universe, features, rows, rule_config, test_from, test_last,
                                 [&](std::span<const float> o, std::span<float> a) {
                                   std::fill(a.begin(), a.end(), 0.0f);
                                   for (std::size_t i : pick(o)) a[i] = 1.0f;
                                 });
    slot(prefix + "_topk", fmt::format("top {} by {}, 10% each", config.top_k, ranked_by)).add(ranked, cash);
    const Path vol_target = run_path(panel, universe, features, rows, rule_config, test_from, test_last,
                                     [&](std::span<const float> o, std::span<float> a) {
                                       std::fill(a.begin(), a.end(), 0.0f);
                                       for (std::size_t i : pick(o)) {
                                         const double annual_vol = o[i * width + 3] / 10.0 * std::sqrt(252.0);
                                         a[i] = annual_vol > 0 ? static_cast<float>(std::min(1.0, 0.20 / annual_vol)) : 0.0f;
                                       }
                                     });
    slot("vol_target_topk", fmt::format("top {} by {}, each scaled to 20% annual volatility", config.top_k, ranked_by))
        .add(vol_target, cash);
    // The plan's integrated system: the models' scores in the observation, DQN deciding which
    // names are in (enter, or hold what is held), PPO sizing them.
    if (config.score_column && kept.count("ppo") && kept.count("dqn")) {
      Agent& ppo = *kept["ppo"];
      Agent& dqn = *kept["dqn"];
      std::vector<float> timing(n);
      const Path system = run_path(panel, universe, features, rows, rule_config, test_from, test_last,
                                   [&](std::span<const float> o, std::span<float> a) {
                                     ppo.act(o, a, true);
                                     dqn.act(o, timing, true);
                                     for (std::size_t i = 0; i < n; ++i) {
                                       const bool held = o[i * width + weight_column] > 0.0f;
                                       const bool in = timing[i] > 1.5f || (timing[i] > 0.5f && held);
                                       if (!in) a[i] = 0.0f;
                                     }
                                   });
      slot("ppo_dqn_system", "models' scores observed; DQN picks the names, PPO sizes them").add(system, cash);
    }
    TradingEnvConfig equal_config = rule_config;
    equal_config.rules.max_positions = 0;  // 1/N holds every name: no 20-name cap
    const float equal_action = static_cast<float>(
        std::min(1.0, (1 - config.env.limits.min_cash_fraction) / static_cast<double>(n) / config.env.limits.max_position_fraction));
    const Path equal = run_path(panel, universe, features, rows, equal_config, test_from, test_last,
                                [&](std::span<const float>, std::span<float> a) { std::fill(a.begin(), a.end(), equal_action); });
    slot("equal_weight", "1/N of the universe (80% invested; no 20-name cap)").add(equal, cash);
    TradingEnvConfig spy_config = rule_config;
    spy_config.control = Control::Timing;  // "enter" once, then held as it is: no daily re-targeting
    spy_config.limits.max_position_fraction = 1;
    spy_config.limits.max_sector_fraction = 1;
    spy_config.limits.min_cash_fraction = 0;
    spy_config.limits.max_drawdown = 0;
    spy_config.limits.daily_loss_limit = 0;
    spy_config.rules = trading::TradeRules{.stop_loss = 0, .breakeven_after = 0, .trail = 0, .time_stop_days = 0,
                                           .max_positions = 0, .min_position = core::Money{}};
    const Path spy = run_path(panel, {benchmark}, benchmark_features, {}, spy_config, test_from, test_last,
                              [](std::span<const float>, std::span<float> a) { std::fill(a.begin(), a.end(), 2.0f); });
    slot("buy_and_hold_spy", "SPY, fully invested, no stops").add(spy, cash);
  }

  std::vector<double> sharpes;
  for (auto& a : acc) {
    StrategyOutcome o;
    o.name = a.name;
    o.description = a.description;
    o.daily_returns = a.returns;
    o.stats = analysis::compute_series_stats(a.returns);
    const double average_equity = a.days > 0 ? a.equity_sum / static_cast<double>(a.days) : cash;
    o.annual_turnover = a.days > 0 ? a.traded / average_equity / (static_cast<double>(a.days) / 252.0) : 0;
    o.average_exposure = a.days > 0 ? a.exposure_sum / static_cast<double>(a.days) : 0;
    o.costs = a.costs;
    o.round_trips = a.round_trips;
    o.entry_accuracy = a.round_trips > 0 ? static_cast<double>(a.wins) / static_cast<double>(a.round_trips) : 0;
    o.halted = a.halted;
    sharpes.push_back(per_period_sharpe(a.returns));
    report.strategies.push_back(std::move(o));
  }
  const auto best = std::max_element(sharpes.begin(), sharpes.end()) - sharpes.begin();
  report.best = report.strategies[static_cast<std::size_t>(best)].name;
  auto dsr = analysis::deflated_sharpe_ratio(report.strategies[static_cast<std::size_t>(best)].daily_returns, sharpes);
  report.deflated_sharpe = dsr ? dsr->deflated_sharpe : 0;
  return report;
}

std::vector<std::string> verdicts(const WalkForwardReport& report) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("Highest Sharpe: {}; deflated Sharpe ratio {:.2f} over {} strategies tried (the "
                              "probability that its true Sharpe is above zero after the selection).",
                              report.best, report.deflated_sharpe, report.strategies.size()));
  const StrategyOutcome* hold = nullptr;
  for (const auto& s : report.strategies) {
    if (s.name == "buy_and_hold_spy") hold = &s;
  }
  for (const auto& s : report.strategies) {
    if ((s.name == "ppo_sizing" || s.name == "dqn_timing" || s.name == "ppo_dqn_system") && hold != nullptr) {
      const bool beats = s.stats.sharpe > hold->stats.sharpe && s.stats.annual_return > hold->stats.annual_return;
      lines.push_back(fmt::format("{} {} buy-and-hold after costs (Sharpe {} vs {}, CAGR {:.1f}% vs {:.1f}%).",
                                  s.name, beats ? "beats" : "does NOT beat", ratio_text(s.stats.sharpe),
                                  ratio_text(hold->stats.sharpe),
                                  100 * s.stats.annual_return, 100 * hold->stats.annual_return));
    }
  }
  for (const auto& warning : never_invested(report)) lines.push_back(warning);
  return lines;
}

std::vector<std::string> never_invested(const WalkForwardReport& report) {
  std::vector<std::string> out;
  for (const auto& s : report.strategies) {
    if (s.average_exposure < 0.05) {
      out.push_back(fmt::format("{} was invested {:.1f}% of its equity on average: it (nearly) never traded, so its "
                                "record says nothing about skill",
                                s.name, 100 * s.average_exposure));
    }
  }
  return out;
}

std::string to_markdown(const WalkForwardReport& report) {
  std::string out;
  for (const auto& f : report.folds) out += fmt::format("- {}\n", f);
  out += "\n| strategy | CAGR | Sharpe | Sortino | max drawdown | exposure | turnover / year | costs | round trips | entries won |\n";
  out += "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& s : report.strategies) {
    out += fmt::format("| {}{} | {:.1f}% | {} | {} | {:.1f}% | {:.0f}% | {:.1f}× | {:.2f}% | {} | {} |\n", s.name,
                       s.halted ? " (halted)" : "", 100 * s.stats.annual_return, ratio_text(s.stats.sharpe),
                       ratio_text(s.stats.sortino), 100 * s.stats.max_drawdown, 100 * s.average_exposure, s.annual_turnover,
                       100 * s.costs, s.round_trips,
                       s.round_trips > 0 ? fmt::format("{:.1f}%", 100 * s.entry_accuracy) : "–");
  }
  out += "\n";
  for (const auto& line : verdicts(report)) out += "- " + line + "\n";
  return out;
}

}  // namespace kestrel::rl
