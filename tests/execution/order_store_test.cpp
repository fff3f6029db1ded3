// The local order store: state changes only through events, and what real venues send —
// duplicates, events out of order, a fill racing a cancel — leaves a consistent book.
#include <gtest/gtest.h>

#include "execution/order_store.hpp"

namespace kestrel::execution {
namespace {

const core::UnixNanos kT0 = core::at_time_of_day(core::Date::from_ymd(2024, 3, 4), core::kSessionOpenSecond);

OrderRequest buy(core::Quantity q) { return {.instrument = 3, .side = Side::Buy, .quantity = q}; }

OrderEvent fill(const Order& o, core::Quantity q, double price, std::string execution_id, core::UnixNanos ts = kT0) {
  OrderEvent e = status_event(OrderEventKind::Fill, 0, o.request.client_order_id, ts);
  e.execution_id = std::move(execution_id);
  e.quantity = q;
  e.price = core::Price::round(price);
  e.commission = core::Money::round(0.5);
  return e;
}

OrderEvent event(OrderEventKind kind, const Order& o, std::string reason = {}) {
  return status_event(kind, 0, o.request.client_order_id, kT0 + 1, std::move(reason));
}

TEST(OrderStore, ClientIdsAreRunPrefixAndSequenceAndNeverReused) {
  OrderStore store("run7f3a");
  auto a = store.create(buy(10), OrderOrigin::Strategy, kT0);
  auto b = store.create(buy(5), OrderOrigin::Strategy, kT0);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(store.order(*a)->request.client_order_id, "run7f3a-1");
  EXPECT_EQ(store.order(*b)->request.client_order_id, "run7f3a-2");
  EXPECT_EQ(store.order(*a)->status, OrderStatus::New);
  auto clash = buy(1);
  clash.client_order_id = "run7f3a-1";
  EXPECT_EQ(store.create(clash, OrderOrigin::Strategy, kT0).error().message,
            "client_order_id 'run7f3a-1' is already used by order 1 with different fields");
  // A restarted node continues the sequence from its journal.
  OrderStore restarted("run7f3a");
  restarted.set_next_sequence(3);
  EXPECT_EQ(restarted.order(*restarted.create(buy(1), OrderOrigin::Strategy, kT0))->request.client_order_id, "run7f3a-3");
}

TEST(OrderStore, ARetryOfARejectedOrderIsRejectedAgain) {
  OrderStore store("r");
  auto request = buy(10);
  request.client_order_id = "mine-1";
  const OrderId id = *store.create(request, OrderOrigin::Strategy, kT0);
  EXPECT_EQ(*store.create(request, OrderOrigin::Strategy, kT0), id);  // idempotent while alive
  ASSERT_TRUE(store.apply(event(OrderEventKind::Submitted, *store.order(id))));
  ASSERT_TRUE(store.apply(event(OrderEventKind::Rejected, *store.order(id), "insufficient buying power")));
  auto retry = store.create(request, OrderOrigin::Strategy, kT0);
  ASSERT_FALSE(retry);
  EXPECT_EQ(retry.error().message, "order mine-1 was rejected: insufficient buying power");
}

TEST(OrderStore, AnInvalidRequestStoresNothingAndUsesNoId) {
  OrderStore store("r");
  EXPECT_EQ(store.create(buy(0), OrderOrigin::Strategy, kT0).error().kind, core::ErrorKind::Rejected);
  EXPECT_TRUE(store.orders().empty());
  EXPECT_EQ(store.order(*store.create(buy(1), OrderOrigin::Strategy, kT0))->request.client_order_id, "r-1");
}

TEST(OrderStore, LifeOfAnOrderThroughEvents) {
  OrderStore store("r");
  const OrderId id = *store.create(buy(10), OrderOrigin::Strategy, kT0);
  const Order& o = *store.order(id);
  ASSERT_TRUE(store.apply(event(OrderEventKind::Submitted, o)));
  EXPECT_EQ(o.status, OrderStatus::Submitted);
  ASSERT_TRUE(store.apply(event(OrderEventKind::Accepted, o)));
  auto first = store.apply(fill(o, 4, 100.0, "x1"));
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->fill);
  EXPECT_EQ(first->fill->quantity, 4);
  EXPECT_EQ(o.status, OrderStatus::PartiallyFilled);
  ASSERT_TRUE(store.apply(fill(o, 6, 101.0, "x2")));
  EXPECT_EQ(o.status, OrderStatus::Filled);
  EXPECT_EQ(o.filled, 10);
  EXPECT_DOUBLE_EQ(o.average_price(), 100.6);
  EXPECT_EQ(o.commission, core::Money::round(1.0));
  EXPECT_TRUE(store.open().empty());
}

TEST(OrderStore, DuplicateFillsAreIgnored) {
  OrderStore store("r");
  const Order& o = *store.order(*store.create(buy(10), OrderOrigin::Strategy, kT0));
  ASSERT_TRUE(store.apply(event(OrderEventKind::Submitted, o)));
  ASSERT_TRUE(store.apply(fill(o, 4, 100.0, "x1")));
  auto dup = store.apply(fill(o, 4, 100.0, "x1"));
  ASSERT_TRUE(dup);
  EXPECT_TRUE(dup->duplicate);
  EXPECT_FALSE(dup->fill);
  EXPECT_EQ(o.filled, 4);
}

TEST(OrderStore, AcknowledgementAfterTheFillChangesNothing) {
  OrderStore store("r");
  const Order& o = *store.order(*store.create(buy(10), OrderOrigin::Strategy, kT0));
  ASSERT_TRUE(store.apply(event(OrderEventKind::Submitted, o)));
  ASSERT_TRUE(store.apply(fill(o, 10, 100.0, "x1")));  // the fill overtook the acknowledgement
  auto late_ack = store.apply(event(OrderEventKind::Accepted, o));
  ASSERT_TRUE(late_ack);
  EXPECT_TRUE(late_ack->ignored);
  EXPECT_EQ(o.status, OrderStatus::Filled);
}

TEST(OrderStore, FillAfterTheCancelRequestIsTheLateFill) {
  OrderStore store("r");
  const Order& o = *store.order(*store.create(buy(10), OrderOrigin::Strategy, kT0));
  ASSERT_TRUE(store.apply(event(OrderEventKind::Submitted, o)));
  ASSERT_TRUE(store.apply(event(OrderEventKind::Accepted, o)));
  ASSERT_TRUE(store.apply(event(OrderEventKind::CancelRequested, o, "superseded")));
  EXPECT_EQ(o.status, OrderStatus::PendingCancel);
  EXPECT_TRUE(is_open(o.status));  // it may still fill
  ASSERT_TRUE(store.apply(fill(o, 3, 100.0, "x1")));
  EXPECT_EQ(o.status, OrderStatus::PendingCancel);  // partly filled, the cancel still pending
  ASSERT_TRUE(store.apply(event(OrderEventKind::Cancelled, o)));
  EXPECT_EQ(o.status, OrderStatus::Cancelled);
  EXPECT_EQ(o.filled, 3);
  EXPECT_EQ(o.reason, "superseded");
}

TEST(OrderStore, CancelRefusedBecauseItFilledFirst) {
  OrderStore store("r");
  const Order& o = *store.order(*store.create(buy(10), OrderOrigin::Strategy, kT0));
  ASSERT_TRUE(store.apply(event(OrderEventKind::Submitted, o)));
  ASSERT_TRUE(store.apply(event(OrderEventKind::CancelRequested, o)));
  ASSERT_TRUE(store.apply(fill(o, 10, 100.0, "x1")));
  EXPECT_EQ(o.status, OrderStatus::Filled);
  auto refused = store.apply(event(OrderEventKind::CancelRejected, o, "order is filled"));
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->ignored);
  EXPECT_EQ(o.status, OrderStatus::Filled);

  const Order& p = *store.order(*store.create(buy(10), OrderOrigin::Strategy, kT0));
  ASSERT_TRUE(store.apply(event(OrderEventKind::Submitted, p)));
  ASSERT_TRUE(store.apply(event(OrderEventKind::Accepted, p)));
  ASSERT_TRUE(store.apply(event(OrderEventKind::CancelRequested, p)));
  ASSERT_TRUE(store.apply(event(OrderEventKind::CancelRejected, p, "too late to cancel")));
  EXPECT_EQ(p.status, OrderStatus::Accepted);  // back to working
}

TEST(OrderStore, FillReportedAfterTheCancelConfirmationIsKeptAndFlaggedLate) {
  OrderStore store("r");
  const Order& o = *store.order(*store.create(buy(10), OrderOrigin::Strategy, kT0));
  ASSERT_TRUE(store.apply(event(OrderEventKind::Submitted, o)));
  ASSERT_TRUE(store.apply(event(OrderEventKind::Cancelled, o)));
  auto late = store.apply(fill(o, 2, 100.0, "x9"));
  ASSERT_TRUE(late);
  EXPECT_TRUE(late->late);
  ASSERT_TRUE(late->fill);  // the shares were bought all the same
  EXPECT_EQ(o.filled, 2);
  EXPECT_EQ(o.status, OrderStatus::Cancelled);
}

TEST(OrderStore, WithdrawingAnUnsentOrderNeedsNoVenue) {
  OrderStore store("r");
  const Order& o = *store.order(*store.create(buy(10), OrderOrigin::Strategy, kT0));
  ASSERT_TRUE(store.apply(event(OrderEventKind::CancelRequested, o, "position already closed")));
  EXPECT_EQ(o.status, OrderStatus::Cancelled);
  EXPECT_TRUE(store.open().empty());
}

TEST(OrderStore, ImpossibleEventsAreErrors) {
  OrderStore store("r");
  const Order& o = *store.order(*store.create(buy(10), OrderOrigin::Strategy, kT0));
  EXPECT_EQ(store.apply(status_event(OrderEventKind::Accepted, 0, "nobody-1", kT0)).error().kind,
            core::ErrorKind::NotFound);
  ASSERT_TRUE(store.apply(event(OrderEventKind::Submitted, o)));
  EXPECT_FALSE(store.apply(fill(o, 11, 100.0, "x1")));  // more than ordered
  EXPECT_FALSE(store.apply(event(OrderEventKind::Submitted, o)));  // sent twice
  EXPECT_EQ(o.filled, 0);
}

TEST(OrderStore, BracketChildrenAreCreatedWithTheEntry) {
  OrderStore store("r");
  auto entry = buy(10);
  entry.bracket = Bracket{.take_profit = {}, .stop_loss = core::Price::dollars(95)};
  const Order& o = *store.order(*store.create(entry, OrderOrigin::Strategy, kT0));
  EXPECT_EQ(o.take_profit_child, 0u);
  ASSERT_NE(o.stop_loss_child, 0u);
  const Order& sl = *store.order(o.stop_loss_child);
  EXPECT_EQ(sl.request.client_order_id, "r-1-sl");
  EXPECT_EQ(sl.request.side, Side::Sell);
  EXPECT_EQ(sl.origin, OrderOrigin::Protective);
  EXPECT_EQ(sl.parent, o.id);
}

}  // namespace
}  // namespace kestrel::execution
