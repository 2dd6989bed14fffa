#include "store/state_rows.hpp"

#include <functional>

#include <pqxx/pqxx>

#include "deliveryd/core/status.hpp"
#include "deliveryd/store/errors.hpp"

#include "store/pg_array.hpp"

namespace deliveryd::store {
namespace {

using core::Timestamp;

std::optional<Timestamp> timestamp_at(const pqxx::row& row, int column) {
    const auto field = row[column];
    if (field.is_null()) {
        return std::nullopt;
    }
    return Timestamp{std::chrono::microseconds{field.as<std::int64_t>()}};
}

template <class T>
std::optional<T> optional_at(const pqxx::row& row, int column) {
    const auto field = row[column];
    if (field.is_null()) {
        return std::nullopt;
    }
    return field.as<T>();
}

// Text written by deliveryd itself: anything unknown means the table was
// edited by hand into something this binary cannot merge.
template <class Enum>
Enum enum_at(const pqxx::row& row, int column,
             std::optional<Enum> (*parse)(std::string_view) noexcept) {
    const auto text = row[column].as<std::string>();
    const auto value = parse(text);
    if (!value) {
        throw DatabaseError("delivery_state holds an unknown value '" + text + "' in column " +
                            row[column].name());
    }
    return *value;
}

template <class Enum>
std::optional<Enum> optional_enum_at(const pqxx::row& row, int column,
                                     std::optional<Enum> (*parse)(std::string_view) noexcept) {
    if (row[column].is_null()) {
        return std::nullopt;
    }
    return enum_at(row, column, parse);
}

std::optional<std::int64_t> micros(const std::optional<Timestamp>& t) {
    if (!t) {
        return std::nullopt;
    }
    return t->time_since_epoch().count();
}

std::optional<std::int64_t> widen(const std::optional<int>& v) {
    if (!v) {
        return std::nullopt;
    }
    return *v;
}

std::optional<std::int64_t> price(const std::optional<core::Price>& p) {
    if (!p) {
        return std::nullopt;
    }
    return p->ten_thousandths;
}

template <class Enum>
std::optional<std::string_view> text_of(const std::optional<Enum>& value) {
    if (!value) {
        return std::nullopt;
    }
    return core::to_string(*value);
}

// One array parameter per column: `column(get)` appends get(item) for every item.
template <class Item>
class Columns {
  public:
    explicit Columns(std::span<const Item* const> items) : items_(items) {}

    template <class Get>
    Columns& column(Get get) {
        PgArray array;
        for (const Item* item : items_) {
            array.add(get(*item));
        }
        params_.push_back(array.finish());
        return *this;
    }

    [[nodiscard]] std::vector<std::string> finish() { return std::move(params_); }

  private:
    std::span<const Item* const> items_;
    std::vector<std::string> params_;
};

}  // namespace

core::State read_state(const pqxx::row& row) {
    core::State s;
    s.sms_id = row[0].as<std::string>();
    s.provider = enum_at(row, 1, &core::parse_provider);
    s.account = row[2].as<std::string>();
    s.type_id = optional_at<int>(row, 3);
    s.oa_id = optional_at<std::string>(row, 4);
    s.phone = optional_at<std::string>(row, 5);
    s.zalo_user_id = optional_at<std::string>(row, 6);
    s.request_id = optional_at<std::string>(row, 7);
    s.state = enum_at(row, 8, &core::parse_state_label);
    s.is_final = row[9].as<bool>();
    s.send_status = optional_at<int>(row, 10);
    s.send_success = optional_at<int>(row, 11);
    s.send_failed = optional_at<int>(row, 12);
    s.total_receiver = optional_at<int>(row, 13);
    s.total_sent = optional_at<int>(row, 14);
    if (const auto p = optional_at<std::int64_t>(row, 15)) {
        s.total_price = core::Price{*p};
    }
    s.telco_id = optional_at<int>(row, 16);
    s.partner_id = optional_at<std::string>(row, 17);
    s.template_id = optional_at<std::string>(row, 18);
    s.error_code = optional_at<int>(row, 19);
    s.error_message = optional_at<std::string>(row, 20);
    s.zalo_status = optional_at<int>(row, 21);
    s.delivered_at = timestamp_at(row, 22);
    s.state_at = timestamp_at(row, 23);
    s.state_source = optional_enum_at(row, 24, &core::parse_source);
    s.window_closed = row[25].as<bool>();
    s.window_closed_at = timestamp_at(row, 26);
    s.final_at = timestamp_at(row, 27);
    s.resolved_by = optional_enum_at(row, 28, &core::parse_resolver);
    s.submitted_at = timestamp_at(row, 29).value_or(Timestamp{});
    s.updated_at = timestamp_at(row, 30).value_or(Timestamp{});
    s.poll_attempts = row[31].as<int>();
    s.next_poll_at = timestamp_at(row, 32);
    s.counts_state = optional_enum_at(row, 33, &core::parse_state_label);
    s.counts_at = timestamp_at(row, 34);
    s.counts_source = optional_enum_at(row, 35, &core::parse_source);
    s.fallback_sms_status = optional_at<std::string>(row, 36);
    s.fallback_sms_at = timestamp_at(row, 37);
    return s;
}

core::Observation read_event(const pqxx::row& row, core::Provider provider) {
    core::Observation o;
    o.provider = provider;
    o.sms_id = row[0].as<std::string>();
    o.source = enum_at(row, 1, &core::parse_source);
    o.observed_at = timestamp_at(row, 2).value_or(Timestamp{});
    o.state = enum_at(row, 3, &core::parse_state_label);
    o.send_status = optional_at<int>(row, 4);
    o.send_success = optional_at<int>(row, 5);
    o.send_failed = optional_at<int>(row, 6);
    o.total_receiver = optional_at<int>(row, 7);
    o.total_sent = optional_at<int>(row, 8);
    if (const auto p = optional_at<std::int64_t>(row, 9)) {
        o.total_price = core::Price{*p};
    }
    o.telco_id = optional_at<int>(row, 10);
    o.type_id = optional_at<int>(row, 11);
    o.oa_id = optional_at<std::string>(row, 12);
    o.phone = optional_at<std::string>(row, 13);
    o.zalo_user_id = optional_at<std::string>(row, 14);
    o.request_id = optional_at<std::string>(row, 15);
    o.partner_id = optional_at<std::string>(row, 16);
    o.template_id = optional_at<std::string>(row, 17);
    o.error_code = optional_at<int>(row, 18);
    o.error_message = optional_at<std::string>(row, 19);
    o.zalo_status = optional_at<int>(row, 20);
    o.delivered_at = timestamp_at(row, 21);
    o.raw = row[22].as<std::string>();
    o.provider_at = timestamp_at(row, 23);
    o.fallback_sms_status = optional_at<std::string>(row, 24);
    o.fallback_sms_at = timestamp_at(row, 25);
    return o;
}

std::vector<std::string> write_rows_params(const std::vector<const core::State*>& rows) {
    using core::State;
    return Columns<State>(rows)
        .column([](const State& s) { return std::string_view(s.sms_id); })
        .column([](const State& s) { return core::to_string(s.provider); })
        .column([](const State& s) { return widen(s.type_id); })
        .column([](const State& s) { return s.oa_id; })
        .column([](const State& s) { return s.phone; })
        .column([](const State& s) { return s.zalo_user_id; })
        .column([](const State& s) { return s.request_id; })
        .column([](const State& s) { return core::to_string(s.state); })
        .column([](const State& s) { return s.is_final; })
        .column([](const State& s) { return widen(s.send_status); })
        .column([](const State& s) { return widen(s.send_success); })
        .column([](const State& s) { return widen(s.send_failed); })
        .column([](const State& s) { return widen(s.total_receiver); })
        .column([](const State& s) { return widen(s.total_sent); })
        .column([](const State& s) { return price(s.total_price); })
        .column([](const State& s) { return widen(s.telco_id); })
        .column([](const State& s) { return s.partner_id; })
        .column([](const State& s) { return s.template_id; })
        .column([](const State& s) { return widen(s.error_code); })
        .column([](const State& s) { return s.error_message; })
        .column([](const State& s) { return widen(s.zalo_status); })
        .column([](const State& s) { return micros(s.delivered_at); })
        .column([](const State& s) { return micros(s.state_at); })
        .column([](const State& s) { return text_of(s.state_source); })
        .column([](const State& s) { return s.window_closed; })
        .column([](const State& s) { return micros(s.window_closed_at); })
        .column([](const State& s) { return micros(s.final_at); })
        .column([](const State& s) { return text_of(s.resolved_by); })
        .column([](const State& s) { return text_of(s.counts_state); })
        .column([](const State& s) { return micros(s.counts_at); })
        .column([](const State& s) { return text_of(s.counts_source); })
        .column([](const State& s) { return s.fallback_sms_status; })
        .column([](const State& s) { return micros(s.fallback_sms_at); })
        .finish();
}

std::vector<std::string> append_events_params(std::span<const core::Observation> observations) {
    using core::Observation;
    std::vector<const Observation*> items;
    items.reserve(observations.size());
    for (const auto& o : observations) {
        items.push_back(&o);
    }
    return Columns<Observation>(items)
        .column([](const Observation& o) { return std::string_view(o.sms_id); })
        .column([](const Observation& o) { return core::to_string(o.source); })
        .column([](const Observation& o) {
            return std::int64_t{o.observed_at.time_since_epoch().count()};
        })
        .column([](const Observation& o) { return core::to_string(o.state); })
        .column([](const Observation& o) { return widen(o.send_status); })
        .column([](const Observation& o) { return widen(o.send_success); })
        .column([](const Observation& o) { return widen(o.send_failed); })
        .column([](const Observation& o) { return widen(o.total_receiver); })
        .column([](const Observation& o) { return widen(o.total_sent); })
        .column([](const Observation& o) { return price(o.total_price); })
        .column([](const Observation& o) { return widen(o.telco_id); })
        .column([](const Observation& o) { return widen(o.type_id); })
        .column([](const Observation& o) { return o.oa_id; })
        .column([](const Observation& o) { return o.phone; })
        .column([](const Observation& o) { return o.zalo_user_id; })
        .column([](const Observation& o) { return o.request_id; })
        .column([](const Observation& o) { return o.partner_id; })
        .column([](const Observation& o) { return o.template_id; })
        .column([](const Observation& o) { return widen(o.error_code); })
        .column([](const Observation& o) { return o.error_message; })
        .column([](const Observation& o) { return widen(o.zalo_status); })
        .column([](const Observation& o) { return micros(o.delivered_at); })
        .column([](const Observation& o) { return std::string_view(o.raw); })
        .column([](const Observation& o) { return micros(o.provider_at); })
        .column([](const Observation& o) { return o.fallback_sms_status; })
        .column([](const Observation& o) { return micros(o.fallback_sms_at); })
        .finish();
}

}  // namespace deliveryd::store
