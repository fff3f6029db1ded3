#include "dataset/feature_file.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>
#include <fstream>
#include <limits>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "test_data.hpp"

namespace kestrel::dataset {
namespace {

TEST(FeatureFile, RoundTripsEveryValueIncludingNaN) {
  const auto panel = testing::panel_from_closes({{1, 2, 3}, {4, 5, 6}});
  auto m = testing::indexed_matrix(panel, 2);
  m.names[1] = "return_1d";
  m.series(1, 1)[2] = std::numeric_limits<float>::quiet_NaN();
  kestrel::testing::TempDir dir;
  ASSERT_TRUE(write_feature_file(m, dir / "f.kfeat"));
  const auto back = read_feature_file(dir / "f.kfeat");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->names, m.names);
  EXPECT_EQ(back->tickers, m.tickers);
  EXPECT_EQ(back->dates, m.dates);
  ASSERT_EQ(back->values.size(), m.values.size());
  EXPECT_TRUE(std::isnan(back->at(1, 1, 2)));
  EXPECT_EQ(back->at(1, 0, 2), m.at(1, 0, 2));
  EXPECT_EQ(back->at(0, 1, 1), 11.0f);
}

TEST(FeatureFile, DetectsCorruptionTruncationAndForeignFiles) {
  const auto panel = testing::panel_from_closes({{1, 2, 3}});
  const auto m = testing::indexed_matrix(panel, 1);
  kestrel::testing::TempDir dir;
  const auto path = dir / "f.kfeat";
  ASSERT_TRUE(write_feature_file(m, path));
  std::string bytes = kestrel::testing::read_file(path);

  std::string flipped = bytes;
  flipped[flipped.size() - 1] ^= 0x10;
  kestrel::testing::write_file(path, flipped);
  auto r = read_feature_file(path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("checksum"), std::string::npos);

  kestrel::testing::write_file(path, bytes.substr(0, bytes.size() - 4));
  r = read_feature_file(path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("truncated"), std::string::npos);

  kestrel::testing::write_file(path, "date,open\n" + std::string(100, 'x'));
  r = read_feature_file(path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a Kestrel feature file"), std::string::npos);
  EXPECT_FALSE(read_feature_file(dir / "missing.kfeat"));
}

// Each ticker stores only its own span of dates: a late starter, an early leaver, a ticker
// with a hole inside its span and one with no value at all come back exactly, NaN outside.
TEST(FeatureFile, StoresEachTickersOwnDatesOnlyAndExpandsThemBack) {
  const auto panel = testing::panel_from_closes({std::vector<double>(40, 1.0), std::vector<double>(40, 2.0),
                                                 std::vector<double>(40, 3.0), std::vector<double>(40, 4.0)});
  auto m = testing::indexed_matrix(panel, 3);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t f = 0; f < 3; ++f) {
    auto late = m.series(f, 0);
    std::fill(late.begin(), late.begin() + 30, nan);  // ticker 0: dates 30..39
    auto early = m.series(f, 1);
    std::fill(early.begin() + 5, early.end(), nan);  // ticker 1: dates 0..4
    m.series(f, 2)[17] = nan;                        // ticker 2: all dates, one hole
    auto none = m.series(f, 3);
    std::fill(none.begin(), none.end(), nan);  // ticker 3: nothing
  }
  m.series(2, 0)[28] = 7.0f;  // one feature starting earlier widens the ticker's span
  kestrel::testing::TempDir dir;
  const auto path = dir / "f.kfeat";
  ASSERT_TRUE(write_feature_file(m, path));
  // Stored: (12 + 5 + 40 + 0) dates x 3 features, not 4 x 40 x 3.
  const auto header_and_names = std::filesystem::file_size(path) - 57 * 3 * sizeof(float);
  EXPECT_LT(header_and_names, 64u + 40u * 4 + 4 * 8 + 64 + 64);
  const auto back = read_feature_file(path);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->values.size(), m.values.size());
  for (std::size_t j = 0; j < m.values.size(); ++j) {
    if (std::isnan(m.values[j])) {
      EXPECT_TRUE(std::isnan(back->values[j])) << j;
    } else {
      EXPECT_EQ(back->values[j], m.values[j]) << j;
    }
  }
}

}  // namespace
}  // namespace kestrel::dataset
