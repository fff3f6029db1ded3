#include "analysis/return_stats.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace kestrel::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> present(std::span<const double> values) {
  std::vector<double> out;
  out.reserve(values.size());
  for (double v : values) {
    if (!std::isnan(v)) out.push_back(v);
  }
  return out;
}

double mean(std::span<const double> values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

// Sample standard deviation (ddof=1). Exactly zero when every value is the same: the mean of
// n equal values can differ from them in the last bit, which would otherwise turn a constant
// series into a huge ratio instead of an undefined one.
double sample_std(std::span<const double> values) {
  if (values.size() < 2) return kNaN;
  if (std::ranges::all_of(values, [&](double v) { return v == values.front(); })) return 0.0;
  const double m = mean(values);
  double squares = 0;
  for (double v : values) squares += (v - m) * (v - m);
  return std::sqrt(squares / static_cast<double>(values.size() - 1));
}

double growth(std::span<const double> returns) {
  double wealth = 1.0;
  for (double r : returns) {
    if (!std::isnan(r)) wealth *= 1.0 + r;
  }
  return wealth;
}

// numpy.percentile's default ("linear") interpolation, including its switch to
// interpolating down from the upper neighbour past the midpoint.
double linear_quantile(std::vector<double> sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  const double t = position - static_cast<double>(below);
  const double a = sorted[below];
  const double b = sorted[above];
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

struct Pairs {
  std::vector<double> returns;
  std::vector<double> benchmark;
};

Pairs paired(std::span<const double> returns, std::span<const double> benchmark) {
  assert(returns.size() == benchmark.size());
  Pairs out;
  for (std::size_t i = 0; i < returns.size(); ++i) {
    if (std::isnan(returns[i]) || std::isnan(benchmark[i])) continue;
    out.returns.push_back(returns[i]);
    out.benchmark.push_back(benchmark[i]);
  }
  return out;
}

double beta_of(const Pairs& pairs) {
  if (pairs.returns.empty()) return kNaN;
  const double benchmark_mean = mean(pairs.benchmark);
  double covariance = 0;
  double variance = 0;
  for (std::size_t i = 0; i < pairs.returns.size(); ++i) {
    const double centred = pairs.benchmark[i] - benchmark_mean;
    covariance += centred * pairs.returns[i];
    variance += centred * centred;
  }
  const auto n = static_cast<double>(pairs.returns.size());
  covariance /= n;
  variance /= n;
  // empyrical's threshold for a benchmark that does not move.
  if (variance < 1.0e-30) return kNaN;
  return covariance / variance;
}

}  // namespace

std::vector<double> simple_returns(std::span<const double> levels) {
  std::vector<double> out;
  if (levels.size() < 2) return out;
  out.reserve(levels.size() - 1);
  for (std::size_t i = 1; i < levels.size(); ++i) {
    const double before = levels[i - 1];
    const double after = levels[i];
    const bool usable = !std::isnan(before) && !std::isnan(after) && before > 0;
    out.push_back(usable ? after / before - 1.0 : kNaN);
  }
  return out;
}

double total_return(std::span<const double> returns) {
  if (returns.empty()) return kNaN;
  return growth(returns) - 1.0;
}

double annual_return(std::span<const double> returns) {
  if (returns.empty()) return kNaN;
  const double years = static_cast<double>(returns.size()) / kTradingDaysPerYear;
  return std::pow(growth(returns), 1.0 / years) - 1.0;
}

double annual_volatility(std::span<const double> returns) {
  if (returns.size() < 2) return kNaN;
  return sample_std(present(returns)) * std::sqrt(kTradingDaysPerYear);
}

double sharpe_ratio(std::span<const double> returns) {
  if (returns.size() < 2) return kNaN;
  const auto values = present(returns);
  const double deviation = sample_std(values);
  if (!(deviation > 0)) return kNaN;
  return mean(values) / deviation * std::sqrt(kTradingDaysPerYear);
}

double downside_risk(std::span<const double> returns) {
  const auto values = present(returns);
  if (values.empty()) return kNaN;
  double squares = 0;
  for (double r : values) {
    const double below = std::min(r, 0.0);
    squares += below * below;
  }
  return std::sqrt(squares / static_cast<double>(values.size())) * std::sqrt(kTradingDaysPerYear);
}

double sortino_ratio(std::span<const double> returns) {
  if (returns.size() < 2) return kNaN;
  const auto values = present(returns);
  if (values.empty()) return kNaN;
  const double risk = downside_risk(values);
  if (!(risk > 0)) return kNaN;
  return mean(values) * kTradingDaysPerYear / risk;
}

double max_drawdown(std::span<const double> returns) {
  if (returns.empty()) return kNaN;
  double wealth = 1.0;
  double peak = 1.0;
  double worst = 0.0;
  for (double r : returns) {
    if (!std::isnan(r)) wealth *= 1.0 + r;
    peak = std::max(peak, wealth);
    worst = std::min(worst, (wealth - peak) / peak);
  }
  return worst;
}

double calmar_ratio(std::span<const double> returns) {
  const double drawdown = max_drawdown(returns);
  if (!(drawdown < 0)) return kNaN;
  const double ratio = annual_return(returns) / std::abs(drawdown);
  return std::isinf(ratio) ? kNaN : ratio;
}

double value_at_risk(std::span<const double> returns, double cutoff) {
  auto values = present(returns);
  if (values.empty()) return kNaN;
  std::ranges::sort(values);
  return linear_quantile(std::move(values), cutoff);
}

double conditional_value_at_risk(std::span<const double> returns, double cutoff) {
  auto values = present(returns);
  if (values.empty()) return kNaN;
  std::ranges::sort(values);
  const auto count =
      static_cast<std::size_t>(static_cast<double>(values.size() - 1) * cutoff) + 1;
  return mean(std::span(values).first(count));
}

AlphaBeta alpha_beta(std::span<const double> returns, std::span<const double> benchmark) {
  if (returns.size() < 2) return {kNaN, kNaN};
  const Pairs pairs = paired(returns, benchmark);
  const double beta = beta_of(pairs);
  if (std::isnan(beta)) return {kNaN, kNaN};
  double residual = 0;
  for (std::size_t i = 0; i < pairs.returns.size(); ++i) {
    residual += pairs.returns[i] - beta * pairs.benchmark[i];
  }
  residual /= static_cast<double>(pairs.returns.size());
  return {std::pow(1.0 + residual, kTradingDaysPerYear) - 1.0, beta};
}

double information_ratio(std::span<const double> returns, std::span<const double> benchmark) {
  if (returns.size() < 2) return kNaN;
  const Pairs pairs = paired(returns, benchmark);
  std::vector<double> active(pairs.returns.size());
  for (std::size_t i = 0; i < active.size(); ++i) active[i] = pairs.returns[i] - pairs.benchmark[i];
  const double tracking_error = sample_std(active);
  if (!(tracking_error > 0)) return kNaN;
  return mean(active) / tracking_error;
}

std::vector<double> rolling_sharpe(std::span<const double> returns, std::size_t window) {
  std::vector<double> out(returns.size(), kNaN);
  if (window == 0) return out;
  for (std::size_t end = window; end <= returns.size(); ++end) {
    out[end - 1] = sharpe_ratio(returns.subspan(end - window, window));
  }
  return out;
}

}  // namespace kestrel::analysis
