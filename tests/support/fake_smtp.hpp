#pragma once
// A fake SMTP server on 127.0.0.1 for the email alert tests: it speaks the parts of RFC 5321 a
// client needs (EHLO, AUTH PLAIN, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT) with the replies a
// Postfix server gives, keeps every byte it received, and can be made unkind: refuse the next
// connections with "421 4.7.0 Try again later", refuse the credentials, or (by default) not
// offer STARTTLS, so that a client requiring TLS must refuse to go on.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kestrel::testing {

class FakeSmtpServer {
 public:
  FakeSmtpServer(std::string username, std::string password);
  ~FakeSmtpServer();
  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  void refuse_next_connections(int n) { refuse_ = n; }

  struct Mail {
    std::string from;               // MAIL FROM:<…> as received
    std::vector<std::string> to;    // RCPT TO:<…>
    std::string data;               // the message, dot-unstuffed, without the final "."
    bool authenticated = false;
  };
  std::vector<Mail> mails();
  std::string transcript();  // every byte received, all sessions
  int connections() const { return connections_.load(); }

 private:
  void serve();
  void session(int fd);

  std::string username_, password_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> refuse_{0};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::vector<Mail> mails_;
  std::string transcript_;
  std::thread thread_;
};

}  // namespace kestrel::testing
