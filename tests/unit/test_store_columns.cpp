// The pieces derived from columns.hpp agree with each other, without a
// database: the statements' column lists and parameters, the parameter
// builders (write_rows_params, append_events_params) and the row readers
// (read_state, read_event) with the index of a column selected after a State.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "deliveryd/store/errors.hpp"

#include "store/columns.hpp"
#include "store/state_rows.hpp"
#include "store/statements.hpp"
#include "support/binary_array_text.hpp"

namespace deliveryd::store {
namespace {

using namespace std::chrono_literals;

using core::Observation;
using core::State;

const core::Timestamp t0{std::chrono::sys_days{std::chrono::year{2025} / 4 / 1}};

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \n");
    return std::string(text.substr(first, last - first + 1));
}

// The items of a comma-separated list; commas inside parentheses or quotes
// do not separate.
std::vector<std::string> items_of(std::string_view list) {
    std::vector<std::string> items;
    int depth = 0;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const char c = list[i];
        if (c == '\'') {
            quoted = !quoted;
        } else if (!quoted && c == '(') {
            ++depth;
        } else if (!quoted && c == ')') {
            --depth;
        } else if (!quoted && depth == 0 && c == ',') {
            items.push_back(trimmed(list.substr(start, i - start)));
            start = i + 1;
        }
    }
    items.push_back(trimmed(list.substr(start)));
    return items;
}

// The text inside the parentheses that open at the end of the first
// `opening` in `text` at or after `from`; `from` moves past the closing one.
std::string_view inside(std::string_view text, std::string_view opening, std::size_t& from) {
    const auto at = text.find(opening, from);
    if (at == std::string_view::npos) {
        ADD_FAILURE() << "no '" << opening << "' in the statement";
        return {};
    }
    const auto start = at + opening.size();
    int depth = 1;
    for (auto i = start; i < text.size(); ++i) {
        if (text[i] == '(') {
            ++depth;
        } else if (text[i] == ')' && --depth == 0) {
            from = i + 1;
            return text.substr(start, i - start);
        }
    }
    ADD_FAILURE() << "'" << opening << "' is not closed";
    return {};
}

// The text between the first `begin` at or after `from` and the next `end`.
std::string_view between(std::string_view text, std::string_view begin, std::string_view end,
                         std::size_t from) {
    const auto start = text.find(begin, from);
    const auto stop = text.find(end, start);
    if (start == std::string_view::npos || stop == std::string_view::npos) {
        ADD_FAILURE() << "no '" << begin << "' ... '" << end << "' in the statement";
        return {};
    }
    return text.substr(start + begin.size(), stop - start - begin.size());
}

bool mentions(std::string_view expression, std::string_view name) {
    const auto word = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    };
    for (auto at = expression.find(name); at != std::string_view::npos;
         at = expression.find(name, at + 1)) {
        const auto end = at + name.size();
        if ((at == 0 || !word(expression[at - 1])) &&
            (end == expression.size() || !word(expression[end]))) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> names_of(std::span<const columns::Sql> of) {
    std::vector<std::string> names;
    for (const auto& column : of) {
        names.emplace_back(column.name);
    }
    return names;
}

std::vector<std::string> written_state_names() {
    std::vector<std::string> names;
    for (const auto& column : columns::state) {
        if (columns::is_written(column.role)) {
            names.emplace_back(column.name);
        }
    }
    return names;
}

// The element of a one-row array parameter, as the text of a result field;
// nullopt for NULL (a column NULL in every row travels as an empty array,
// which gives that row NULL all the same).
std::optional<std::string> element_of(const BinaryParam& array) {
    const auto text = testing::array_text(array);
    EXPECT_LE(text.elements.size(), 1U);
    return text.elements.empty() ? std::nullopt : text.elements.front();
}

std::string micros(core::Timestamp t) {
    return std::to_string(t.time_since_epoch().count());
}

// Every field set, each to a value of its own.
State full_state() {
    State s;
    s.sms_id = "sms-1";
    s.provider = core::Provider::etelecom;
    s.account = "shop \"2\"";
    s.type_id = 25;
    s.oa_id = "oa-9";
    s.phone = "0901888484";
    s.zalo_user_id = "zu-3";
    s.request_id = "req,4";
    s.state = core::StateLabel::delivered;
    s.is_final = true;
    s.send_status = 5;
    s.send_success = 1;
    s.send_failed = 2;
    s.total_receiver = 3;
    s.total_sent = 4;
    s.total_price = core::Price{8'500'000};
    s.counts_state = core::StateLabel::sent;
    s.counts_at = t0 + 6s;
    s.counts_source = core::Source::get_callback;
    s.telco_id = 6;
    s.partner_id = "msg-7";
    s.template_id = "tpl-8";
    s.error_code = -124;
    s.error_message = "back\\slash";
    s.zalo_status = -1;
    s.delivered_at = t0 + 7s;
    s.fallback_sms_status = "DELIVERED";
    s.fallback_sms_at = t0 + 8s;
    s.state_at = t0 + 9s;
    s.state_source = core::Source::callback;
    s.window_closed = true;
    s.window_closed_at = t0 + 10s;
    s.final_at = t0 + 11s;
    s.resolved_by = core::Resolver::poll;
    s.submitted_at = t0 + 1s;
    s.updated_at = t0 + 12s;
    s.poll_attempts = 13;
    s.next_poll_at = t0 + 14s;
    return s;
}

Observation full_observation() {
    Observation o;
    o.source = core::Source::get_send_status;
    o.provider = core::Provider::etelecom;
    o.sms_id = "sms-1";
    o.observed_at = t0 + 1s;
    o.state = core::StateLabel::failed;
    o.send_status = 4;
    o.send_success = 0;
    o.send_failed = 1;
    o.total_receiver = 1;
    o.total_sent = 2;
    o.total_price = core::Price{123};
    o.telco_id = 3;
    o.type_id = 24;
    o.oa_id = "oa-1";
    o.phone = "0901888484";
    o.zalo_user_id = "zu-1";
    o.request_id = "req-1";
    o.partner_id = "msg-1";
    o.template_id = "tpl-1";
    o.error_code = -201;
    o.error_message = "quote \" here";
    o.zalo_status = 0;
    o.delivered_at = t0 + 2s;
    o.provider_at = t0 + 3s;
    o.fallback_sms_status = "SENT";
    o.fallback_sms_at = t0 + 4s;
    o.raw = "SMSID=sms-1&SendStatus=4";
    return o;
}

// A row as a statement selecting `selected` returns it: each column's text
// from `values` by name, then `after` (a column selected after them).
struct Row {
    std::vector<std::optional<std::string>> texts;
    std::vector<FieldText> fields() const {
        std::vector<FieldText> fields;
        for (const auto& text : texts) {
            fields.push_back(text ? FieldText{text->c_str(), false} : FieldText{});
        }
        return fields;
    }
};

Row row_of(std::span<const columns::Sql> selected,
           const std::map<std::string, std::optional<std::string>>& values,
           std::optional<std::string> after = std::nullopt) {
    Row row;
    for (const auto& column : selected) {
        const auto value = values.find(std::string(column.name));
        if (value == values.end()) {
            ADD_FAILURE() << "no value for column " << column.name;
            row.texts.emplace_back();
        } else {
            row.texts.push_back(value->second);
        }
    }
    if (after) {
        row.texts.push_back(after);
    }
    return row;
}

// The names of the parameters a SELECT list unnests (`unnest($1::text[]) AS
// sms_id`), in its order; its other items are left out. `select` is the
// list with its SELECT.
std::vector<std::string> unnested_names(std::string_view select) {
    const auto list = select.substr(select.find("SELECT") + 6);
    std::vector<std::string> names;
    for (const auto& item : items_of(list)) {
        if (item.starts_with("unnest(")) {
            names.push_back(item.substr(item.rfind(" AS ") + 4));
        }
    }
    return names;
}

// The unnested parameters of write_batch for its rows and for its events.
std::vector<std::string> batch_row_names(const std::string& text) {
    std::size_t at = 0;
    return unnested_names(inside(text, "WITH batch AS MATERIALIZED (", at));
}

std::vector<std::string> batch_event_names(const std::string& text) {
    std::size_t at = text.find("logged AS (");
    return unnested_names(inside(text, "FROM (", at));
}

// Column name -> the text of its value, from a statement's parameters for
// one row, named as the statement unnests them.
std::map<std::string, std::optional<std::string>> bound_values(
    const std::vector<std::string>& names, const BinaryParams& params) {
    std::map<std::string, std::optional<std::string>> values;
    EXPECT_GE(names.size(), params.size());
    for (std::size_t i = 0; i < params.size() && i < names.size(); ++i) {
        values[names[i]] = element_of(params[i]);
    }
    return values;
}

const std::string& write_batch_text() {
    return statements::text_of(statements::write_batch);
}

TEST(StoreColumns, SelectListsSelectEveryColumnInTheTablesOrder) {
    const auto state_items = items_of(statements::state_columns());
    ASSERT_EQ(state_items.size(), columns::state.size());
    EXPECT_EQ(after_state_column, static_cast<int>(state_items.size()));
    EXPECT_EQ(row_version_column, after_state_column);
    for (std::size_t i = 0; i < state_items.size(); ++i) {
        EXPECT_TRUE(mentions(state_items[i], columns::state[i].name))
            << i << ": " << state_items[i] << " is not " << columns::state[i].name;
    }
    const auto event_items = items_of(statements::event_columns());
    ASSERT_EQ(event_items.size(), columns::event.size());
    for (std::size_t i = 0; i < event_items.size(); ++i) {
        EXPECT_TRUE(mentions(event_items[i], columns::event[i].name))
            << i << ": " << event_items[i] << " is not " << columns::event[i].name;
    }
    // Times and prices travel as whole numbers.
    EXPECT_EQ(state_items[15], "(total_price * 10000)::bigint");
    EXPECT_EQ(state_items[22], "(extract(epoch FROM delivered_at) * 1000000)::bigint");
}

TEST(StoreColumns, ReadStatementsSelectTheStateThenTheVersion) {
    for (const auto* name : {statements::read_rows, statements::lock_rows}) {
        const auto& text = statements::text_of(name);
        const auto items = items_of(between(text, "SELECT", "FROM unnest", 0));
        ASSERT_EQ(items.size(), columns::state.size() + 1) << name;
        EXPECT_EQ(items[static_cast<std::size_t>(row_version_column)],
                  "d.row_version::text::bigint");
    }
    const auto& find = statements::text_of(statements::find_row);
    EXPECT_EQ(items_of(between(find, "SELECT", "FROM delivery_state", 0)).size(),
              columns::state.size());
}

TEST(StoreColumns, WriteBatchNumbersEachParameterOnceAndTheBuildersFillThemAll) {
    const auto s = full_state();
    const auto o = full_observation();
    const auto rows = write_rows_params({&s});
    const auto events = append_events_params({&o, 1});
    EXPECT_EQ(rows.size(), written_state_names().size());
    EXPECT_EQ(events.size(), columns::event.size());

    std::map<int, int> uses;
    const auto& text = write_batch_text();
    for (auto at = text.find('$'); at != std::string::npos; at = text.find('$', at + 1)) {
        int n = 0;
        std::from_chars(text.data() + at + 1, text.data() + text.size(), n);
        ++uses[n];
    }
    // The rows, the version each was read at, the events; the key's array
    // also counts the rows.
    const auto count = static_cast<int>(rows.size() + 1 + events.size());
    ASSERT_EQ(uses.size(), static_cast<std::size_t>(count));
    EXPECT_EQ(uses.begin()->first, 1);
    EXPECT_EQ(uses.rbegin()->first, count);
    for (const auto& [n, times] : uses) {
        EXPECT_EQ(times, n == 1 ? 2 : 1) << "$" << n;
    }
    // The version is the parameter after the rows'.
    EXPECT_NE(text.find("$" + std::to_string(rows.size() + 1) + "::int8[])"), std::string::npos);
}

// Each parameter is declared as an array of the element type its builder
// writes (the server refuses any other), and holds a value for a row with
// every field set.
void expect_parameter_types_suit(const std::string& text, const BinaryParams& params) {
    for (std::size_t i = 0; i < params.size(); ++i) {
        const auto placeholder = "$" + std::to_string(i + 1) + "::";
        const auto at = text.find(placeholder);
        ASSERT_NE(at, std::string::npos) << placeholder;
        const auto type_start = at + placeholder.size();
        const auto type = text.substr(type_start, text.find("[]", type_start) + 2 - type_start);
        const auto array = testing::array_text(params[i]);
        EXPECT_EQ(type, array_type_name(array.element)) << placeholder;
        ASSERT_EQ(array.elements.size(), 1U) << placeholder;
        EXPECT_TRUE(array.elements.front()) << placeholder << " is NULL for a full row";
    }
}

TEST(StoreColumns, WriteBatchParameterTypesSuitTheValuesBound) {
    const auto s = full_state();
    const auto o = full_observation();
    auto params = write_rows_params({&s});
    BinaryArray version(PgType::int8);
    version.add(std::int64_t{42});
    params.push_back(version.take());
    auto events = append_events_params({&o, 1});
    params.insert(params.end(), std::make_move_iterator(events.begin()),
                  std::make_move_iterator(events.end()));
    expect_parameter_types_suit(write_batch_text(), params);
}

// Both statements that insert a batch of new ids (ON CONFLICT or not).
TEST(StoreColumns, CreateRowsAndInsertRowsTakeTheRowsThenTheEvents) {
    const auto s = full_state();
    const auto o = full_observation();
    auto params = write_rows_params({&s});
    auto events = append_events_params({&o, 1});
    params.insert(params.end(), std::make_move_iterator(events.begin()),
                  std::make_move_iterator(events.end()));
    for (const auto* name : {statements::create_rows, statements::insert_rows}) {
        SCOPED_TRACE(name);
        const auto& text = statements::text_of(name);
        expect_parameter_types_suit(text, params);
        EXPECT_EQ(text.find("$" + std::to_string(params.size() + 1)), std::string::npos);

        // The same columns inserted as unnested, and the events' alike.
        std::size_t at = 0;
        const auto inserted = items_of(inside(text, "INSERT INTO delivery_state (", at));
        auto expected = written_state_names();
        expected.emplace_back("next_poll_at");
        EXPECT_EQ(inserted, expected);
        EXPECT_EQ(unnested_names(inside(text, "FROM (", at)), written_state_names());
        EXPECT_EQ(items_of(inside(text, "INSERT INTO delivery_event (", at)),
                  names_of(columns::event));
        EXPECT_EQ(unnested_names(inside(text, "FROM (", at)), names_of(columns::event));
    }
}

TEST(StoreColumns, WriteBatchListsAgree) {
    const auto& text = write_batch_text();
    const auto written = written_state_names();

    // batch: one array per written column, in order, then the version, then
    // the rows' places.
    std::size_t at = 0;
    const auto batch_items = items_of(inside(text, "WITH batch AS MATERIALIZED (", at));
    ASSERT_EQ(batch_items.size(), written.size() + 2);
    auto expected_names = written;
    expected_names.emplace_back("version");
    EXPECT_EQ(batch_row_names(text), expected_names);
    EXPECT_TRUE(batch_items.back().ends_with(" AS n")) << batch_items.back();

    // created and changed: the same columns inserted as selected.
    struct Insert {
        const char* cte;
        const char* columns;
    };
    for (const auto& [cte, opening] :
         {Insert{"created AS (", "INSERT INTO delivery_state ("},
          Insert{"changed AS (", "INSERT INTO delivery_state AS d ("}}) {
        at = text.find(cte);
        ASSERT_NE(at, std::string::npos) << cte;
        const auto inserted = items_of(inside(text, opening, at));
        const auto selected = items_of(between(text, "SELECT", "FROM batch", at));
        EXPECT_EQ(inserted.size(), selected.size()) << cte;
        std::vector<std::string> expected = written;
        expected.emplace_back("next_poll_at");
        EXPECT_EQ(inserted, expected) << cte;
        for (std::size_t i = 0; i < written.size() && i < selected.size(); ++i) {
            EXPECT_EQ(selected[i], written[i]) << cte;
        }
    }

    // The update sets every written column but the key, from the row given.
    const auto set = items_of(between(text, "DO UPDATE SET", "updated_at = now()", 0));
    std::vector<std::string> expected_set;
    for (const auto& column : columns::state) {
        if (column.role == columns::Role::written) {
            expected_set.push_back(std::string(column.name) + " = excluded." +
                                   std::string(column.name));
        }
    }
    expected_set.emplace_back();  // the text before updated_at ends with a comma
    EXPECT_EQ(set, expected_set);

    // logged: the event columns inserted, selected and unnested alike.
    at = text.find("logged AS (");
    ASSERT_NE(at, std::string::npos);
    EXPECT_EQ(items_of(inside(text, "INSERT INTO delivery_event (", at)), names_of(columns::event));
    EXPECT_EQ(items_of(between(text, "SELECT", "FROM (", at)), names_of(columns::event));
    EXPECT_EQ(batch_event_names(text), names_of(columns::event));
}

// What write_rows_params binds for a State, placed where the select list
// puts each column, reads back as that State; the columns write_batch
// leaves alone are given as the table would hold them.
void expect_state_round_trip(const State& s) {
    auto values = bound_values(batch_row_names(write_batch_text()), write_rows_params({&s}));
    values["account"] = s.account;
    values["submitted_at"] = micros(s.submitted_at);
    values["updated_at"] = micros(s.updated_at);
    values["poll_attempts"] = std::to_string(s.poll_attempts);
    values["next_poll_at"] = s.next_poll_at ? std::optional(micros(*s.next_poll_at)) : std::nullopt;
    const auto row = row_of(columns::state, values, "4711");
    const auto fields = row.fields();
    EXPECT_EQ(read_state(fields), s);
    EXPECT_STREQ(fields[static_cast<std::size_t>(after_state_column)].text, "4711");
}

TEST(StoreColumns, StateRoundTripsThroughTheWriteParametersAndTheReader) {
    expect_state_round_trip(full_state());
}

TEST(StoreColumns, EmptyStateRoundTrips) {
    State s;
    s.sms_id = "sms-2";
    s.submitted_at = t0;
    s.updated_at = t0;
    expect_state_round_trip(s);
}

void expect_event_round_trip(const Observation& o) {
    const auto values =
        bound_values(batch_event_names(write_batch_text()), append_events_params({&o, 1}));
    const auto row = row_of(columns::event, values);
    EXPECT_EQ(read_event(row.fields(), o.provider), o);
}

TEST(StoreColumns, ObservationRoundTripsThroughTheEventParametersAndTheReader) {
    expect_event_round_trip(full_observation());
    Observation bare;
    bare.sms_id = "sms-3";
    bare.observed_at = t0;
    bare.raw = "{}";
    expect_event_round_trip(bare);
}

TEST(StoreColumns, AnUnknownValueOrAShortRowIsAnError) {
    const auto s = full_state();
    auto values = bound_values(batch_row_names(write_batch_text()), write_rows_params({&s}));
    values["account"] = s.account;
    values["submitted_at"] = micros(s.submitted_at);
    values["updated_at"] = micros(s.updated_at);
    values["poll_attempts"] = "0";
    values["next_poll_at"] = std::nullopt;
    values["state"] = "teleported";
    const auto row = row_of(columns::state, values);
    try {
        (void)read_state(row.fields());
        FAIL() << "read an unknown state";
    } catch (const DatabaseError& e) {
        EXPECT_STREQ(e.what(),
                     "delivery_state holds an unknown value 'teleported' in column state");
    }
    const auto fields = row.fields();
    EXPECT_THROW((void)read_state(std::span(fields).first(fields.size() - 1)), DatabaseError);
}

}  // namespace
}  // namespace deliveryd::store
