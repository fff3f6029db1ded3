#pragma once
// The tradable stocks of a folder of CSVs, as the configs trade them: every ticker except SPX
// (an index), SPY (the benchmark) and anything in the universe file's "Benchmark" sector.
#include <cstddef>
#include <vector>

#include "store/panel.hpp"

namespace kestrel::app {

std::vector<std::size_t> stock_universe(const store::Panel& panel);

}  // namespace kestrel::app
