#include "adapters/yahoo.hpp"

#include <cstdint>

namespace kestrel::adapters {
namespace {

std::string unix_seconds(core::Date date) {
  return std::to_string(static_cast<std::int64_t>(date.days()) * 86'400);
}

}  // namespace

core::Result<store::BarFile> parse_yahoo_csv(std::string_view body, const std::string& ticker) {
  const std::string source = fmt::format("yahoo {} (csv)", ticker);
  auto parsed = store::parse_input_file(body, source, ticker);
  if (!parsed) return std::unexpected(parsed.error());
  auto* file = std::get_if<store::BarFile>(&*parsed);
  if (file == nullptr || file->format != store::BarFormat::Yahoo) {
    return core::fail("{}: expected the header Date,Open,High,Low,Close,Adj Close,Volume", source);
  }
  return std::move(*file);
}

VendorResult<store::BarFile> YahooClient::fetch_daily(const DailyRequest& request) {
  // From the day after the last stored one (or the epoch) through today.
  const core::Date from = request.last_stored ? *request.last_stored + 1 : core::Date::from_days(0);
  const std::string path = with_query("/v7/finance/download/" + url_encode(request.ticker),
                                      {{"period1", unix_seconds(from)},
                                       {"period2", unix_seconds(request.today + 1)},
                                       {"interval", "1d"},
                                       {"events", "history"},
                                       {"includeAdjustedClose", "true"}});
  const auto accept_all = [](std::string_view) { return BodyCheck{}; };
  auto body = fetcher_.get(path, accept_all, fmt::format("yahoo {}", request.ticker));
  if (!body) return std::unexpected(body.error());
  auto file = parse_yahoo_csv(*body, request.ticker);
  if (!file) {
    return std::unexpected(VendorError{VendorError::Kind::Malformed, fetcher_.scrub(file.error().message)});
  }
  return std::move(*file);
}

}  // namespace kestrel::adapters
