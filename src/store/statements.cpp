#include "store/statements.hpp"

#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "store/columns.hpp"

namespace deliveryd::store::statements {
namespace {

using columns::Kind;
using columns::Role;

// The SQL side of each columns::Kind: how statements select it (as it is
// read). Values are written in the binary form of the column's own type,
// so a parameter's elements need no conversion in SQL.

std::string selected(const columns::Sql& column) {
    const std::string name(column.name);
    switch (column.kind) {
        case Kind::price:
            return "(" + name + " * 10000)::bigint";
        case Kind::timestamp:
            return "(extract(epoch FROM " + name + ") * 1000000)::bigint";
        default:
            return name;
    }
}

using Columns = std::vector<columns::Sql>;
using List = std::vector<std::string>;

// The columns of delivery_state that write_batch writes, in order.
Columns written_state_columns() {
    Columns written;
    for (const auto& column : columns::state) {
        if (columns::is_written(column.role)) {
            written.push_back(column);
        }
    }
    return written;
}

template <class Each>
List each_of(std::span<const columns::Sql> of, Each each) {
    List list;
    list.reserve(of.size());
    for (const auto& column : of) {
        list.push_back(each(column));
    }
    return list;
}

List names(std::span<const columns::Sql> of) {
    return each_of(of, [](const columns::Sql& c) { return std::string(c.name); });
}

// `$n::type[]`: parameter n, an array of `element`.
std::string array_param(int n, PgType element) {
    return fmt::format("${}::{}", n, array_type_name(element));
}

// One array parameter per column, numbered from `first`, each unnested
// under the column's name: `unnest($1::text[]) AS sms_id`. Set-returning
// functions in a SELECT list run in lockstep, one element of each array per
// row in the arrays' order, and hand each row on as it is made; in FROM,
// each array would first be copied whole into a tuple store of its own.
// One that runs out yields NULL for the rows left: a column NULL in every
// row of a batch travels as an empty array (take_nulls_as_empty()).
List unnested(std::span<const columns::Sql> of, int first) {
    return each_of(of, [&](const columns::Sql& c) {
        return "unnest(" + array_param(first++, columns::wire_type(c.kind)) + ") AS " +
               std::string(c.name);
    });
}

constexpr std::size_t line_limit = 100;

// The items joined by commas, wrapped before line_limit; a continuation line
// starts at `column`, under the first item.
std::string joined(const List& items, std::size_t column) {
    std::string text;
    std::size_t width = column;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            if (width + 2 + items[i].size() + 1 > line_limit) {
                text += ",\n" + std::string(column, ' ');
                width = column;
            } else {
                text += ", ";
                width += 2;
            }
        }
        text += items[i];
        width += items[i].size();
    }
    return text;
}

// `text` with each {name} replaced by the list of that name (joined());
// a name without a list is a mistake of this file, found at start-up.
std::string expand(std::string_view text, const std::map<std::string_view, List>& lists) {
    std::string out;
    std::size_t at = 0;
    for (;;) {
        const auto open = text.find('{', at);
        if (open == std::string_view::npos) {
            out += text.substr(at);
            return out;
        }
        out += text.substr(at, open - at);
        const auto close = text.find('}', open);
        const auto name = text.substr(open + 1, close - open - 1);
        const auto list = lists.find(name);
        if (close == std::string_view::npos || list == lists.end()) {
            throw std::logic_error("statements.cpp: no column list for {" + std::string(name) +
                                   "}");
        }
        const auto line_start = out.rfind('\n');
        out += joined(list->second,
                      out.size() - (line_start == std::string::npos ? 0 : line_start + 1));
        at = close + 1;
    }
}

// A SELECT list of the columns, each as it travels, on lines of their own
// (the callers put it between SELECT or RETURNING and what follows).
std::string select_list(std::span<const columns::Sql> of) {
    constexpr std::size_t indent = 7;
    return fmt::format("\n{:{}}{}\n", "", indent, joined(each_of(of, selected), indent));
}

const std::string& state_columns_sql() {
    static const std::string sql = select_list(columns::state);
    return sql;
}

// The batch's rows that exist, each with its version (the xmin of the row
// version read: any update changes it), in the order of the ids given.
//
// One primary-key probe per id, rather than `sms_id = ANY($1)`: the plan a
// connection caches is made against the table as it was then, and for a
// table not analysed yet the planner prefers scanning all of it for `= ANY`,
// a plan it keeps while the table grows, until autovacuum's first ANALYZE.
// `suffix` must keep the planner from flattening the per-id subquery into a
// join, which it would then plan the same way.
std::string rows_by_id_sql(const char* suffix) {
    return "SELECT" + state_columns_sql() +
           ", d.row_version::text::bigint "
           "FROM unnest($1::text[]) AS k(id) CROSS JOIN LATERAL ("
           "SELECT *, xmin AS row_version FROM delivery_state WHERE sms_id = k.id " +
           suffix + ") AS d";
}

// Reads without locking (write_batch checks the versions under lock).
// OFFSET 0 is the planner's customary fence against flattening.
const std::string read_rows_sql = rows_by_id_sql("OFFSET 0");

// Reads and locks, the ids sorted: the same order in every transaction.
const std::string lock_rows_sql = rows_by_id_sql("FOR UPDATE");

const std::string find_row_sql =
    "SELECT" + state_columns_sql() + "FROM delivery_state WHERE sms_id = $1";

// Writes a merged batch in one statement, or nothing at all. Returns true
// when it wrote; false when a row changed after the batch read it (the
// caller reads and merges again). An id the batch found no row for and that
// exists by now fails the statement with a unique violation (likewise).
//
// Phases, each in key order, so that no two batches wait for each other in
// a cycle: lock the existing rows the batch changed and check their versions
// (`held`); insert the new rows (`created`); only then update the existing
// rows (`changed`, which joins `inserted` to run after every insert) and
// append every observation to the event log (`logged`).
//
// Each new row is written once, final: inserting it and then updating it
// would write it twice, and that update could not be HOT (is_final is the
// predicate of delivery_state_due). A row that is final is not polled.
//
// Existing rows are written back with INSERT ... ON CONFLICT DO UPDATE: they
// are locked, so each one conflicts and is updated, found through the
// primary key. An UPDATE ... FROM would be a join, and the plan a connection
// caches for it while the table is small is a hash join over all of it.
//
// The column lists come from columns.hpp: {row_names} and the rest are
// filled in by write_batch_lists(), once, at start-up.
constexpr const char* write_batch_template = R"sql(
WITH batch AS MATERIALIZED (
    SELECT {row_unnests},
           {version_unnest},
           {ordinality}
),
held AS MATERIALIZED (
    SELECT d.xmin::text::bigint = u.version AS unchanged
    FROM batch AS u
    CROSS JOIN LATERAL (
        SELECT xmin FROM delivery_state WHERE sms_id = u.sms_id FOR UPDATE
    ) AS d
    WHERE u.version IS NOT NULL
),
verdict AS (
    SELECT count(*) = (SELECT count(*) FROM batch WHERE version IS NOT NULL)
           AND bool_and(unchanged) IS NOT FALSE AS go
    FROM held
),
created AS (
    INSERT INTO delivery_state ({row_names}, next_poll_at)
    SELECT {row_names},
           CASE WHEN is_final THEN NULL ELSE delivery_first_poll_at() END
    FROM batch, verdict
    WHERE verdict.go AND batch.version IS NULL
    ORDER BY n
    RETURNING 1
),
inserted AS (
    SELECT count(*) FROM created
),
changed AS (
    INSERT INTO delivery_state AS d ({row_names}, next_poll_at)
    SELECT {row_names}, now()
    FROM batch, verdict, inserted
    WHERE verdict.go AND batch.version IS NOT NULL
    ORDER BY n
    ON CONFLICT (sms_id) DO UPDATE SET
        {updated},
        updated_at = now(),
        -- A row a report made unresolved again (a final SMS row that a ZNS
        -- report turned into a ZNS waiting for its receipt) had no next poll:
        -- it is due now (excluded.next_poll_at).
        next_poll_at = CASE WHEN excluded.is_final THEN NULL
                            ELSE coalesce(d.next_poll_at, excluded.next_poll_at) END
),
logged AS (
    INSERT INTO delivery_event ({event_names})
    SELECT {event_names}
    FROM (SELECT {event_unnests}) AS e,
         verdict
    WHERE verdict.go
)
SELECT go FROM verdict
)sql";

// The lists of write_batch_template: the rows' parameters first
// (write_rows_params()), then the version each existing row was read at,
// then the events' (append_events_params()).
std::map<std::string_view, List> write_batch_lists() {
    const auto rows = written_state_columns();
    const int version = static_cast<int>(rows.size()) + 1;
    Columns updated;
    for (const auto& column : rows) {
        if (column.role == Role::written) {
            updated.push_back(column);
        }
    }
    return {
        {"row_unnests", unnested(rows, 1)},
        {"version_unnest", {"unnest(" + array_param(version, PgType::int8) + ") AS version"}},
        // The rows' places in the batch (the key column's array has them all).
        {"ordinality",
         {"generate_series(1, cardinality(" + array_param(1, PgType::text) + ")) AS n"}},
        {"row_names", names(rows)},
        {"updated", each_of(updated,
                            [](const columns::Sql& c) {
                                return std::string(c.name) + " = excluded." + std::string(c.name);
                            })},
        {"event_names", names(columns::event)},
        {"event_unnests", unnested(columns::event, version + 1)},
    };
}

const std::string write_batch_sql = expand(write_batch_template, write_batch_lists());

// The insert that create_rows and insert_rows start with: rows the caller
// merged from their reports alone, in key order (the order of the arrays,
// which the unnesting keeps and nothing between it and the insert can
// change), as write_batch inserts its new rows.
constexpr const char* insert_fresh_rows = R"sql(
    INSERT INTO delivery_state ({row_names}, next_poll_at)
    SELECT {row_names},
           CASE WHEN is_final THEN NULL ELSE delivery_first_poll_at() END
    FROM (SELECT {row_unnests}) AS u)sql";

// The events' part of both: every report of the batch.
constexpr const char* append_events = R"sql(
    INSERT INTO delivery_event ({event_names})
    SELECT {event_names}
    FROM (SELECT {event_unnests}) AS e)sql";

// Inserts the rows, expecting them to be new, and skips every id that
// exists (or is being inserted by another transaction, once that commits);
// appends the reports of the rows it inserted to the event log, and returns
// their ids. The reports of the ids it skipped are for the caller to merge
// into the rows found (read_rows, write_batch), with their events: each
// report's row and event commit together, in one statement or the other.
//
// For a batch of new ids this is the whole write in one statement, without
// a read before it; for a batch of existing ids it costs what a read would.
const std::string create_rows_template = std::string("WITH created AS (") + insert_fresh_rows +
                                         R"sql(
    ON CONFLICT (sms_id) DO NOTHING
    RETURNING sms_id
),
logged AS ()sql" + append_events + R"sql(
    WHERE e.sms_id IN (SELECT sms_id FROM created)
)
SELECT sms_id FROM created
)sql";

// Inserts the rows and appends every report, or, if any id exists, fails
// whole with a unique violation and writes nothing. When every id is new,
// this is create_rows without what ON CONFLICT costs the server per row: a
// second descent of the primary key, a speculative insertion lock and its
// confirmation record, and the join of the events to the ids inserted.
const std::string insert_rows_template =
    std::string("WITH created AS (") + insert_fresh_rows + "\n)" + append_events + "\n";

// The lists of both templates: the rows' parameters (write_rows_params()),
// then the events' (append_events_params()).
std::map<std::string_view, List> fresh_rows_lists() {
    const auto rows = written_state_columns();
    return {
        {"row_unnests", unnested(rows, 1)},
        {"row_names", names(rows)},
        {"event_names", names(columns::event)},
        {"event_unnests", unnested(columns::event, static_cast<int>(rows.size()) + 1)},
    };
}

const std::string create_rows_sql = expand(create_rows_template, fresh_rows_lists());
const std::string insert_rows_sql = expand(insert_rows_template, fresh_rows_lists());

}  // namespace

const char* state_columns() {
    return state_columns_sql().c_str();
}

const char* event_columns() {
    static const std::string sql = select_list(columns::event);
    return sql.c_str();
}

const std::string& text_of(std::string_view name) {
    static const std::map<std::string_view, const std::string*> texts{
        {read_rows, &read_rows_sql},     {lock_rows, &lock_rows_sql},
        {find_row, &find_row_sql},       {write_batch, &write_batch_sql},
        {create_rows, &create_rows_sql}, {insert_rows, &insert_rows_sql},
    };
    return *texts.at(name);
}

void prepare_all(pqxx::connection_base& connection) {
    connection.prepare(read_rows, read_rows_sql);
    connection.prepare(lock_rows, lock_rows_sql);
    connection.prepare(find_row, find_row_sql);
    connection.prepare(write_batch, write_batch_sql);
    connection.prepare(create_rows, create_rows_sql);
    connection.prepare(insert_rows, insert_rows_sql);
}

}  // namespace deliveryd::store::statements
