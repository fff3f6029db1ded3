#include "live/recovering_venue.hpp"

#include <cmath>

namespace kestrel::live {

using execution::OrderEventKind;

namespace {

bool made_by_the_kernel(OrderEventKind kind) {
  return kind == OrderEventKind::Submitted || kind == OrderEventKind::CancelRequested;
}

}  // namespace

RecoveringVenue::RecoveringVenue(execution::ExecutionClient& broker, std::vector<store::JournalEvent> journaled,
                                 std::vector<std::int64_t> day_limits, execution::ExecutionEventSink& kernel,
                                 const JournalWriter& writer)
    : broker_(&broker), journaled_(std::move(journaled)), kernel_(&kernel), writer_(&writer), day_limits_(std::move(day_limits)) {
  for (const auto& e : journaled_) {
    const auto kind = execution::order_event_kind_from(e.kind);
    if (!kind || made_by_the_kernel(*kind)) continue;
    answered_.insert(e.client_order_id);
    if (*kind == OrderEventKind::Cancelled || *kind == OrderEventKind::Expired || *kind == OrderEventKind::Rejected ||
        *kind == OrderEventKind::CancelRejected) {
      cancel_answered_.insert(e.client_order_id);
    }
  }
  replaying_ = !journaled_.empty();
}

void RecoveringVenue::pump() {
  if (!replaying_) return;
  const auto day = static_cast<std::size_t>(writer_->days_written());
  const std::optional<std::int64_t> limit =
      day < day_limits_.size() ? std::optional<std::int64_t>(day_limits_[day]) : std::nullopt;
  while (cursor_ < journaled_.size()) {
    const store::JournalEvent& row = journaled_[cursor_];
    if (limit && row.seq > *limit) break;
    const auto kind = execution::order_event_kind_from(row.kind);
    if (!kind) {
      ++cursor_;  // unreadable rows are the journal writer's verification's business
      continue;
    }
    if (made_by_the_kernel(*kind)) {
      if (writer_->events_written() >= row.seq) {
        ++cursor_;  // the kernel made it again
        continue;
      }
      break;  // the kernel has not got there yet
    }
    execution::OrderEvent event =
        execution::status_event(*kind, static_cast<execution::OrderId>(row.order_id), row.client_order_id, row.ts, row.reason);
    if (*kind == OrderEventKind::Fill) {
      event.execution_id = row.execution_id;
      event.quantity = static_cast<core::Quantity>(std::llround(row.quantity));
      event.price = core::Price::round(row.price);
      event.commission = core::Money::round(row.commission);
    }
    kernel_->on_order_event(std::move(event));
    ++cursor_;
  }
}

core::Status RecoveringVenue::submit(const execution::Order& order) {
  if (!replaying_) {
    auto sent = broker_->submit(order);
    if (send_hook_) send_hook_();
    return sent;
  }
  pump();
  if (answered_.contains(order.request.client_order_id)) return {};  // the journal has the broker's answer
  deferred_.push_back({.cancel = false, .client_order_id = order.request.client_order_id});
  return {};
}

core::Status RecoveringVenue::cancel(const execution::Order& order) {
  if (!replaying_) return broker_->cancel(order);
  pump();
  if (cancel_answered_.contains(order.request.client_order_id)) return {};
  deferred_.push_back({.cancel = true, .client_order_id = order.request.client_order_id});
  return {};
}

core::Status RecoveringVenue::finish_replay(
    const std::function<const execution::Order*(const std::string&)>& order_by_client_id) {
  replaying_ = false;
  for (const auto& d : deferred_) {
    const execution::Order* o = order_by_client_id(d.client_order_id);
    if (o == nullptr || !execution::is_open(o->status)) continue;
    if (auto s = d.cancel ? broker_->cancel(*o) : broker_->submit(*o); !s) return s;
  }
  deferred_.clear();
  return {};
}

}  // namespace kestrel::live
