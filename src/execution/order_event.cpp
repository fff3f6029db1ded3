#include "execution/order_event.hpp"

#include <array>
#include <utility>

namespace kestrel::execution {
namespace {

constexpr std::array<std::pair<OrderEventKind, std::string_view>, 8> kNames{{
    {OrderEventKind::Submitted, "submitted"},
    {OrderEventKind::CancelRequested, "cancel_requested"},
    {OrderEventKind::Accepted, "accepted"},
    {OrderEventKind::Rejected, "rejected"},
    {OrderEventKind::Fill, "fill"},
    {OrderEventKind::Cancelled, "cancelled"},
    {OrderEventKind::Expired, "expired"},
    {OrderEventKind::CancelRejected, "cancel_rejected"},
}};

}  // namespace

std::string_view to_string(OrderEventKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<OrderEventKind> order_event_kind_from(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

}  // namespace kestrel::execution
