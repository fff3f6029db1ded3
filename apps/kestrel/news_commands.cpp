// `kestrel news …`: import news into the store, train the sentiment classifier, run the ablation
// (`news collect` lives in news_collect_command.cpp).
#include <algorithm>
#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adapters/alpha_vantage_news.hpp"
#include "cli_support.hpp"
#include "core/atomic_file.hpp"
#include "core/elapsed.hpp"
#include "pipeline/pipeline_config.hpp"
#include "pipeline/sentiment_ablation.hpp"
#include "sentiment/classification_figures.hpp"
#include "sentiment/labelled_texts.hpp"
#include "sentiment/lexicon.hpp"
#include "sentiment/sentiment_classifier.hpp"
#include "sentiment/text_tokens.hpp"
#include "store/market_store.hpp"
#include "store/news_csv.hpp"
#include "store/text_file.hpp"

namespace kestrel::app {
namespace {

std::string utc_day(std::int64_t seconds) {
  return core::Date::from_days(static_cast<std::int32_t>(seconds / 86400)).to_string();
}

struct NewsImportArgs {
  std::string db;
  std::vector<std::string> files;
  bool no_cashtag_check = false;
  std::vector<std::string> aliases;  // TICKER=CASHTAG
};

void run_news_import(const GlobalOptions& global, const NewsImportArgs& args) {
  const auto started = std::chrono::steady_clock::now();
  store::NewsCsvOptions options{.require_cashtag = !args.no_cashtag_check, .cashtag_aliases = {}};
  for (const auto& a : args.aliases) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == a.size()) {
      throw CommandFailed{fmt::format("--cashtag-alias '{}': expected TICKER=CASHTAG, e.g. BKNG=PCLN", a)};
    }
    options.cashtag_aliases[a.substr(0, eq)].push_back(a.substr(eq + 1));
  }
  // Every file is read and checked before the store is opened: bad input creates no store.
  std::vector<store::NewsItem> items;
  for (const auto& file : args.files) {
    const auto text = value_or_fail(store::read_text_file(file));
    if (const auto first = text.find_first_not_of(" \t\r\n"); first != std::string::npos && text[first] == '{') {
      // A saved vendor reply (JSON): the vendor tags the tickers, so no cashtag check.
      auto news = value_or_fail(adapters::parse_alpha_vantage_news(text, file));
      fmt::print("{}: Alpha Vantage NEWS_SENTIMENT, {} items", file, news.items.size());
      if (news.skipped_tickers > 0) fmt::print(" ({} tags that are not stocks skipped)", news.skipped_tickers);
      fmt::print("\n");
      std::move(news.items.begin(), news.items.end(), std::back_inserter(items));
      continue;
    }
    auto parsed = value_or_fail(store::parse_news_csv(text, file, options));
    fmt::print("{}: {} rows, {} items", file, parsed.rows, parsed.items.size());
    if (parsed.duplicate_rows > 0) fmt::print(", {} duplicate rows", parsed.duplicate_rows);
    fmt::print("\n");
    if (const std::size_t skipped = parsed.skipped_without_cashtag(); skipped > 0) {
      fmt::print("  skipped {} rows ({:.1f}%) whose text does not name the ticker's cashtag (--no-cashtag-check keeps them)\n",
                 skipped, 100.0 * static_cast<double>(skipped) / static_cast<double>(parsed.rows));
      std::vector<std::pair<std::string, store::CashtagSkips>> worst(parsed.cashtag.begin(), parsed.cashtag.end());
      std::sort(worst.begin(), worst.end(), [](const auto& a, const auto& b) {
        return a.second.skipped * b.second.rows > b.second.skipped * a.second.rows;
      });
      std::string line;
      for (std::size_t i = 0; i < std::min<std::size_t>(5, worst.size()) && worst[i].second.skipped > 0; ++i) {
        line += fmt::format("{}{} {:.0f}%", line.empty() ? "" : ", ", worst[i].first,
                            100.0 * static_cast<double>(worst[i].second.skipped) / static_cast<double>(worst[i].second.rows));
      }
      fmt::print("  most skipped: {}\n", line);
      for (const auto& [ticker, c] : parsed.cashtag) {
        if (c.skipped == c.rows) {
          fmt::print("  warning: every row of {} ({}) was skipped; if its cashtag was another symbol, give "
                     "--cashtag-alias {}=OLD\n", ticker, c.rows, ticker);
        }
      }
    }
    std::move(parsed.items.begin(), parsed.items.end(), std::back_inserter(items));
  }
  if (items.empty()) throw CommandFailed{"no news item to import (every row was skipped); nothing was written"};
  const auto db = resolve_db(global, args.db);
  auto store = value_or_fail(store::MarketStore::open(db, store::MarketStore::Access::ReadWrite));
  const auto written = value_or_fail(store.write_news(items));
  const auto summary = value_or_fail(store.news_summary());
  const double seconds = core::seconds_since(started);
  fmt::print("stored in {}: {} items added, {} already there; item-ticker rows: {} added, {} updated ({:.1f} s)\n",
             db.string(), written.items_added, written.items_known, written.ticker_rows_added,
             written.ticker_rows_updated, seconds);
  if (summary.first_published_at) {
    fmt::print("news in the store: {} items, {} item-ticker rows, {} tickers, published {} .. {} (UTC)\n", summary.items,
               summary.ticker_rows, summary.tickers, utc_day(*summary.first_published_at),
               utc_day(*summary.last_published_at));
  }
}

struct NewsTrainArgs {
  std::string train;
  std::string valid;
  std::string out;
  unsigned bits = 18;
  std::uint64_t seed = 42;
  std::string lexicon;
};

nlohmann::json figures_json(const sentiment::ClassificationFigures& f) {
  return {{"rows", f.rows}, {"accuracy", f.accuracy}, {"macro_f1", f.macro_f1},
          {"f1", {{"bearish", f.f1[0]}, {"bullish", f.f1[1]}, {"neutral", f.f1[2]}}}, {"confusion", f.confusion}};
}

void run_news_train(const NewsTrainArgs& args) {
  const auto train = value_or_fail(sentiment::read_labelled_texts(args.train));
  std::shared_ptr<const sentiment::Lexicon> lexicon;
  nlohmann::json lexicon_report;
  if (!args.lexicon.empty()) {
    lexicon = std::make_shared<const sentiment::Lexicon>(value_or_fail(sentiment::Lexicon::read(args.lexicon)));
    // How much of the training text the lexicon can speak to at all.
    std::size_t hit = 0;
    for (const auto& row : train) {
      bool any = false;
      sentiment::for_each_token(row.text, [&](std::string_view token) {
        lexicon->for_each_feature(token, [&](std::string_view) { any = true; });
      });
      hit += any;
    }
    const double share = static_cast<double>(hit) / static_cast<double>(train.size());
    fmt::print("lexicon {}: {} words in {} categories; {:.1f}% of the training texts hold at least one\n",
               args.lexicon, lexicon->words(), lexicon->categories().size(), 100 * share);
    lexicon_report = {{"path", lexicon->path().string()}, {"xxh64", lexicon->checksum()}, {"words", lexicon->words()},
                      {"categories", lexicon->categories()}, {"training_texts_with_a_word", share}};
  }
  const auto started = std::chrono::steady_clock::now();
  const auto model =
      value_or_fail(sentiment::SentimentClassifier::train(train, {.bits = args.bits, .seed = args.seed}, lexicon));
  const double seconds = core::seconds_since(started);
  const auto& t = model.training();
  fmt::print("trained on {} texts of {} in {:.1f} s: {} epochs (chosen on a held-out {:.0f}%: loss {:.3f}, accuracy {:.3f})\n",
             t.rows, args.train, seconds, t.epochs, 100 * model.options().holdout, t.holdout_loss, t.holdout_accuracy);
  check(model.save(args.out));
  nlohmann::json report = {{"train", args.train}, {"training_seconds", seconds}};
  if (lexicon) report["lexicon"] = lexicon_report;
  if (!args.valid.empty()) {
    const auto valid = value_or_fail(sentiment::read_labelled_texts(args.valid));
    // The baseline: always the training set's most common class.
    std::array<std::size_t, sentiment::kSentimentClasses> counts{};
    for (const auto& row : train) ++counts[static_cast<std::size_t>(row.label)];
    const int majority = static_cast<int>(std::max_element(counts.begin(), counts.end()) - counts.begin());
    std::vector<int> truth, predicted, baseline;
    for (const auto& row : valid) {
      truth.push_back(row.label);
      predicted.push_back(model.predict(row.text));
      baseline.push_back(majority);
    }
    const auto f = sentiment::classification_figures(truth, predicted);
    const auto b = sentiment::classification_figures(truth, baseline);
    fmt::print("on {} ({} texts, never seen in training):\n", args.valid, f.rows);
    fmt::print("  {:<28} accuracy {:.3f}  macro-F1 {:.3f}  F1 bearish {:.3f} bullish {:.3f} neutral {:.3f}\n",
               "classifier", f.accuracy, f.macro_f1, f.f1[0], f.f1[1], f.f1[2]);
    fmt::print("  {:<28} accuracy {:.3f}  macro-F1 {:.3f}\n",
               fmt::format("always '{}' (majority)", sentiment::class_name(majority)), b.accuracy, b.macro_f1);
    report["valid"] = args.valid;
    report["classifier"] = figures_json(f);
    report["majority_baseline"] = figures_json(b);
    report["majority_class"] = sentiment::class_name(majority);
  }
  check(core::write_file_atomically(std::filesystem::path(args.out) / "evaluation.json", report.dump(2) + "\n"));
  fmt::print("saved {} (sentiment.json, weights.f32, evaluation.json)\n", args.out);
}

struct NewsAblationArgs {
  std::string config;
  std::string out;
};

void run_news_ablation(const GlobalOptions& global, const NewsAblationArgs& args) {
  const std::string config_path = args.config.empty() ? global.config_path : args.config;
  if (config_path.empty()) throw CommandFailed{"news ablation: --config FILE.toml is required"};
  const auto config = value_or_fail(pipeline::read_pipeline_config(config_path));
  const std::filesystem::path out =
      args.out.empty() ? std::filesystem::path("out") / (config.name + "-ablation") : std::filesystem::path(args.out);
  const auto result = value_or_fail(pipeline::run_sentiment_ablation(
      config, {.out = out, .show_progress = !global.quiet, .log = [](const std::string& line) {
                 fmt::print("{}\n", line);
                 std::fflush(stdout);
               }}));
  const auto path = value_or_fail(pipeline::write_ablation_report(result, config, out));
  fmt::print("{}", store::read_text_file(path).value_or(""));
  fmt::print("ablation: {} (the two runs' reports under {}/price-only and {}/with-sentiment)\n", path.string(),
             out.string(), out.string());
  for (const auto* run : {&result.without, &result.with}) {
    if (!run->flags.empty()) {
      fmt::print("the run {} is FLAGGED ({} issue(s)); see its report:\n", run->name, run->flags.size());
      for (const auto& f : run->flags) fmt::print("  {}\n", f);
    }
  }
}

}  // namespace

void add_news_commands(CLI::App& app, const GlobalOptions& global) {
  CLI::App* news = app.add_subcommand("news", "News and sentiment: import or collect news, train the sentiment classifier, run the ablation");
  news->require_subcommand(1);

  auto import_args = std::make_shared<NewsImportArgs>();
  CLI::App* import = news->add_subcommand(
      "import", "Import news into the store: CSV files (published_at,ticker,source,text[,url,title,relevance,score]) "
                "or saved Alpha Vantage NEWS_SENTIMENT replies (JSON); re-importing adds nothing");
  import->add_option("files", import_args->files, "News files (.csv, .csv.gz, or .json)")->required()->check(CLI::ExistingFile);
  add_db_option(*import, import_args->db);
  import->add_flag("--no-cashtag-check", import_args->no_cashtag_check,
                   "Keep rows whose text does not name the ticker as a cashtag ($AAPL)");
  import->add_option("--cashtag-alias", import_args->aliases,
                     "TICKER=CASHTAG: another cashtag the ticker's texts use (e.g. BKNG=PCLN after a rename); repeatable");
  import->callback([&global, import_args] { run_news_import(global, *import_args); });

  add_news_collect_command(*news, global);

  auto train_args = std::make_shared<NewsTrainArgs>();
  CLI::App* train = news->add_subcommand(
      "train", "Train the sentiment classifier on a labelled set (text,label: 0 bearish, 1 bullish, 2 neutral) and "
               "report it on a validation set against the majority class");
  train->add_option("--train", train_args->train, "Labelled training texts (CSV)")->required()->check(CLI::ExistingFile);
  train->add_option("--valid", train_args->valid, "Labelled validation texts (CSV), only for the report")
      ->check(CLI::ExistingFile);
  train->add_option("--out", train_args->out, "Folder to save the classifier in")->required();
  train->add_option("--bits", train_args->bits, "log2 of the hashed feature slots")->capture_default_str()->check(CLI::Range(8, 24));
  train->add_option("--seed", train_args->seed, "Seed of the holdout split and the training order")->capture_default_str();
  train->add_option("--lexicon", train_args->lexicon,
                    "A word,category CSV you hold a licence for (none ships with Kestrel): each category becomes a "
                    "feature; the classifier keeps the file's path and checksum, not a copy")
      ->check(CLI::ExistingFile);
  train->callback([train_args] { run_news_train(*train_args); });

  auto ablation_args = std::make_shared<NewsAblationArgs>();
  CLI::App* ablation = news->add_subcommand(
      "ablation", "Run a pipeline config with [features.sentiment] twice, without and with the sentiment features, "
                  "and compare the models' test predictions and backtests with bootstrap intervals (ablation.md)");
  ablation->add_option("--config", ablation_args->config, "Pipeline config (TOML) with [features.sentiment]")
      ->check(CLI::ExistingFile);
  ablation->add_option("--out", ablation_args->out, "Output folder (default out/<name>-ablation)");
  ablation->callback([&global, ablation_args] { run_news_ablation(global, *ablation_args); });
}

}  // namespace kestrel::app
