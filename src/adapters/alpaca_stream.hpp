#pragma once
// Alpaca's trade_updates stream (wss://…/stream, RFC 6455): authenticate, listen, and hand
// every trade update to a callback, on a thread of its own. The stream is watched: with no
// frame and no answer to its pings for `stream_idle_timeout` the connection counts as dead and
// is replaced, with a growing backoff between attempts; `connected` runs after every
// successful (re)connection, which is where the broker sweeps orders over REST — Alpaca does
// not replay what was sent while nobody listened. ws:// is accepted for test servers.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "adapters/alpaca_rest.hpp"

namespace kestrel::adapters {

class AlpacaStream {
 public:
  struct Callbacks {
    std::function<void(const nlohmann::json& data)> trade_update;  // the "data" of each message
    std::function<void()> connected;  // authorized and listening (again)
    LogSink log;
  };

  AlpacaStream(AlpacaSettings settings, Callbacks callbacks);
  ~AlpacaStream();
  AlpacaStream(const AlpacaStream&) = delete;
  AlpacaStream& operator=(const AlpacaStream&) = delete;

  void start();
  void stop();
  bool listening() const { return listening_.load(); }
  int connections() const { return connections_.load(); }  // successful ones, reconnects included
  // Why the last connection ended ("" while none has).
  std::string last_error() const;

 private:
  struct Connection;  // the io_context of the attempt in progress (Boost kept out of this header)
  void run();
  bool connect_once();  // false: stopped

  AlpacaSettings settings_;
  Callbacks callbacks_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> listening_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::shared_ptr<Connection> current_;
  std::string last_error_;
};

}  // namespace kestrel::adapters
