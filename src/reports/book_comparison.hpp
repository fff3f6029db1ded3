#pragma once
// An A/B test of two strategies traded side by side on separate books (two trading runs over
// the same sessions, e.g. `kestrel trade ab`): each book's return, risk, trading and costs
// against buy-and-hold of the benchmark, and whether the daily difference between the books
// is more than noise (analysis/paired_difference.hpp). Read from the two runs' journals — the
// node may still be trading — and written as ab-comparison.md and ab-comparison.html.
#include <filesystem>
#include <string>
#include <vector>

#include "analysis/paired_difference.hpp"
#include "analysis/performance_stats.hpp"
#include "core/date.hpp"
#include "core/error.hpp"
#include "store/journal.hpp"

namespace kestrel::reports {

struct BookSummary {
  std::string label;   // "A" or "B"
  std::string name;    // the run's config name
  std::string run_id;
  std::string mode;
  std::size_t sessions = 0;  // journaled by the run (the comparison uses the common ones)
  double initial_equity = 0;
  analysis::SeriesStats stats;  // over the common sessions
  double traded = 0;       // sum of |quantity × price| over the fills
  double commissions = 0;
  std::size_t fills = 0;  // fills, traded and commissions up to the last common session
  int wins = 0, losses = 0;  // round trips the whole run closed
  bool halted = false;
  std::string halt_reason;
  std::vector<double> equity;  // on the common sessions
};

struct BookComparison {
  BookSummary a, b;
  std::vector<core::Date> dates;    // the sessions both books journaled
  std::string benchmark;            // empty when the runs journaled none
  analysis::SeriesStats benchmark_stats;
  std::vector<double> benchmark_equity;  // scaled to book A's first equity
  analysis::PairedDifference difference;  // daily returns, B - A
  std::vector<std::string> flags;   // what makes the comparison weak or empty
};

// `run_a`/`run_b` empty: the newest run of each journal. The two may be the same journal with
// two runs. Fails when the runs share fewer than two sessions.
core::Result<BookComparison> compare_books(store::Journal& a, const std::string& run_a, store::Journal& b,
                                           const std::string& run_b);

// The comparison in words: what a reader should conclude.
std::string comparison_verdict(const BookComparison& c);

struct ComparisonFiles {
  std::filesystem::path markdown, html;
};
core::Result<ComparisonFiles> write_book_comparison(const BookComparison& c, const std::filesystem::path& out_dir);

}  // namespace kestrel::reports
