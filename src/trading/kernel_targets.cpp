// Target weights → orders in TradingKernel: optional portfolio construction (the allocation
// module sizes the names the strategy picked), the max-positions cap, then one market order
// per instrument whose holding must change — sells first, so that they free the cash the buys
// need at the same open. Earlier strategy orders on those instruments are superseded.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "trading/kernel.hpp"

namespace kestrel::trading {

using execution::Order;
using execution::OrderId;
using execution::OrderOrigin;
using execution::OrderRequest;
using execution::OrderTag;
using execution::OrderType;
using execution::Side;

core::Status TradingKernel::construct_portfolio() {
  const PortfolioConstruction& pc = *config_.construction;
  if (view_.before_first()) {
    targets_.clear();
    return {};
  }
  const std::size_t t = view_.today();
  std::vector<InstrumentId> names;
  std::vector<double> confidences;
  for (const auto& target : targets_) {
    if (target.weight > 0 && view_.has_bar(target.instrument)) {
      names.push_back(target.instrument);
      confidences.push_back(target.confidence);
    }
  }
  targets_.clear();
  if (names.empty()) return {};
  // Returns up to the decision bar only; a day without a bar counts as a zero return.
  const std::size_t days = std::min(pc.lookback_days, t);
  if (days < 2) return {};  // no history yet: hold cash rather than size blind
  allocation::AllocationInput input;
  input.returns.resize(static_cast<Eigen::Index>(days), static_cast<Eigen::Index>(names.size()));
  input.expected_returns.resize(static_cast<Eigen::Index>(names.size()));
  input.previous_weights.resize(static_cast<Eigen::Index>(names.size()));
  const double equity = portfolio_.equity().to_double();
  for (std::size_t k = 0; k < names.size(); ++k) {
    const InstrumentId i = names[k];
    input.tickers.push_back(panel_->tickers()[i]);
    input.sectors.push_back(panel_->sectors().empty() ? "" : panel_->sectors()[i]);
    const auto adj = panel_->series(store::Field::AdjClose, i);
    double sum = 0;
    for (std::size_t d = 0; d < days; ++d) {
      const std::size_t day = t - days + 1 + d;
      const double r = adj[day] / adj[day - 1] - 1;
      const double value = std::isfinite(r) ? r : 0.0;
      input.returns(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(k)) = value;
      sum += value;
    }
    // Max Sharpe's expected returns: the trailing mean (the strategy chose the names).
    input.expected_returns(static_cast<Eigen::Index>(k)) = sum / static_cast<double>(days);
    input.previous_weights(static_cast<Eigen::Index>(k)) =
        equity > 0 ? portfolio_.position(i).market_value().to_double() / equity : 0.0;
  }
  allocation::AllocationConstraints constraints = pc.constraints;
  constraints.equity = equity;
  auto allocated = allocation::allocate(pc.method, input, constraints);
  if (!allocated) {
    return core::fail("portfolio construction ({}) on {}: {}", allocation::to_string(pc.method),
                      panel_->dates()[t].to_string(), allocated.error().message);
  }
  for (std::size_t k = 0; k < names.size(); ++k) {
    const double w = allocated->weights(static_cast<Eigen::Index>(k));
    if (w > 0) targets_.push_back({.instrument = names[k], .weight = w, .confidence = confidences[k]});
  }
  return {};
}

void TradingKernel::set_target_weights(std::span<const strategy::TargetWeight> targets) {
  targets_set_this_session_ = true;
  if (targets.data() != strategy_targets_.data()) strategy_targets_.assign(targets.begin(), targets.end());
  targets_.clear();
  for (const auto& target : targets) {
    if (target.instrument >= panel_->num_tickers() || !(std::isfinite(target.weight))) continue;
    if (target.weight == 0 || (target.weight < 0 && !config_.portfolio.allow_short)) continue;
    targets_.push_back(target);
  }
  std::stable_sort(targets_.begin(), targets_.end(),
                   [](const auto& a, const auto& b) { return a.instrument < b.instrument; });
  // Duplicates add up.
  std::size_t n = 0;
  for (std::size_t k = 0; k < targets_.size(); ++k) {
    if (n > 0 && targets_[n - 1].instrument == targets_[k].instrument) {
      targets_[n - 1].weight += targets_[k].weight;
      targets_[n - 1].confidence = std::fmax(targets_[n - 1].confidence, targets_[k].confidence);  // NaN-blind
    } else {
      targets_[n++] = targets_[k];
    }
  }
  targets_.resize(n);
  if (config_.construction) {
    if (auto s = construct_portfolio(); !s) {
      fail(s.error());
      return;
    }
  }
  const std::size_t max = config_.rules.max_positions;
  if (max > 0 && targets_.size() > max) {
    std::stable_sort(targets_.begin(), targets_.end(),
                     [](const auto& a, const auto& b) { return std::fabs(a.weight) > std::fabs(b.weight); });
    targets_.resize(max);
    std::sort(targets_.begin(), targets_.end(), [](const auto& a, const auto& b) { return a.instrument < b.instrument; });
  }
  // Drawdown steps: every target scaled, kept names too — holding them at their size would not
  // take the exposure down, nor, once the scale is restored, bring it back up.
  const double scale = risk_ ? risk_->exposure_scale() : 1.0;
  if (scale < 1.0 || scale != applied_scale_) {
    for (auto& target : targets_) {
      target.weight *= scale;
      target.hold = false;
    }
  }
  applied_scale_ = scale;

  if (observer_ != nullptr) {
    std::string line;
    for (const auto& target : targets_) {
      line += fmt::format("{}{} {:.4f}", line.empty() ? "" : ", ", panel_->tickers()[target.instrument], target.weight);
    }
    observer_->on_decision("targets", line.empty() ? "none (hold cash)" : line);
  }

  // Instruments to act on: targets and current holdings, ascending.
  std::vector<InstrumentId> instruments;
  instruments.reserve(targets_.size() + portfolio_.held().size());
  for (const auto& target : targets_) instruments.push_back(target.instrument);
  for (InstrumentId i : portfolio_.held()) instruments.push_back(i);
  std::sort(instruments.begin(), instruments.end());
  instruments.erase(std::unique(instruments.begin(), instruments.end()), instruments.end());
  for (InstrumentId i : instruments) touched_[i] = 1;

  // Earlier strategy orders on these instruments are superseded.
  std::vector<OrderId> superseded;
  for (OrderId id : orders_.open()) {
    const Order& o = *orders_.order(id);
    if (touched_[o.request.instrument] && o.origin == OrderOrigin::Strategy && o.parent == 0 &&
        o.status != execution::OrderStatus::PendingCancel) {
      superseded.push_back(id);
    }
  }
  for (OrderId id : superseded) request_cancel(id, "superseded by new target weights");

  // Weights are fractions of the capital the strategy may use: the equity, or the risk
  // manager's capital cap when that is lower (the first live weeks trade $1,000 of a larger
  // account).
  double equity = portfolio_.equity().to_double();
  if (risk_ && risk_->limits().max_capital > 0) equity = std::min(equity, risk_->limits().max_capital);
  std::vector<std::pair<OrderRequest, double>> sells, buys;  // with the target's confidence
  std::size_t k = 0;
  for (InstrumentId i : instruments) {
    touched_[i] = 0;
    double weight = 0;
    double confidence = std::numeric_limits<double>::quiet_NaN();
    while (k < targets_.size() && targets_[k].instrument < i) ++k;
    if (k < targets_.size() && targets_[k].instrument == i) {
      weight = targets_[k].weight;
      confidence = targets_[k].confidence;
      const core::Quantity held = portfolio_.position(i).quantity;
      if (targets_[k].hold && held != 0 && (held > 0) == (weight > 0)) continue;  // kept as it is
    }
    if (!view_.has_bar(i)) continue;  // cannot be priced today: leave it
    const double close = view_.close(i);
    auto desired = static_cast<core::Quantity>(std::trunc(weight * equity / close));
    if (std::fabs(static_cast<double>(desired) * close) < config_.rules.min_position.to_double()) desired = 0;
    const core::Quantity delta = desired - portfolio_.position(i).quantity;
    if (delta == 0) continue;
    OrderRequest request{.instrument = i, .side = delta > 0 ? Side::Buy : Side::Sell, .quantity = std::llabs(delta),
                         .type = OrderType::Market, .tif = config_.rebalance_tif, .tag = OrderTag::Rebalance};
    (delta > 0 ? buys : sells).emplace_back(std::move(request), confidence);
  }
  // Sells first: they fill first at the open and free the cash the buys need.
  for (auto* side : {&sells, &buys}) {
    for (auto& [request, confidence] : *side) {
      if (auto checked = check_risk(std::move(request), confidence)) (void)create(std::move(*checked), OrderOrigin::Strategy);
    }
  }
}

}  // namespace kestrel::trading
