// `kestrel features build|describe` end to end on the sample data.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dataset/feature_file.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::dataset {
namespace {

TEST(FeaturesCli, BuildChecksLeaksRecordsTheOutcomeExportsAndDescribeReadsTheExport) {
  kestrel::testing::TempDir dir;
  const std::string kestrel = std::string(KESTREL_BINARY) + " -q ";
  const std::string db = (dir / "k.db").string();
  const auto import = kestrel::testing::run_command(kestrel + "data import --db " + db + " " KESTREL_SAMPLE_DATA);
  ASSERT_EQ(import.exit_code, 0) << import.output;

  // Without --export only the record is written: features are recomputed where they are used.
  const auto check = kestrel::testing::run_command(kestrel + "features build --truncation-cuts 1 --db " + db);
  ASSERT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("leak check: passed"), std::string::npos) << check.output;
  EXPECT_FALSE(std::filesystem::exists(db + ".features"));
  const auto record = nlohmann::json::parse(kestrel::testing::read_file(db + ".features.json"));
  EXPECT_TRUE(record["leak_check"]["passed"].get<bool>());
  EXPECT_EQ(record["leak_check"]["truncation_cuts"].size(), 1u);
  EXPECT_EQ(record["tickers"], 22);
  EXPECT_GE(record["features"].size(), 95u);

  const std::string exported = (dir / "values.kfeat").string();
  const auto build = kestrel::testing::run_command(kestrel + "features build --truncation-cuts 0 --export " + exported +
                                                   " --db " + db);
  ASSERT_EQ(build.exit_code, 0) << build.output;
  EXPECT_NE(build.output.find("exported the values to"), std::string::npos) << build.output;
  const auto matrix = read_feature_file(exported);
  ASSERT_TRUE(matrix) << matrix.error().message;
  EXPECT_GE(matrix->num_features(), 95u);
  EXPECT_EQ(matrix->num_tickers(), 22u);
  const auto again = nlohmann::json::parse(kestrel::testing::read_file(db + ".features.json"));
  EXPECT_EQ(again["leak_check"]["truncation_cuts"].size(), 0u);
  EXPECT_EQ(again["export"], exported);

  const auto describe = kestrel::testing::run_command(kestrel + "features describe --json --features " + exported);
  ASSERT_EQ(describe.exit_code, 0) << describe.output;
  const auto json = nlohmann::json::parse(describe.output);
  ASSERT_EQ(json.size(), matrix->num_features());
  EXPECT_EQ(json[0]["feature"], matrix->names[0]);
  EXPECT_GT(json[0]["count"].get<std::size_t>(), 50000u);
  for (std::size_t f = 0; f < matrix->num_features(); ++f) {  // the record counts what describe counts
    EXPECT_EQ(json[f]["count"], again["features"][f]["present"]) << matrix->names[f];
  }
  for (const char* key : {"nan_share", "mean", "std", "min", "p1", "p50", "p99", "max"}) {
    EXPECT_TRUE(json[0].contains(key)) << key;
  }

  const auto corrupt = kestrel::testing::run_command(kestrel + "features describe --features " + db);
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_NE(corrupt.output.find("not a Kestrel feature file"), std::string::npos) << corrupt.output;
}

}  // namespace
}  // namespace kestrel::dataset
