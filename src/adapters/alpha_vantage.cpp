#include "adapters/alpha_vantage.hpp"

#include <algorithm>
#include <array>

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
  if (auto note = text("Note")) return {BodyCheck::Verdict::Throttled, *note};
  if (auto info = text("Information")) {
    // "Information" also carries "this is a premium endpoint", which waiting will not fix.
    const std::string l = lower(*info);
    if (l.find("premium endpoint") != std::string::npos || l.find("invalid") != std::string::npos) {
      return {BodyCheck::Verdict::Rejected, *info};
    }
    return {BodyCheck::Verdict::Throttled, *info};
  }
  return {};
}

core::Result<store::BarFile> parse_alpha_vantage_json(std::string_view body,
                                                      const std::string& ticker) {
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
  static constexpr std::array<const char*, 8> fields = {
      "1. open",   "2. high",   "3. low",           "4. close",
      "5. adjusted close", "6. volume", "7. dividend amount", "8. split coefficient"};
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
      if (*number < 0 || (i == 7 && *number == 0)) {
        return core::fail("{}: {}: field '{}': {} is out of range", source, key, fields[i], *number);
      }
      v[i] = *number;
    }
    file.bars.push_back({*date, v[0], v[1], v[2], v[3], v[4], v[5]});
    if (v[6] != 0 || v[7] != 1) file.actions.push_back({*date, v[6], v[7]});
  }
  // JSON object keys are unique and nlohmann orders them, but do not rely on the latter.
  auto by_date = [](const auto& a, const auto& b) { return a.date < b.date; };
  std::sort(file.bars.begin(), file.bars.end(), by_date);
  std::sort(file.actions.begin(), file.actions.end(), by_date);
  return file;
}

core::Result<store::BarFile> parse_alpha_vantage_csv(std::string_view body, const std::string& ticker) {
  const std::string source = fmt::format("alphavantage {} (csv)", ticker);
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
  const std::string path = with_query("/query", {{"function", "TIME_SERIES_DAILY_ADJUSTED"},
                                                 {"symbol", ticker},
                                                 {"outputsize", compact ? "compact" : "full"},
                                                 {"datatype", csv ? "csv" : "json"},
                                                 {"apikey", options_.api_key}});
  auto body = fetcher_.get(path, check_alpha_vantage_body, fmt::format("alphavantage {}", ticker));
  if (!body) return std::unexpected(body.error());
  auto file = csv ? parse_alpha_vantage_csv(*body, ticker) : parse_alpha_vantage_json(*body, ticker);
  if (!file) {
    return std::unexpected(VendorError{VendorError::Kind::Malformed, fetcher_.scrub(file.error().message)});
  }
  return std::move(*file);
}

VendorResult<store::BarFile> AlphaVantageClient::fetch_daily(const DailyRequest& request) {
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
