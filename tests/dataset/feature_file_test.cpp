#include "dataset/feature_file.hpp"

#include <cmath>
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

}  // namespace
}  // namespace kestrel::dataset
