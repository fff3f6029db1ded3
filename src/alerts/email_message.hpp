#pragma once
// An email as SMTP carries it (RFC 5322 headers, CRLF line ends): plain text, or MIME
// multipart/mixed with the text first and each attachment base64-encoded (RFC 2045, lines of
// 76), for the scheduled reports' HTML and PDF. Header values lose their line breaks, so no
// title can add a header.
#include <string>
#include <vector>

namespace kestrel::alerts {

struct EmailAttachment {
  std::string filename;      // as the reader sees it, e.g. "daily-2019-05-31.pdf"
  std::string content_type;  // e.g. "application/pdf"
  std::string bytes;
};

struct Email {
  std::string from;
  std::vector<std::string> to;
  std::string subject;
  std::string text;  // the body, with \n line ends
  std::string at;    // ISO 8601 UTC ("2026-11-27T21:30:00Z"), the Date header; empty: the relay adds one
  std::vector<EmailAttachment> attachments;
};

std::string format_email(const Email& email);

}  // namespace kestrel::alerts
