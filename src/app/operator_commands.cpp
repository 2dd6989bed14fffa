#include "app/operator_commands.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deliveryd/app/cli.hpp"
#include "deliveryd/app/registration_csv.hpp"
#include "deliveryd/core/csv.hpp"
#include "deliveryd/core/phone.hpp"
#include "deliveryd/core/status.hpp"
#include "deliveryd/reconcile/configured.hpp"
#include "deliveryd/store/archive.hpp"
#include "deliveryd/store/operator_queries.hpp"
#include "deliveryd/store/unpolled_rows.hpp"

namespace deliveryd::app {
namespace {

store::ConnectionPool connect(const Config& config) {
    return store::ConnectionPool({.url = config.database.url,
                                  .size = 1,
                                  .connect_timeout = config.database.connect_timeout,
                                  .acquire_timeout = config.database.connect_timeout,
                                  // rebuild --apply changes states like the daemon does
                                  .change_feed = config.feed.notify});
}

void print(const std::string& text) {
    std::fputs(text.c_str(), stdout);
}

int usage(std::string_view command, const std::string& problem) {
    std::fputs(
        fmt::format("deliveryd {}: {}\nTry 'deliveryd {} --help'.\n", command, problem, command)
            .c_str(),
        stderr);
    return exit_usage;
}

// Runs `work`; a database or other runtime failure is reported as the
// command's and exits 1. The messages name no secret: the database URL is
// never part of them.
template <class Work>
int guarded(std::string_view command, Work&& work) {
    try {
        return work();
    } catch (const std::exception& e) {
        std::fputs(fmt::format("deliveryd {}: {}\n", command, e.what()).c_str(), stderr);
        return exit_failure;
    }
}

// A line on the terminal that a long command rewrites as it goes ("import:
// 25000 of 1000000 rows"), ended when the command ends; nothing when stderr
// is not a terminal (a log file, a pipe).
class TerminalProgress {
  public:
    explicit TerminalProgress(std::string command)
        : command_(std::move(command)), terminal_(::isatty(STDERR_FILENO) != 0) {}
    ~TerminalProgress() {
        if (shown_) {
            std::fputs("\n", stderr);
        }
    }
    TerminalProgress(const TerminalProgress&) = delete;
    TerminalProgress& operator=(const TerminalProgress&) = delete;

    void show(const std::string& text) {
        if (terminal_) {
            std::fputs(fmt::format("\r{}: {}", command_, text).c_str(), stderr);
            shown_ = true;
        }
    }

    // For the store's long commands: "N rows <done>".
    [[nodiscard]] store::Progress rows(std::string done) {
        return [this, done = std::move(done)](std::int64_t rows) {
            show(fmt::format("{} rows {}", rows, done));
        };
    }

  private:
    std::string command_;
    bool terminal_;
    bool shown_ = false;
};

std::vector<std::string> scope_names(const Config& config) {
    std::vector<std::string> names;
    for (const auto& scope : reconcile::configured_scopes(polling_settings(config))) {
        names.push_back(scope.name());
    }
    return names;
}

std::string status_text(const store::StatusReport& report,
                        const std::vector<store::UnpolledRows>& unpolled) {
    std::string out = report.states_estimated_from
                          ? fmt::format(
                                "Messages by state (ESTIMATED from the table's statistics of {}; "
                                "unresolved counted exactly)\n",
                                *report.states_estimated_from)
                          : std::string("Messages by state\n");
    std::int64_t total = 0;
    out += fmt::format("  {:<18}{:>12}{:>12}\n", "state", "messages", "final");
    for (const auto& s : report.states) {
        out += fmt::format("  {:<18}{:>12}{:>12}\n", s.state, s.messages, s.final_messages);
        total += s.messages;
    }
    out += fmt::format("  {:<18}{:>12}\n", report.states_estimated_from ? "total (about)" : "total",
                       total);

    out += "\nUnresolved messages by age (since submitted)\n";
    out += fmt::format("  {:<18}{:>12}{:>12}\n", "age", "unresolved", "due now");
    for (const auto& b : report.unresolved_by_age) {
        out += fmt::format("  {:<18}{:>12}{:>12}\n", b.label, b.unresolved, b.due);
    }
    out += fmt::format("  oldest unresolved: {}\n",
                       report.oldest_unresolved_age.value_or("none (every message is final)"));

    out += "\nPolling scopes (who holds each scope's lock)\n";
    if (report.scopes.empty()) {
        out += "  none configured\n";
    }
    for (const auto& s : report.scopes) {
        out += s.holder ? fmt::format("  {:<24}{}, connected since {}\n", s.scope, *s.holder,
                                      *s.held_since)
                        : fmt::format("  {:<24}NOT POLLED: no replica holds it\n", s.scope);
    }

    if (!unpolled.empty()) {
        out +=
            "\nUnresolved messages of scopes this configuration does not poll\n"
            "(never polled, never expired: add the credentials)\n";
        for (const auto& u : unpolled) {
            out += fmt::format("  {:<24}{:>12}{}\n", u.scope, u.rows,
                               u.rows >= store::unpolled_count_cap ? " or more" : "");
        }
    }

    out += "\nRate limiters (as last reported by the polling replica)\n";
    if (report.activity.empty()) {
        out += "  no replica has reported yet\n";
    } else {
        out += fmt::format("  {:<16}{:<22}{:<28}{:>9}{:>8}{:>8}{:>10}{:>9}\n", "account",
                           "endpoint", "replica", "limit/s", "used", "queued", "due", "age");
    }
    for (const auto& a : report.activity) {
        out += fmt::format("  {:<16}{:<22}{:<28}{:>9.1f}{:>7.0f}%{:>8}{:>10}{:>8.0f}s{}\n",
                           a.account, a.endpoint, a.replica, a.rate_limit, a.utilisation * 100,
                           a.queued_calls, a.due_rows ? std::to_string(*a.due_rows) : "-",
                           a.age_seconds, a.age_seconds > 60 ? "  (stale)" : "");
    }
    return out;
}

std::string archive_text(const store::ArchiveSummary& archive, const ArchiveConfig& config) {
    std::int64_t rows = 0;
    for (const auto& p : archive.partitions) {
        rows += p.rows_estimate;
    }
    auto out = fmt::format(
        "\nArchive (rows final for {} move to delivery_state_archive; retention drops {})\n",
        format_duration(config.after),
        config.drop_after.count() == 0
            ? std::string("nothing: archive.drop_after is 0")
            : "months that ended " + format_duration(config.drop_after) + " ago");
    if (archive.partitions.empty()) {
        out += "  empty\n";
    } else {
        out += fmt::format("  {} monthly partitions, {} to {}, about {} rows\n",
                           archive.partitions.size(), archive.partitions.front().month,
                           archive.partitions.back().month, rows);
    }
    out += fmt::format("  {} rows moved there in all (last at {}); {} put back for a late report\n",
                       archive.rows_archived, archive.last_archived_at.value_or("never"),
                       archive.rows_restored);
    return out;
}

}  // namespace

int run_status(const Config& config, const ParsedArgs&) {
    return guarded("status", [&] {
        auto pool = connect(config);
        const auto report = store::read_status(pool, scope_names(config));
        const auto unpolled =
            store::find_unpolled_rows(pool, reconcile::configured_scopes(polling_settings(config)));
        print(status_text(report, unpolled) +
              archive_text(store::read_archive_summary(pool), config.archive));
        return exit_ok;
    });
}

int run_requeue(const Config& config, const ParsedArgs& args) {
    store::RequeueSelection selection;
    for (const auto& list : args.values("--state")) {
        std::istringstream items(list);
        for (std::string state; std::getline(items, state, ',');) {
            if (!core::parse_state_label(state)) {
                std::string known;
                for (auto label = 0; label <= static_cast<int>(core::StateLabel::expired);
                     ++label) {
                    known += (label == 0 ? "" : ", ");
                    known += core::to_string(static_cast<core::StateLabel>(label));
                }
                return usage("requeue", fmt::format("--state: unknown state '{}' (the states: {})",
                                                    state, known));
            }
            selection.states.push_back(state);
        }
    }
    if (const auto since = args.value("--since")) {
        selection.since = parse_duration(*since);
        if (!selection.since || selection.since->count() == 0) {
            return usage("requeue", fmt::format("--since: '{}' is not a duration such as 2d or "
                                                "6h",
                                                *since));
        }
    }
    selection.account = args.value("--account");
    selection.sms_ids = args.values("--sms-id");
    const bool chosen = !selection.states.empty() || selection.since || selection.account ||
                        !selection.sms_ids.empty();
    if (!chosen && !args.has("--all")) {
        return usage("requeue",
                     "say which rows: --state, --since, --account or --sms-id (or --all for "
                     "every row)");
    }
    const bool dry_run = args.has("--dry-run");
    return guarded("requeue", [&] {
        auto pool = connect(config);
        std::int64_t rows = 0;
        {
            TerminalProgress progress("requeue");
            rows = store::requeue(pool, selection, dry_run, progress.rows("made due so far"));
        }
        print(
            dry_run
                ? fmt::format("{} rows would be made due again (dry run: nothing changed)\n", rows)
                : fmt::format("{} rows made due again; their polling window starts now\n", rows));
        return exit_ok;
    });
}

// Messages registered per call of import_messages while a file streams in.
constexpr std::size_t import_chunk = 5'000;

// Runs `read` on the registration file at `path`, opened afresh; throws
// RegistrationError when it cannot be opened or read.
void read_registration_file(const std::string& path,
                            const std::function<void(std::istream&)>& read) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw RegistrationError(fmt::format("cannot read it: {}", std::strerror(errno)));
    }
    read(file);
    if (file.bad()) {
        throw RegistrationError("reading it failed");
    }
}

int run_import(const Config& config, const ParsedArgs& args) {
    const auto path = args.value("--csv");
    if (!path) {
        return usage("import", "--csv FILE is required");
    }
    if (std::ifstream file(*path, std::ios::binary); !file) {
        const int error = errno;  // what the failed open left: no such file, permission, ...
        return usage("import", fmt::format("cannot read '{}': {}", *path, std::strerror(error)));
    }
    // Twice through the file, a block at a time, so that memory stays the
    // same however long it is: first every row is checked (nothing is
    // imported while any is bad), then the rows are registered a chunk at a
    // time.
    std::size_t rows = 0;
    try {
        read_registration_file(*path, [&](std::istream& in) { rows = check_registrations(in); });
    } catch (const RegistrationError& e) {
        std::fputs(
            fmt::format("deliveryd import: {}:\n{}\n(nothing imported)\n", *path, e.what()).c_str(),
            stderr);
        return exit_usage;
    }
    return guarded("import", [&] {
        auto pool = connect(config);
        store::ImportResult total;
        {
            TerminalProgress progress("import");
            std::vector<store::RegisteredMessage> chunk;
            chunk.reserve(import_chunk);
            const auto flush = [&] {
                const auto result = store::import_messages(pool, chunk);
                total.inserted += result.inserted;
                total.already_present += result.already_present;
                chunk.clear();
                progress.show(
                    fmt::format("{} of {} rows", total.inserted + total.already_present, rows));
            };
            read_registration_file(*path, [&](std::istream& in) {
                for_each_registration_row(
                    in, [&](const RegistrationReader& reader, const core::CsvRecord& record) {
                        chunk.push_back(reader.read_row(record));
                        if (chunk.size() == import_chunk) {
                            flush();
                        }
                    });
            });
            flush();
        }
        print(fmt::format("{} rows read: {} inserted, {} already registered\n", rows,
                          total.inserted, total.already_present));
        return exit_ok;
    });
}

int run_rebuild(const Config& config, const ParsedArgs& args) {
    const auto sms_id = args.value("--sms-id");
    const bool apply = args.has("--apply");
    return guarded("rebuild", [&] {
        auto pool = connect(config);
        store::RebuildReport report;
        {
            TerminalProgress progress("rebuild");
            report = store::rebuild_rows(
                pool, sms_id, apply ? store::RebuildMode::apply : store::RebuildMode::report, 100,
                progress.rows("recomputed so far"));
        }
        std::string out;
        for (const auto& d : report.differences) {
            out += fmt::format("differs: {} ({})\n", d.sms_id, fmt::join(d.columns, ", "));
        }
        if (report.rows_differing > static_cast<std::int64_t>(report.differences.size())) {
            out += fmt::format(
                "... and {} more\n",
                report.rows_differing - static_cast<std::int64_t>(report.differences.size()));
        }
        out += fmt::format("{} rows recomputed from delivery_event: {} differ", report.rows_checked,
                           report.rows_differing);
        if (apply) {
            out += fmt::format(", {} rewritten", report.rows_rewritten);
            if (report.rows_rewritten < report.rows_differing) {
                out += fmt::format(" ({} agreed with their reports by the time they were locked)",
                                   report.rows_differing - report.rows_rewritten);
            }
        } else if (report.rows_differing > 0) {
            out += " (--apply rewrites them)";
        }
        if (report.rows_skipped > 0) {
            out += fmt::format(
                "; {} rows skipped (submitted before the oldest month of events "
                "kept)",
                report.rows_skipped);
        }
        if (report.rows_requeued > 0) {
            out += fmt::format("; {} requeued rows skipped until their next answer",
                               report.rows_requeued);
        }
        print(out + "\n");
        if (sms_id && report.rows_checked == 0) {
            std::fputs(fmt::format("deliveryd rebuild: no row for '{}' (or its events were "
                                   "dropped)\n",
                                   *sms_id)
                           .c_str(),
                       stderr);
            return exit_failure;
        }
        // The check ran: exit 0 whatever it found (1 is for failures to run
        // it); the last line says how many rows differ.
        return exit_ok;
    });
}

int run_retention(const Config& config, const ParsedArgs& args) {
    const auto text = args.value("--older-than");
    const bool archive = config.archive.drop_after.count() != 0;
    if (!text && !archive) {
        return usage("retention",
                     "--older-than DURATION is required (e.g. 90d) unless archive.drop_after "
                     "is set in the configuration");
    }
    std::optional<Duration> older_than;
    if (text) {
        older_than = parse_duration(*text);
        // Shorter than a day is surely a slip (30s for 30d): refuse it.
        if (!older_than || *older_than < std::chrono::hours(24)) {
            return usage("retention",
                         fmt::format("--older-than: '{}' is not a duration of at least 1d", *text));
        }
    }
    const bool dry_run = args.has("--dry-run");
    const auto* const verb = dry_run ? "would drop" : "dropped";
    return guarded("retention", [&] {
        auto pool = connect(config);
        std::string out;
        if (older_than) {
            const auto result = store::drop_old_events(pool, *older_than, dry_run);
            for (const auto& p : result.dropped) {
                out += fmt::format("{} {} (events received in {})\n", verb, p.name, p.month);
            }
            out += fmt::format(
                "{} monthly partitions of delivery_event {}; {} older rows {} from "
                "delivery_event_default\n",
                result.dropped.size(), dry_run ? "would be dropped" : "dropped",
                result.default_rows_deleted, dry_run ? "would be deleted" : "deleted");
        }
        if (archive) {
            const auto dropped = store::drop_old_archive(pool, config.archive.drop_after, dry_run);
            for (const auto& p : dropped) {
                out += fmt::format("{} {} (messages final in {})\n", verb, p.name, p.month);
            }
            out += fmt::format(
                "{} monthly partitions of delivery_state_archive {} "
                "(archive.drop_after {})\n",
                dropped.size(), dry_run ? "would be dropped" : "dropped",
                format_duration(config.archive.drop_after));
            spdlog::info("retention: {} archive partitions {}", dropped.size(),
                         dry_run ? "would be dropped" : "dropped");
        }
        print(out);
        return exit_ok;
    });
}

int run_erase(const Config& config, const ParsedArgs& args) {
    const auto phone = args.value("--phone");
    const auto zalo_user_id = args.value("--zalo-user-id");
    if (phone.has_value() == zalo_user_id.has_value()) {
        return usage("erase", "give either --phone NUMBER or --zalo-user-id ID");
    }
    const auto& given = phone ? *phone : *zalo_user_id;
    if (given.empty() || given.find_first_of(" \t\r\n") != std::string::npos) {
        return usage("erase", phone ? "--phone: not a phone number" : "--zalo-user-id: not an id");
    }
    store::ErasedPerson person;
    if (phone) {
        person.key = store::ErasedPerson::Key::phone;
        person.forms = core::phone_forms(*phone);
        if (const auto subscriber = core::phone_subscriber(*phone)) {
            // A callback's query string carries a '+' percent-encoded.
            person.payload_forms = {"%2B84" + *subscriber, "%2b84" + *subscriber};
        }
    } else {
        person.key = store::ErasedPerson::Key::zalo_user_id;
        person.forms = {*zalo_user_id};
    }
    const bool dry_run = args.has("--dry-run");
    const auto* what = phone ? "phone number" : "Zalo user id";
    return guarded("erase", [&] {
        auto pool = connect(config);
        const auto result = store::erase_person(pool, person, dry_run);
        if (dry_run) {
            print(fmt::format("would erase the {} from {} messages and {} reports\n", what,
                              result.messages, result.reports));
            return exit_ok;
        }
        // The record that an erasure ran, for whoever must show it did; the
        // number itself is what must not be kept anywhere.
        spdlog::warn("erase: a {} was removed from {} messages and {} reports on request", what,
                     result.messages, result.reports);
        print(fmt::format("erased the {} from {} messages and {} reports\n", what, result.messages,
                          result.reports));
        return exit_ok;
    });
}

}  // namespace deliveryd::app
