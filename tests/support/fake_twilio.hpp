#pragma once
// A fake Twilio REST API on 127.0.0.1 for the SMS alert tests: POST
// /2010-04-01/Accounts/{AccountSid}/Messages.json with basic auth and form fields To, From,
// Body, answered as Twilio does — 201 and the message resource, 401 with error 20003
// ("Authenticate") for wrong credentials, 400 with 21211 for a number that is not E.164, 404
// (20404) for another account, and 429 with 20429 while it is told to be busy.
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace kestrel::testing {

class FakeTwilio {
 public:
  FakeTwilio(std::string account_sid, std::string auth_token);
  ~FakeTwilio();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void busy_for_next(int requests) { busy_ = requests; }

  struct Sms {
    std::string to, from, body;
  };
  std::vector<Sms> messages();
  std::vector<std::string> raw_requests();  // every request's headers and body, as received
  int requests() const;

 private:
  std::string sid_, token_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  int busy_ = 0;
  mutable std::mutex mutex_;
  std::vector<Sms> messages_;
  std::vector<std::string> raw_;
};

}  // namespace kestrel::testing
