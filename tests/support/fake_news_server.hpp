#pragma once
// A fake news vendor on 127.0.0.1 for the news collector tests, as unkind as the real ones:
//   Alpha Vantage GET /query?function=NEWS_SENTIMENT&tickers=&time_from=&time_to=&sort=&limit=
//     (times YYYYMMDDTHHMM in New York time, time_to's minute included; limit 50 by default,
//     at most 1000; ticker scores as strings; a FOREX tag on some items), the free key's 25
//     requests a day answered by the vendor's own "Information" notice, the burst notice, the
//     "Invalid inputs" notice for an unknown ticker and the "Error Message" for a wrong key.
//   NewsAPI GET /v2/everything?q=&from=&to=&sortBy=publishedAt&pageSize=&page= (key in the
//     X-Api-Key header or apiKey), newest first, with the developer plan's limits word for word:
//     100 requests a day (429 rateLimited), 100 results per search (426 maximumResultsReached),
//     a month of history (426 parameterInvalid "too far in the past"), 401 for a missing or
//     wrong key, and "[Removed]" stubs among the articles.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace kestrel::testing {

struct FakeArticle {
  std::string ticker;
  std::int64_t published_at = 0;  // UTC seconds
  std::string title;
  std::string summary;
  std::string url;
  std::string source;
  double score = 0;  // Alpha Vantage's ticker_sentiment_score
  bool removed = false;  // NewsAPI serves it as a "[Removed]" stub
};

// `count` articles about `ticker`, one every `every` seconds from `first` (UTC seconds); each
// names the ticker in its title, so NewsAPI's q=TICKER finds it. Every 7th is "[Removed]" when
// `with_removed`.
std::vector<FakeArticle> make_articles(const std::string& ticker, std::int64_t first, std::int64_t every, int count,
                                       bool with_removed = false);

enum class NewsFault {
  ServerError,  // HTTP 503 with an HTML page
  BurstNotice,  // Alpha Vantage: 200 {"Information": "…(1 request per second)…"}
  Truncated,    // 200 with the JSON body cut in half
};

class FakeNewsServer {
 public:
  FakeNewsServer(std::string alpha_vantage_key, std::string newsapi_key);
  ~FakeNewsServer();

  std::string base_url() const;
  void add_articles(const std::vector<FakeArticle>& articles);
  // Requests each key may make before the vendor says the day's quota is spent (25 and 100,
  // as the free plans); reset_quotas() is the next day.
  void set_alpha_vantage_quota(int requests);
  void set_newsapi_quota(int requests);
  void reset_quotas();
  // NewsAPI's developer plan: results per search (100) and the oldest day it serves (none).
  void set_newsapi_max_results(int results);
  void set_newsapi_oldest(std::optional<std::int64_t> oldest_utc_seconds);
  // The next `times` requests (any endpoint) get `fault`.
  void inject(NewsFault fault, int times = 1);

  // Every request's path and query, as received.
  std::vector<std::string> requests() const;
  std::vector<std::string> api_key_headers() const;  // NewsAPI's X-Api-Key, per request

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace kestrel::testing
