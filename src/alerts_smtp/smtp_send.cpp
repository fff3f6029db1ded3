// kestrel-smtp.so: sends one email through libcurl (alerts/smtp_channel.cpp loads it on first
// use, so that no other command loads libcurl and the ~20 libraries behind it). Same compiler,
// same standard library on both sides: C++ types pass by pointer; the C linkage only fixes the
// names.
#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "alerts/smtp_channel.hpp"

namespace {

using kestrel::alerts::SmtpSettings;
using kestrel::core::ErrorKind;

struct Payload {
  const std::string* text = nullptr;
  std::size_t offset = 0;
};

std::size_t read_payload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* p = static_cast<Payload*>(user);
  const std::size_t n = std::min(size * count, p->text->size() - p->offset);
  std::memcpy(buffer, p->text->data() + p->offset, n);
  p->offset += n;
  return n;
}

}  // namespace

extern "C" {

int kestrel_smtp_abi_version() { return 1; }

// 0 when the server accepted the message; otherwise 1 with `error` and `kind` (a
// core::ErrorKind: Unavailable for what is worth retrying) set. Messages name the server and
// its reply, never the credentials.
int kestrel_smtp_send(const SmtpSettings* settings, const std::string* message, std::string* error, int* kind) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    *error = "email: libcurl could not start";
    *kind = static_cast<int>(ErrorKind::Internal);
    return 1;
  }
  Payload payload{.text = message, .offset = 0};
  curl_slist* recipients = nullptr;
  for (const auto& address : settings->to) recipients = curl_slist_append(recipients, ("<" + address + ">").c_str());
  const std::string from = "<" + settings->from + ">";
  char detail[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, settings->url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_payload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &payload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, settings->timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // Required: STARTTLS (or smtps://) or nothing is sent, credentials included.
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   settings->tls == SmtpSettings::Tls::Required ? static_cast<long>(CURLUSESSL_ALL)
                                                                : static_cast<long>(CURLUSESSL_NONE));
  if (!settings->ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings->ca_file.c_str());
  if (!settings->username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, settings->username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, settings->password.c_str());
  }
  const CURLcode code = curl_easy_perform(curl);
  long reply = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
  curl_slist_free_all(recipients);
  curl_easy_cleanup(curl);
  if (code == CURLE_OK) return 0;
  *error = fmt::format("email via {}: {}{}{}", settings->url, curl_easy_strerror(code),
                       detail[0] != 0 ? std::string(": ") + detail : "",
                       reply > 0 ? fmt::format(" (SMTP reply {})", reply) : "");
  const bool transient = code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
                         code == CURLE_OPERATION_TIMEDOUT || code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR ||
                         code == CURLE_GOT_NOTHING ||
                         (reply >= 400 && reply < 500);  // 4xx: the server's "try again later"
  *kind = static_cast<int>(transient ? ErrorKind::Unavailable : ErrorKind::Rejected);
  return 1;
}

}  // extern "C"
