#include "stock_universe.hpp"

namespace kestrel::app {

std::vector<std::size_t> stock_universe(const store::Panel& panel) {
  std::vector<std::size_t> stocks;
  for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
    const bool benchmark = (!panel.sectors().empty() && panel.sectors()[i] == "Benchmark") ||
                           panel.tickers()[i] == "SPX" || panel.tickers()[i] == "SPY";
    if (!benchmark) stocks.push_back(i);
  }
  return stocks;
}

}  // namespace kestrel::app
