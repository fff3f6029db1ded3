#include "adapters/alpha_vantage.hpp"

#include <algorithm>
#include <array>
#include <span>

#include <nlohmann/json.hpp>

#include "store/csv.hpp"

namespace kestrel::adapters {
namespace {

using nlohmann::json;

// Parses without exceptions escaping: a malformed body is an expected failure.
core::Result<json> parse_json(std::string_view body, std::string_view source) {
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    return core::fail("{}: body is not valid JSON at byte {} (truncated or corrupted reply?)",
                      source, e.byte);
  }
}

std::string lower(std::string_view s) { return store::to_lower(s); }

bool looks_like_json_object(std::string_view body) {
  const auto first = body.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && body[first] == '{';
}

}  // namespace

std::string_view function_name(AlphaVantageOptions::Function function) {
  return function == AlphaVantageOptions::Function::Daily ? "TIME_SERIES_DAILY" : "TIME_SERIES_DAILY_ADJUSTED";
}

BodyCheck check_alpha_vantage_body(std::string_view body) {
  if (!looks_like_json_object(body)) return {};
  // Only small bodies can be notices; a full JSON history is parsed later, once.
  if (body.size() > 4096) return {};
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return {};
  auto text = [&](const char* key) -> std::optional<std::string> {
    if (auto it = doc.find(key); it != doc.end() && it->is_string()) return it->get<std::string>();
    return std::nullopt;
  };
  if (auto message = text("Error Message")) return {BodyCheck::Verdict::Rejected, *message};
  auto notice = text("Note");
  if (!notice) notice = text("Information");
  if (!notice) return {};
  const std::string l = lower(*notice);
  const auto says = [&](std::string_view phrase) { return l.find(phrase) != std::string::npos; };
  // The key's plan does not cover the request: waiting will not change that, nor will asking
  // for another ticker. Not "premium endpoint" alone: the burst notice ends "instantly unlock
  // all premium endpoints".
  if (says("this is a premium endpoint") || says("is a premium feature")) {
    return {BodyCheck::Verdict::NotEntitled, *notice};
  }
  if (says("invalid")) return {BodyCheck::Verdict::Rejected, *notice};
  // The burst limit (1 request per second; formerly 5 a minute): retry after a pause. Tested
  // before the daily limit, which the burst notice also names ("25 requests per day").
  if (says("spreading out") || says("per second") || says("per minute") || says("call frequency")) {
    return {BodyCheck::Verdict::Throttled, *notice};
  }
  if (says("per day") || says("daily rate limit")) return {BodyCheck::Verdict::QuotaExhausted, *notice};
  return {BodyCheck::Verdict::Throttled, *notice};
}

core::Result<store::BarFile> parse_alpha_vantage_json(std::string_view body, const std::string& ticker,
                                                      AlphaVantageOptions::Function function) {
  const std::string source = fmt::format("alphavantage {} (json)", ticker);
  auto doc = parse_json(body, source);
  if (!doc) return std::unexpected(doc.error());
  if (!doc->is_object()) return core::fail("{}: expected a JSON object at the top level", source);
  if (auto meta = doc->find("Meta Data"); meta != doc->end() && meta->is_object()) {
    if (auto symbol = meta->find("2. Symbol"); symbol != meta->end() && symbol->is_string() &&
                                               lower(symbol->get<std::string>()) != lower(ticker)) {
      return core::fail("{}: reply is for symbol '{}', not '{}'", source,
                        symbol->get<std::string>(), ticker);
    }
  }
  const auto series = doc->find("Time Series (Daily)");
  if (series == doc->end() || !series->is_object()) {
    return core::fail("{}: no \"Time Series (Daily)\" object in the reply", source);
  }
  static constexpr std::array<const char*, 8> adjusted_fields = {
      "1. open",   "2. high",   "3. low",           "4. close",
      "5. adjusted close", "6. volume", "7. dividend amount", "8. split coefficient"};
  static constexpr std::array<const char*, 5> daily_fields = {"1. open", "2. high", "3. low", "4. close",
                                                              "5. volume"};
  const bool adjusted = function == AlphaVantageOptions::Function::DailyAdjusted;
  const std::span<const char* const> fields =
      adjusted ? std::span<const char* const>(adjusted_fields) : std::span<const char* const>(daily_fields);
  store::BarFile file;
  file.ticker = ticker;
  file.format = store::BarFormat::AlphaVantage;
  for (const auto& [key, row] : series->items()) {
    const auto date = core::Date::parse(key);
    if (!date) return core::fail("{}: '{}' is not a date (expected YYYY-MM-DD)", source, key);
    if (!row.is_object()) return core::fail("{}: {}: expected an object of fields", source, key);
    std::array<double, 8> v{};
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const auto it = row.find(fields[i]);
      if (it == row.end()) return core::fail("{}: {}: missing field '{}'", source, key, fields[i]);
      std::optional<double> number;
      if (it->is_string()) number = store::parse_double(it->get<std::string>());
      else if (it->is_number()) number = it->get<double>();
      if (!number) {
        return core::fail("{}: {}: field '{}': {} is not a number", source, key, fields[i], it->dump());
      }
      if (*number < 0 || (adjusted && i == 7 && *number == 0)) {
        return core::fail("{}: {}: field '{}': {} is out of range", source, key, fields[i], *number);
      }
      v[i] = *number;
    }
    if (adjusted) {
      file.bars.push_back({*date, v[0], v[1], v[2], v[3], v[4], v[5]});
      if (v[6] != 0 || v[7] != 1) file.actions.push_back({*date, v[6], v[7]});
    } else {
      file.bars.push_back({*date, v[0], v[1], v[2], v[3], v[3], v[4]});
    }
  }
  // JSON object keys are unique and nlohmann orders them, but do not rely on the latter.
  auto by_date = [](const auto& a, const auto& b) { return a.date < b.date; };
  std::sort(file.bars.begin(), file.bars.end(), by_date);
  std::sort(file.actions.begin(), file.actions.end(), by_date);
  return file;
}

namespace {

// TIME_SERIES_DAILY's CSV (timestamp,open,high,low,close,volume, newest first), which the
// store's importer does not take: adj_close is the close, there are no actions.
core::Result<store::BarFile> parse_daily_csv(std::string_view body, const std::string& ticker,
                                             const std::string& source) {
  static constexpr std::array<std::string_view, 6> header = {"timestamp", "open", "high", "low", "close", "volume"};
  store::CsvLines lines(body);
  std::string_view line;
  std::vector<std::string_view> fields;
  std::vector<std::string> storage;
  if (!lines.next(line) || !store::split_csv_line(line, fields, storage) || fields.size() != header.size() ||
      !std::equal(fields.begin(), fields.end(), header.begin(),
                  [](std::string_view a, std::string_view b) { return lower(store::trim(a)) == b; })) {
    return core::fail("{}: expected the Alpha Vantage daily CSV header (timestamp,open,high,low,close,volume)",
                      source);
  }
  store::BarFile file;
  file.ticker = ticker;
  file.format = store::BarFormat::AlphaVantage;
  while (lines.next(line)) {
    const std::size_t n = lines.line_number();
    if (!store::split_csv_line(line, fields, storage)) return core::fail("{}:{}: unterminated quote", source, n);
    if (fields.size() != header.size()) {
      return core::fail("{}:{}: expected {} fields, found {}", source, n, header.size(), fields.size());
    }
    const auto date = core::Date::parse(store::trim(fields[0]));
    if (!date) return core::fail("{}:{}: field 'timestamp': '{}' is not a date (expected YYYY-MM-DD)", source, n, fields[0]);
    std::array<double, 5> v{};
    for (std::size_t i = 1; i < header.size(); ++i) {
      const auto number = store::parse_double(store::trim(fields[i]));
      if (!number) return core::fail("{}:{}: field '{}': '{}' is not a number", source, n, header[i], fields[i]);
      if (*number < 0) return core::fail("{}:{}: field '{}': {} is out of range", source, n, header[i], *number);
      v[i - 1] = *number;
    }
    file.bars.push_back({*date, v[0], v[1], v[2], v[3], v[3], v[4]});
  }
  std::sort(file.bars.begin(), file.bars.end(), [](const auto& a, const auto& b) { return a.date < b.date; });
  for (std::size_t i = 1; i < file.bars.size(); ++i) {
    if (file.bars[i].date == file.bars[i - 1].date) {
      return core::fail("{}: {} appears twice", source, file.bars[i].date.to_string());
    }
  }
  return file;
}

}  // namespace

core::Result<store::BarFile> parse_alpha_vantage_csv(std::string_view body, const std::string& ticker,
                                                     AlphaVantageOptions::Function function) {
  const std::string source = fmt::format("alphavantage {} (csv)", ticker);
  if (function == AlphaVantageOptions::Function::Daily) return parse_daily_csv(body, ticker, source);
  auto parsed = store::parse_input_file(body, source, ticker);
  if (!parsed) return std::unexpected(parsed.error());
  auto* file = std::get_if<store::BarFile>(&*parsed);
  if (file == nullptr || file->format != store::BarFormat::AlphaVantage) {
    return core::fail("{}: expected the Alpha Vantage daily adjusted CSV header "
                      "(timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,"
                      "split_coefficient)", source);
  }
  return std::move(*file);
}

AlphaVantageClient::AlphaVantageClient(Fetcher& fetcher, AlphaVantageOptions options)
    : fetcher_(fetcher), options_(std::move(options)) {}

VendorResult<store::BarFile> AlphaVantageClient::fetch(const std::string& ticker, bool compact) {
  const bool csv = options_.datatype == AlphaVantageOptions::DataType::Csv;
  const std::string path = with_query("/query", {{"function", std::string(function_name(options_.function))},
                                                 {"symbol", ticker},
                                                 {"outputsize", compact ? "compact" : "full"},
                                                 {"datatype", csv ? "csv" : "json"},
                                                 {"apikey", options_.api_key}});
  auto body = fetcher_.get(path, check_alpha_vantage_body, fmt::format("alphavantage {}", ticker));
  if (!body) return std::unexpected(body.error());
  auto file = csv ? parse_alpha_vantage_csv(*body, ticker, options_.function)
                  : parse_alpha_vantage_json(*body, ticker, options_.function);
  if (!file) {
    return std::unexpected(VendorError{VendorError::Kind::Malformed, fetcher_.scrub(file.error().message)});
  }
  return std::move(*file);
}

VendorResult<store::BarFile> AlphaVantageClient::fetch_daily(const DailyRequest& request) {
  if (options_.function == AlphaVantageOptions::Function::Daily) {
    // "full" is premium for TIME_SERIES_DAILY: the latest 100 sessions are all there is.
    auto file = fetch(request.ticker, true);
    // The window must reach back to the last stored day, or the days in between are missing.
    if (file && request.last_stored && !file->bars.empty() && file->bars.front().date > *request.last_stored) {
      return std::unexpected(VendorError{
          VendorError::Kind::Rejected,
          fmt::format("alphavantage {}: TIME_SERIES_DAILY with outputsize=compact (the free tier) reaches "
                      "back only to {}, and the last stored day is {}: the sessions in between need "
                      "outputsize=full (a premium key: --av-function daily_adjusted) or another vendor "
                      "(--fallback yahoo)",
                      request.ticker, file->bars.front().date.to_string(), request.last_stored->to_string())});
    }
    return file;
  }
  const bool compact = request.last_stored &&
                       request.today - *request.last_stored <= options_.compact_max_gap_days;
  auto file = fetch(request.ticker, compact);
  // The compact window must reach back to the last stored day, or the days in between would
  // be missing: then the full history is needed after all.
  if (file && compact && !file->bars.empty() && file->bars.front().date > *request.last_stored) {
    return fetch(request.ticker, false);
  }
  return file;
}

}  // namespace kestrel::adapters
