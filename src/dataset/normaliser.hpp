#pragma once
// Feature normalisation fitted on the training window only, and stored with the model.
//
//   ZScore:             (x - mean) / std        over the training window
//   Robust:             (x - median) / IQR      (IQR = p75 - p25), insensitive to fat tails
//   CrossSectionalRank: per date, the rank of x among that date's tickers mapped to [-1, 1]
//                       (ties share their average rank). It has no fitted parameters and
//                       uses only same-date values, so it is point-in-time by construction.
//
// Fitting reads values only at dates inside the training range, across all tickers; NaN
// stays NaN. A feature that is constant or absent in the window gets scale 1 (and center 0
// when absent) rather than a division by zero. Serialised as JSON so a saved model carries
// exactly the transform it was trained with.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "dataset/splits.hpp"
#include "features/feature_matrix.hpp"

namespace kestrel::dataset {

enum class NormaliserKind : std::uint8_t { ZScore, Robust, CrossSectionalRank };
std::string_view to_string(NormaliserKind kind);
core::Result<NormaliserKind> parse_normaliser_kind(std::string_view text);

class Normaliser {
 public:
  // clip > 0 limits transformed values to [-clip, clip] (affine kinds only).
  static Normaliser fit(NormaliserKind kind, const features::FeatureMatrix& matrix, DateRange train,
                        float clip = 0);

  // Transforms every value of `matrix` in place; fails if its feature names differ from the
  // ones fitted on (a model must see the columns it was trained on, in the same order).
  core::Status apply(features::FeatureMatrix& matrix) const;
  // One value of feature f (affine kinds; CrossSectionalRank needs the whole cross-section).
  float transform(std::size_t f, float x) const;

  NormaliserKind kind() const { return kind_; }
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<double>& center() const { return center_; }
  const std::vector<double>& scale() const { return scale_; }
  float clip() const { return clip_; }

  std::string to_json() const;
  static core::Result<Normaliser> from_json(std::string_view text);

 private:
  NormaliserKind kind_ = NormaliserKind::ZScore;
  std::vector<std::string> names_;
  std::vector<double> center_;
  std::vector<double> scale_;
  float clip_ = 0;
};

}  // namespace kestrel::dataset
