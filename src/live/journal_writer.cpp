#include "live/journal_writer.hpp"

#include <cmath>

#include <fmt/format.h>

namespace kestrel::live {

using execution::OrderEventKind;
using execution::OrderType;

JournalWriter::JournalWriter(store::Journal& journal, std::string run_id, const store::Panel& panel,
                             trading::KernelObserver* next)
    : journal_(&journal), run_id_(std::move(run_id)), panel_(&panel), next_(next) {}

std::string JournalWriter::ticker(std::uint32_t instrument) const {
  return instrument < panel_->num_tickers() ? panel_->tickers()[instrument] : fmt::format("#{}", instrument);
}

bool JournalWriter::open() {
  if (error_) return false;
  if (in_transaction_) return true;
  if (auto s = journal_->begin(); !s) {
    error_ = s.error();
    return false;
  }
  in_transaction_ = true;
  return true;
}

void JournalWriter::failed(core::Status status) {
  if (status || error_) return;
  error_ = status.error();
  if (in_transaction_) {
    journal_->rollback();
    in_transaction_ = false;
  }
}

core::Status JournalWriter::checkpoint() {
  if (error_) return std::unexpected(*error_);
  if (!in_transaction_) return {};
  in_transaction_ = false;
  if (auto s = journal_->commit(); !s) {
    error_ = s.error();
    return s;
  }
  if (commit_hook_) commit_hook_();
  return {};
}

void JournalWriter::prediction(core::Date date, const std::string& ticker_name, const std::string& model, double score) {
  if (!open()) return;
  failed(journal_->put_prediction(run_id_, model, {.date = date, .ticker = ticker_name, .score = score, .model = model}));
}

void JournalWriter::decision(core::Date date, const std::string& kind, const std::string& detail) {
  if (!open()) return;
  failed(journal_->put_decision(run_id_, {.seq = ++decision_seq_, .date = date, .kind = kind, .detail = detail}));
}

void JournalWriter::on_order_created(const execution::Order& o) {
  if (open()) {
    const auto& r = o.request;
    const bool has_limit = r.type == OrderType::Limit || r.type == OrderType::StopLimit;
    const bool has_stop = r.type == OrderType::Stop || r.type == OrderType::StopLimit;
    failed(journal_->put_order(
        run_id_, {.order_id = static_cast<std::int64_t>(o.id), .client_order_id = r.client_order_id,
                  .date = o.submitted, .created_ns = o.created_ns, .ticker = ticker(r.instrument),
                  .side = std::string(execution::to_string(r.side)), .type = std::string(execution::to_string(r.type)),
                  .tif = std::string(execution::to_string(r.tif)), .tag = std::string(execution::to_string(r.tag)),
                  .origin = std::string(execution::to_string(o.origin)), .quantity = static_cast<double>(r.quantity),
                  .limit_price = has_limit ? r.limit_price.to_double() : 0.0,
                  .stop_price = has_stop ? r.stop_price.to_double() : 0.0, .parent = static_cast<std::int64_t>(o.parent)}));
  }
  if (next_ != nullptr) next_->on_order_created(o);
}

core::Status JournalWriter::before_send(std::span<const execution::OrderId> orders) {
  // Every order row was written when the order was created; committing now makes them
  // durable before the first of them leaves.
  if (auto s = checkpoint(); !s) return s;
  if (next_ != nullptr) return next_->before_send(orders);
  return {};
}

void JournalWriter::on_order_event(const execution::Order& o, const execution::OrderEvent& e) {
  switch (e.kind) {
    case OrderEventKind::Submitted:
      ++orders_sent_today_;
      ++activity_.sent;
      break;
    case OrderEventKind::Fill: ++activity_.fills; break;
    case OrderEventKind::Cancelled: ++activity_.cancelled; break;
    case OrderEventKind::Expired: ++activity_.expired; break;
    case OrderEventKind::Rejected: ++activity_.rejected; break;
    default: break;
  }
  if (open()) {
    const bool is_fill = e.kind == OrderEventKind::Fill;
    failed(journal_->put_event(
        run_id_, {.seq = ++event_seq_, .order_id = static_cast<std::int64_t>(o.id),
                  .client_order_id = o.request.client_order_id, .kind = std::string(execution::to_string(e.kind)),
                  .ts = e.ts, .execution_id = e.execution_id, .ticker = ticker(o.request.instrument),
                  .side = std::string(execution::to_string(o.request.side)),
                  .quantity = is_fill ? static_cast<double>(e.quantity) : 0.0,
                  .price = is_fill ? e.price.to_double() : 0.0, .commission = is_fill ? e.commission.to_double() : 0.0,
                  .reason = e.reason}));
  }
  if (event_hook_) event_hook_();
  if (next_ != nullptr) next_->on_order_event(o, e);
}

void JournalWriter::on_fill(const execution::Fill& fill) {
  if (next_ != nullptr) next_->on_fill(fill);
}

void JournalWriter::on_round_trip(const portfolio::RoundTrip& trip, const execution::Fill& fill) {
  if (next_ != nullptr) next_->on_round_trip(trip, fill);
}

void JournalWriter::on_risk_event(const risk::RiskEvent& e) {
  decision(e.date, "risk:" + risk::to_string(e.kind), fmt::format("{}: {}", e.rule, e.message));
  if (next_ != nullptr) next_->on_risk_event(e);
}

void JournalWriter::on_decision(std::string_view kind, const std::string& detail) {
  const core::Date date = kernel_ != nullptr ? panel_->dates()[kernel_->session()] : core::Date{};
  decision(date, std::string(kind), detail);
  if (next_ != nullptr) next_->on_decision(kind, detail);
}

void JournalWriter::on_session_closed(std::size_t t) {
  if (kernel_ != nullptr && open()) {
    const portfolio::Portfolio& p = kernel_->portfolio();
    const double equity = p.equity().to_double();
    if (benchmark_ && panel_->has_bar(*benchmark_, t)) {
      last_benchmark_ = panel_->value(store::Field::AdjClose, *benchmark_, t);
    }
    const core::Date date = panel_->dates()[t];
    failed(journal_->put_day(run_id_, {.date = date, .equity = equity, .cash = p.cash().to_double(),
                                       .market_value = p.market_value().to_double(),
                                       .gross_exposure = equity != 0 ? p.gross_value().to_double() / equity : 0.0,
                                       .positions = static_cast<std::int64_t>(p.held().size()),
                                       .benchmark = last_benchmark_, .orders_sent = orders_sent_today_,
                                       .last_event_seq = event_seq_}));
    ++days_written_;
    for (std::uint32_t i : p.held()) {
      const portfolio::Position& pos = p.position(i);
      double stop = 0;
      for (execution::OrderId id : kernel_->orders().open()) {
        const execution::Order& o = *kernel_->orders().order(id);
        if (o.request.instrument == i && o.origin == execution::OrderOrigin::Protective &&
            o.request.type == OrderType::Stop && o.status != execution::OrderStatus::PendingCancel) {
          stop = o.request.stop_price.to_double();
        }
      }
      failed(journal_->put_position(
          run_id_, {.date = date, .ticker = ticker(i), .quantity = static_cast<double>(pos.quantity),
                    .average_cost = pos.average_cost().to_double(), .last_price = pos.last_price.to_double(),
                    .market_value = pos.market_value().to_double(),
                    .unrealized = (pos.market_value() - pos.cost).to_double(), .entry_date = pos.entry_date,
                    .stop_level = stop}));
    }
  }
  orders_sent_today_ = 0;
  if (next_ != nullptr) next_->on_session_closed(t);
}

}  // namespace kestrel::live
