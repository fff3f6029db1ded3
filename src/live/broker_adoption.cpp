#include "live/broker_adoption.hpp"

#include <sstream>

#include <fmt/format.h>

namespace kestrel::live {

std::string BrokerAdoption::to_text() const {
  std::string out;
  for (const Holding& h : holdings) out += fmt::format("{} {} {:.6f}; ", h.ticker, h.quantity, h.price);
  out += fmt::format("cash {:.6f}", cash);  // to the fixed-point unit: a re-run books the same cents
  if (!note.empty()) out += " | " + note;
  return out;
}

core::Result<BrokerAdoption> BrokerAdoption::parse(const std::string& text) {
  BrokerAdoption a;
  const std::size_t bar = text.find(" | ");
  const std::string body = text.substr(0, bar);
  if (bar != std::string::npos) a.note = text.substr(bar + 3);
  std::size_t start = 0;
  bool has_cash = false;
  while (start <= body.size()) {
    const std::size_t end = body.find("; ", start);
    const std::string part = body.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::istringstream in(part);
    std::string first;
    in >> first;
    if (first == "cash") {
      has_cash = static_cast<bool>(in >> a.cash);
    } else {
      Holding h{.ticker = first};
      if (!(in >> h.quantity >> h.price)) return core::fail("adoption '{}': cannot read '{}'", text, part);
      a.holdings.push_back(std::move(h));
    }
    if (end == std::string::npos) break;
    start = end + 2;
  }
  if (!has_cash) return core::fail("adoption '{}': no cash amount", text);
  return a;
}

}  // namespace kestrel::live
