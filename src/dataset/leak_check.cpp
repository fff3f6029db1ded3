#include "dataset/leak_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "dataset/panel_truncation.hpp"
#include "features/value_sort.hpp"

namespace kestrel::dataset {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Average ranks (1-based; ties share their mean rank).
std::vector<double> average_ranks(const std::vector<float>& v) {
  std::vector<std::uint64_t> keys(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) keys[i] = features::value_key(v[i], i);
  std::vector<std::uint64_t> scratch;
  features::sort_by_value(keys, scratch);
  std::vector<double> ranks(v.size());
  features::for_each_tie_group(keys, [&](std::size_t first, std::size_t last) {
    const double rank = 0.5 * static_cast<double>(first + last - 1) + 1.0;
    for (std::size_t m = first; m < last; ++m) ranks[features::key_index(keys[m])] = rank;
  });
  return ranks;
}

// The average ranks of values that are all 0 or 1 (a direction label), by counting: the same
// numbers average_ranks gives, without its sort. Nothing when another value occurs.
std::optional<std::vector<double>> binary_average_ranks(const std::vector<float>& v) {
  std::size_t zeros = 0;
  for (float x : v) {
    if (x != 0.0f && x != 1.0f) return std::nullopt;
    zeros += x == 0.0f ? 1 : 0;
  }
  // Ties at sorted positions i..j (0-based) share 0.5 * (i + j) + 1, as in average_ranks.
  const double zero_rank = 0.5 * (static_cast<double>(zeros) - 1.0) + 1.0;
  const double one_rank = 0.5 * (static_cast<double>(zeros) + static_cast<double>(v.size()) - 1.0) + 1.0;
  std::vector<double> ranks(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) ranks[i] = v[i] == 0.0f ? zero_rank : one_rank;
  return ranks;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0 || syy == 0) return 0;
  return sxy / std::sqrt(sxx * syy);
}

// Mann-Whitney AUC of the feature for separating label 1 from label 0, from feature ranks.
double auc_from_ranks(const std::vector<double>& feature_ranks, const std::vector<float>& label) {
  double positives = 0, rank_sum = 0;
  for (std::size_t i = 0; i < label.size(); ++i) {
    if (label[i] == 1.0f) {
      positives += 1;
      rank_sum += feature_ranks[i];
    }
  }
  const double negatives = static_cast<double>(label.size()) - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

bool same_value(float a, float b, double tolerance) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(static_cast<double>(a) - b) <= tolerance * std::max(1.0, std::fabs(static_cast<double>(a)));
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

std::vector<std::string> AssociationReport::flagged() const {
  std::vector<std::string> out;
  for (const auto& f : features) {
    if (f.flagged) out.push_back(f.name);
  }
  return out;
}

std::vector<std::string> TruncationReport::flagged() const {
  std::vector<std::string> out;
  for (const auto& c : changes) out.push_back(c.feature);
  return out;
}

core::Result<AssociationReport> check_label_association(const features::FeatureMatrix& matrix,
                                                        const Labels& labels,
                                                        const AssociationOptions& options) {
  if (matrix.dates != labels.dates || matrix.tickers != labels.tickers) {
    return core::fail("leak check: features and labels come from different panels");
  }
  // The labeled ticker-days, evenly strided down to max_samples (deterministic).
  std::vector<std::size_t> cells;  // ticker * num_dates + t
  for (std::size_t j = 0; j < labels.values.size(); ++j) {
    if (!std::isnan(labels.values[j])) cells.push_back(j);
  }
  if (options.max_samples > 0 && cells.size() > options.max_samples) {
    std::vector<std::size_t> kept(options.max_samples);
    for (std::size_t k = 0; k < kept.size(); ++k) kept[k] = cells[k * cells.size() / kept.size()];
    cells = std::move(kept);
  }

  AssociationReport report;
  report.label = labels.name;
  report.features.resize(matrix.num_features());
  // The sampled cells' labels, read once rather than once per feature.
  std::vector<float> cell_labels(cells.size());
  for (std::size_t k = 0; k < cells.size(); ++k) cell_labels[k] = labels.values[cells[k]];
  tbb::parallel_for(std::size_t{0}, matrix.num_features(), [&](std::size_t f) {
    FeatureAssociation& a = report.features[f];
    a.name = matrix.names[f];
    a.rank_correlation = kNaN;
    a.auc = kNaN;
    // A cell indexes feature f's plane as it indexes the labels (ticker-major).
    const float* values = matrix.feature(f).data();
    std::vector<float> x, y;
    x.reserve(cells.size());
    y.reserve(cells.size());
    for (std::size_t k = 0; k < cells.size(); ++k) {
      const float v = values[cells[k]];
      if (!std::isfinite(v)) continue;
      x.push_back(v);
      y.push_back(cell_labels[k]);
    }
    a.samples = x.size();
    if (a.samples < options.min_samples) return;
    const auto xr = average_ranks(x);
    const auto binary_ranks = binary_average_ranks(y);
    a.rank_correlation = pearson(xr, binary_ranks ? *binary_ranks : average_ranks(y));
    if (labels.is_classification()) a.auc = auc_from_ranks(xr, y);
    if (std::fabs(a.rank_correlation) > options.max_abs_rank_correlation) {
      a.flagged = true;
      a.reason = fmt::format("rank correlation {:.3f} with {} exceeds {:.2f}", a.rank_correlation,
                             labels.name, options.max_abs_rank_correlation);
    } else if (!std::isnan(a.auc) && std::fabs(a.auc - 0.5) > options.max_auc_distance) {
      a.flagged = true;
      a.reason = fmt::format("single-feature AUC {:.3f} for {} is further than {:.2f} from 0.5", a.auc,
                             labels.name, options.max_auc_distance);
    }
  });
  return report;
}

core::Result<TruncationReport> check_truncation(const store::Panel& whole_panel,
                                                const features::FeatureMatrix& whole_features,
                                                const FeatureFunction& compute,
                                                const TruncationOptions& options) {
  if (whole_features.num_dates() != whole_panel.num_dates() ||
      whole_features.num_tickers() != whole_panel.num_tickers()) {
    return core::fail("truncation check: the feature matrix does not match the panel's axes");
  }
  TruncationReport report;
  std::uint64_t state = options.seed;

  // A large universe is checked on a seeded sample of its tickers, with its own reference.
  std::optional<store::Panel> sampled_panel;
  std::optional<features::FeatureMatrix> sampled_features;
  if (options.max_tickers > 0 && whole_panel.num_tickers() > options.max_tickers) {
    const auto& tickers = whole_panel.tickers();
    std::vector<bool> chosen(tickers.size(), false);
    std::size_t count = 0;
    for (std::size_t i = 0; i < tickers.size(); ++i) {
      if (std::find(options.always_include.begin(), options.always_include.end(), tickers[i]) !=
          options.always_include.end()) {
        chosen[i] = true;
        ++count;
      }
    }
    while (count < options.max_tickers) {
      const std::size_t i = splitmix64(state) % tickers.size();
      if (!chosen[i]) {
        chosen[i] = true;
        ++count;
      }
    }
    std::vector<std::size_t> sample;
    for (std::size_t i = 0; i < tickers.size(); ++i) {
      if (chosen[i]) sample.push_back(i);
    }
    sampled_panel = select_panel(whole_panel, sample, whole_panel.num_dates() - 1);
    auto reference = compute(*sampled_panel);
    if (!reference) return std::unexpected(reference.error());
    sampled_features = std::move(*reference);
  }
  const store::Panel& panel = sampled_panel ? *sampled_panel : whole_panel;
  const features::FeatureMatrix& full = sampled_features ? *sampled_features : whole_features;
  report.tickers_checked = panel.num_tickers();
  // The sample's dates are those its tickers have (an index from 1982 may not be in it).
  const std::size_t n = panel.num_dates();
  if (n < 4) return report;

  const auto lo = std::min(n - 2, static_cast<std::size_t>(options.first_cut_fraction * static_cast<double>(n)));
  std::vector<std::size_t> cuts;
  for (std::size_t k = 0; k < options.cut_points; ++k) cuts.push_back(lo + splitmix64(state) % (n - 1 - lo));
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

  for (std::size_t cut : cuts) report.cuts.push_back(panel.dates()[cut]);
  std::vector<bool> changed(full.num_features(), false);
  // Latest cut first: each later (smaller) truncated panel and matrix then fits in the memory
  // the previous one freed, which the allocator keeps, instead of faulting in gigabytes anew.
  for (auto it = cuts.rbegin(); it != cuts.rend(); ++it) {
    const std::size_t cut = *it;
    auto truncated = compute(truncate_panel(panel, cut));
    if (!truncated) return std::unexpected(truncated.error());
    if (truncated->names != full.names || truncated->num_dates() != cut + 1 ||
        truncated->tickers != full.tickers) {
      return core::fail("truncation check: features computed on the panel cut at {} have other axes",
                        panel.dates()[cut].to_string());
    }
    // Features are compared in parallel; each keeps its first change, reported in feature order.
    std::vector<std::optional<TruncationChange>> found(full.num_features());
    tbb::parallel_for(std::size_t{0}, full.num_features(), [&](std::size_t f) {
      if (changed[f]) return;
      for (std::size_t i = 0; i < full.num_tickers(); ++i) {
        const auto a = full.series(f, i);
        const auto b = truncated->series(f, i);
        // Most rows come out bit for bit the same: one memcmp clears them, and only a row that
        // differs somewhere is compared value by value (NaN against NaN, -0 against +0 and the
        // tolerance are decided there).
        if (std::memcmp(a.data(), b.data(), (cut + 1) * sizeof(float)) == 0) continue;
        for (std::size_t t = 0; t <= cut; ++t) {
          if (same_value(a[t], b[t], options.tolerance)) continue;
          found[f] = TruncationChange{full.names[f], full.tickers[i], panel.dates()[cut], panel.dates()[t], a[t], b[t]};
          return;
        }
      }
    });
    for (std::size_t f = 0; f < found.size(); ++f) {
      if (!found[f]) continue;
      changed[f] = true;
      report.changes.push_back(std::move(*found[f]));
    }
  }
  return report;
}

}  // namespace kestrel::dataset
