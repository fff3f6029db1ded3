#include "support/fake_smtp.hpp"

#include "support/base64.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace kestrel::testing {
namespace {


bool starts_with_ci(const std::string& line, const char* prefix) {
  return strncasecmp(line.c_str(), prefix, std::strlen(prefix)) == 0;
}

}  // namespace

FakeSmtpServer::FakeSmtpServer(std::string username, std::string password)
    : username_(std::move(username)), password_(std::move(password)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  listen(listen_fd_, 16);
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

FakeSmtpServer::~FakeSmtpServer() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

std::vector<FakeSmtpServer::Mail> FakeSmtpServer::mails() {
  std::lock_guard lock(mutex_);
  return mails_;
}

std::string FakeSmtpServer::transcript() {
  std::lock_guard lock(mutex_);
  return transcript_;
}

void FakeSmtpServer::serve() {
  while (!stop_) {
    pollfd p{.fd = listen_fd_, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    ++connections_;
    session(fd);  // one client at a time, as the alert dispatcher sends
    close(fd);
  }
}

void FakeSmtpServer::session(int fd) {
  auto say = [fd](const std::string& reply) { (void)!write(fd, reply.data(), reply.size()); };
  std::string buffer;
  // One line (without CRLF), or false when the client went away or the test ends.
  auto read_line = [&](std::string& line) {
    for (;;) {
      if (const auto end = buffer.find("\r\n"); end != std::string::npos) {
        line = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        return true;
      }
      pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
      if (stop_ || poll(&p, 1, 5000) <= 0) return false;
      char chunk[4096];
      const ssize_t n = read(fd, chunk, sizeof chunk);
      if (n <= 0) return false;
      std::lock_guard lock(mutex_);
      transcript_.append(chunk, static_cast<std::size_t>(n));
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
  };
  if (refuse_ > 0) {
    --refuse_;
    say("421 4.7.0 fake.smtp Service not available, closing transmission channel\r\n");
    return;
  }
  say("220 fake.smtp ESMTP Postfix (Debian/GNU)\r\n");
  Mail mail;
  std::string line;
  while (read_line(line)) {
    if (starts_with_ci(line, "EHLO")) {
      say("250-fake.smtp\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-AUTH PLAIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
    } else if (starts_with_ci(line, "HELO")) {
      say("250 fake.smtp\r\n");
    } else if (starts_with_ci(line, "AUTH PLAIN")) {
      std::string response = line.size() > 11 ? line.substr(11) : "";
      if (response.empty()) {
        say("334 \r\n");
        if (!read_line(response)) return;
      }
      // "\0user\0password"
      const std::string decoded = base64_decode(response);
      const std::string expected = std::string(1, '\0') + username_ + std::string(1, '\0') + password_;
      if (decoded == expected) {
        mail.authenticated = true;
        say("235 2.7.0 Authentication successful\r\n");
      } else {
        say("535 5.7.8 Error: authentication failed: authentication failure\r\n");
      }
    } else if (starts_with_ci(line, "MAIL FROM:")) {
      if (!username_.empty() && !mail.authenticated) {
        say("530 5.7.0 Must issue a STARTTLS command first\r\n");
        continue;
      }
      mail.from = line.substr(10);
      say("250 2.1.0 Ok\r\n");
    } else if (starts_with_ci(line, "RCPT TO:")) {
      mail.to.push_back(line.substr(8));
      say("250 2.1.5 Ok\r\n");
    } else if (starts_with_ci(line, "DATA")) {
      say("354 End data with <CR><LF>.<CR><LF>\r\n");
      std::string data;
      while (read_line(line) && line != ".") data += (line.starts_with("..") ? line.substr(1) : line) + "\r\n";
      mail.data = data;
      {
        std::lock_guard lock(mutex_);
        mails_.push_back(mail);
      }
      say("250 2.0.0 Ok: queued as 4F2A81C0D3\r\n");
      mail = Mail{.from = {}, .to = {}, .data = {}, .authenticated = mail.authenticated};
    } else if (starts_with_ci(line, "RSET")) {
      say("250 2.0.0 Ok\r\n");
    } else if (starts_with_ci(line, "NOOP")) {
      say("250 2.0.0 Ok\r\n");
    } else if (starts_with_ci(line, "QUIT")) {
      say("221 2.0.0 Bye\r\n");
      return;
    } else if (starts_with_ci(line, "STARTTLS")) {
      say("502 5.5.1 Error: command not implemented\r\n");
    } else {
      say("502 5.5.2 Error: command not recognized\r\n");
    }
  }
}

}  // namespace kestrel::testing
