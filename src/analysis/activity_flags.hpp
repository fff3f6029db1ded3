#pragma once
// Runs that did nothing useful must say so rather than print a clean-looking result: every
// order denied, nothing filled, never invested, or invested so little that the statistics
// describe cash. activity_flags() reads a finished record and returns one line per problem
// (empty: none); the backtest command prints them, the report shows them at the top, the
// pipeline carries them into its own flags.
#include <string>
#include <vector>

#include "analysis/backtest_record.hpp"

namespace kestrel::analysis {

// A run whose average gross exposure is below this share of equity is flagged as barely
// invested (a buy-and-hold stopped out in its first weeks, or top_k = 500 on 20 stocks).
inline constexpr double kBarelyInvested = 0.05;

std::vector<std::string> activity_flags(const BacktestRecord& record);

}  // namespace kestrel::analysis
