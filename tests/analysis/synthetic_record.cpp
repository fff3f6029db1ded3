#include "synthetic_record.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "store/input_file.hpp"

namespace kestrel::testing {
namespace {

constexpr std::size_t kSmaDays = 50;
constexpr double kCapital = 1'000'000;
constexpr double kCommissionPerShare = 0.005;
constexpr double kMinCommission = 1.0;

core::Result<std::vector<store::Bar>> load(const std::filesystem::path& dir, const std::string& ticker) {
  auto file = store::read_input_file(dir / (ticker + ".csv.gz"));
  if (!file) return std::unexpected(file.error());
  auto* bars = std::get_if<store::BarFile>(&*file);
  if (bars == nullptr) return core::fail("{}: not a bar file", ticker);
  return std::move(bars->bars);
}

struct Holding {
  double shares = 0;
  double entry_price = 0;
  double entry_commission = 0;
  core::Date entry_date;
};

}  // namespace

core::Result<analysis::BacktestRecord> synthetic_record(const std::filesystem::path& sample_dir) {
  const std::array<std::string, 3> tickers = {"AAPL", "MSFT", "JPM"};
  auto spy = load(sample_dir, "SPY");
  if (!spy) return std::unexpected(spy.error());
  std::vector<std::map<core::Date, store::Bar>> bars(tickers.size());
  for (std::size_t k = 0; k < tickers.size(); ++k) {
    auto loaded = load(sample_dir, tickers[k]);
    if (!loaded) return std::unexpected(loaded.error());
    for (const auto& b : *loaded) bars[k][b.date] = b;
  }

  analysis::BacktestRecord record;
  record.name = "sma50-trend (synthetic)";
  record.benchmark = "SPY";
  record.config_text = "[strategy]\nkind = \"sma_trend\"\ntickers = [\"AAPL\", \"MSFT\", \"JPM\"]\nsma_days = 50\n";
  record.config_hash = "3f6c2a9d1e0b7c45";
  record.seed = 42;

  double cash = kCapital;
  std::vector<Holding> held(tickers.size());
  std::vector<std::vector<double>> closes(tickers.size());
  std::vector<int> wanted(tickers.size(), 0);  // decided at yesterday's close
  int order_number = 0;

  for (const auto& day : *spy) {
    // Fill yesterday's decisions at today's open.
    for (std::size_t k = 0; k < tickers.size(); ++k) {
      const auto it = bars[k].find(day.date);
      if (it == bars[k].end()) continue;
      const double open = it->second.adj_open();
      const bool holding = held[k].shares > 0;
      if (wanted[k] == 1 && !holding) {
        // A third of yesterday's closing equity, within the cash left.
        const double target = record.equity.empty() ? kCapital / 3 : record.equity.back().equity / 3;
        const double shares = std::floor(std::min(target, cash - kMinCommission * 10) / open);
        if (shares <= 0) continue;
        const double commission = std::max(kMinCommission, shares * kCommissionPerShare);
        cash -= shares * open + commission;
        held[k] = {shares, open, commission, day.date};
        record.orders.push_back({.submitted = day.date, .last_update = day.date,
                                 .client_order_id = fmt::format("syn-{:05}", ++order_number),
                                 .ticker = tickers[k], .side = "buy", .type = "market", .status = "filled",
                                 .quantity = shares, .filled_quantity = shares, .limit_price = 0,
                                 .stop_price = 0, .average_fill_price = open, .commission = commission,
                                 .reason = ""});
      } else if (wanted[k] == 0 && holding) {
        const Holding h = held[k];
        const double commission = std::max(kMinCommission, h.shares * kCommissionPerShare);
        cash += h.shares * open - commission;
        const double pnl = h.shares * (open - h.entry_price) - h.entry_commission - commission;
        record.trades.push_back({.ticker = tickers[k], .entry_date = h.entry_date, .exit_date = day.date,
                                 .quantity = h.shares, .entry_price = h.entry_price, .exit_price = open,
                                 .pnl = pnl, .return_pct = pnl / (h.shares * h.entry_price),
                                 .commission = h.entry_commission + commission, .exit_reason = "signal"});
        record.orders.push_back({.submitted = day.date, .last_update = day.date,
                                 .client_order_id = fmt::format("syn-{:05}", ++order_number),
                                 .ticker = tickers[k], .side = "sell", .type = "market", .status = "filled",
                                 .quantity = h.shares, .filled_quantity = h.shares, .limit_price = 0,
                                 .stop_price = 0, .average_fill_price = open, .commission = commission,
                                 .reason = ""});
        held[k] = {};
      }
    }
    // Mark to the close and decide for tomorrow.
    double value = 0;
    int positions = 0;
    for (std::size_t k = 0; k < tickers.size(); ++k) {
      const auto it = bars[k].find(day.date);
      if (it == bars[k].end()) continue;
      const double close = it->second.adj_close;
      closes[k].push_back(close);
      if (held[k].shares > 0) {
        value += held[k].shares * close;
        ++positions;
      }
      if (closes[k].size() >= kSmaDays) {
        double sum = 0;
        for (std::size_t i = closes[k].size() - kSmaDays; i < closes[k].size(); ++i) sum += closes[k][i];
        wanted[k] = close > sum / kSmaDays ? 1 : 0;
      }
    }
    const double equity = cash + value;
    record.equity.push_back({.date = day.date, .equity = equity, .cash = cash,
                             .gross_exposure = value / equity, .net_exposure = value / equity,
                             .benchmark = day.adj_close, .positions = positions});
  }
  return record;
}

}  // namespace kestrel::testing
