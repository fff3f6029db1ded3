#include "analysis/activity_flags.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace kestrel::analysis {

std::vector<std::string> activity_flags(const BacktestRecord& record) {
  std::vector<std::string> flags;
  std::size_t filled = 0;
  for (const auto& o : record.orders) filled += o.filled_quantity > 0 ? 1 : 0;
  std::map<std::string, std::int64_t> denied_by_rule;
  std::int64_t denied = 0;
  if (record.risk) {
    for (const auto& e : record.risk->events) {
      if (e.kind == "denied") {
        ++denied;
        ++denied_by_rule[e.rule];
      }
    }
  }
  std::string rules;
  for (const auto& [rule, n] : denied_by_rule) rules += fmt::format("{}{} {}", rules.empty() ? "" : ", ", rule, n);
  const std::int64_t refused = record.orders_refused;
  if (record.orders.empty() && (denied > 0 || refused > 0)) {
    flags.push_back(fmt::format("every order the strategy placed was refused: {} denied by the risk manager{}{} — "
                                "size the strategy to the limits or change [risk]",
                                denied, rules.empty() ? "" : " (" + rules + ")",
                                refused > 0 ? fmt::format(", {} refused by the entry rules (max_positions, min_position)",
                                                          refused)
                                            : ""));
  } else if (filled == 0) {
    flags.push_back(record.orders.empty() ? "the strategy placed no order: nothing was traded"
                                          : fmt::format("none of the {} orders filled: nothing was traded",
                                                        record.orders.size()));
  } else if (denied > 0 && static_cast<double>(denied) > 0.5 * static_cast<double>(record.orders.size())) {
    flags.push_back(fmt::format("the risk manager denied {} orders against {} sent ({}): the run trades a different "
                                "strategy from the one configured",
                                denied, record.orders.size(), rules));
  }
  if (!record.equity.empty()) {
    double sum = 0, peak = 0;
    for (const auto& e : record.equity) {
      sum += e.gross_exposure;
      peak = std::max(peak, e.gross_exposure);
    }
    const double average = sum / static_cast<double>(record.equity.size());
    if (peak == 0) {
      flags.push_back("never invested: the portfolio held no position on any day");
    } else if (average < kBarelyInvested) {
      flags.push_back(fmt::format("barely invested: {:.1f}% of equity on average (peak {:.1f}%); the statistics "
                                  "describe cash",
                                  100 * average, 100 * peak));
    }
  }
  return flags;
}

}  // namespace kestrel::analysis
