#include "deliveryd/app/cli.hpp"

#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deliveryd/app/config.hpp"
#include "deliveryd/app/daemon.hpp"
#include "deliveryd/app/logging.hpp"
#include "deliveryd/store/errors.hpp"
#include "deliveryd/store/migrations.hpp"

#include "app/cli_args.hpp"
#include "app/operator_commands.hpp"

namespace deliveryd::app {
namespace {

struct Command {
    std::string_view name;
    std::string_view summary;
    std::string_view help;
    std::span<const OptionSpec> options;  // besides --config and --help
};

constexpr OptionSpec no_options[] = {{"--config"}};
constexpr OptionSpec requeue_options[] = {
    {"--config"},     {"--state", true, true}, {"--since"}, {"--account"}, {"--sms-id", true, true},
    {"--all", false}, {"--dry-run", false},
};
constexpr OptionSpec import_options[] = {{"--config"}, {"--csv"}};
constexpr OptionSpec rebuild_options[] = {{"--config"}, {"--sms-id"}, {"--apply", false}};
constexpr OptionSpec retention_options[] = {{"--config"}, {"--older-than"}, {"--dry-run", false}};
constexpr OptionSpec erase_options[] = {
    {"--config"}, {"--phone"}, {"--zalo-user-id"}, {"--dry-run", false}};

constexpr Command commands[] = {
    {"run", "run the daemon: callback receiver, status polling, health and metrics",
     "Usage: deliveryd run --config FILE\n\n"
     "Serves the provider callback, /healthz, /readyz and /metrics on http.listen and polls\n"
     "the providers for unresolved messages. Stops cleanly on SIGTERM or SIGINT: stops\n"
     "accepting, finishes what is in flight, exits 0.\n",
     no_options},
    {"migrate", "apply pending database migrations (safe to repeat and to run concurrently)",
     "Usage: deliveryd migrate --config FILE\n\n"
     "Applies the migrations compiled into this binary that the database lacks, each in\n"
     "its own transaction, under an advisory lock. Does nothing when the schema is current.\n",
     no_options},
    {"check-config", "validate a configuration file and print it with secrets redacted",
     "Usage: deliveryd check-config --config FILE\n\n"
     "Exits 0 and prints the effective configuration (defaults filled in, ${VAR}s\n"
     "expanded, secrets redacted), or exits 2 naming every bad key.\n",
     no_options},
    {"status", "messages by state, unresolved backlog by age, who polls what, limiter use",
     "Usage: deliveryd status --config FILE\n\n"
     "Prints the messages by state, the unresolved backlog by age (and how much of it is\n"
     "due), which replica holds each polling scope's lock, and each rate limiter's use as\n"
     "its polling replica last reported it (every 10 s). Up to 2 million rows every row is\n"
     "counted; above that the counts by state are estimates from the table's statistics\n"
     "(labelled so, with when ANALYZE last ran), and the unresolved rows are counted\n"
     "exactly through their index (measured: 1.6 s at 10 million rows, half a\n"
     "million of them unresolved, under a callback load).\n",
     no_options},
    {"requeue", "make chosen messages due for polling again (e.g. --state expired --since 2d)",
     "Usage: deliveryd requeue --config FILE [--state S[,S...]] [--since DURATION]\n"
     "                         [--account NAME] [--sms-id ID]... [--all] [--dry-run]\n\n"
     "Makes the chosen rows due now, with their polling window and backoff starting over\n"
     "(requeued_at). Without --state only unresolved and expired rows are chosen; a row\n"
     "with a final answer is requeued only when its state is named. A chosen final row\n"
     "becomes unresolved until the next report or the end of its new window makes it\n"
     "final again; an expired one goes back to submitted.\n"
     "  --state S     rows in these states (repeat, or separate with commas)\n"
     "  --since D     rows deliveryd changed within D (e.g. 2d: expired in the last 2 days)\n"
     "  --account A   rows of this account\n"
     "  --sms-id ID   these rows (repeat)\n"
     "  --all         every row matches (needed when no other selector is given)\n"
     "  --dry-run     count the rows, change nothing\n"
     "Selectors combine with AND. Works in chunks of 5,000 rows, each its own transaction.\n",
     requeue_options},
    {"import", "register sent messages from a CSV file (idempotent)",
     "Usage: deliveryd import --config FILE --csv FILE\n\n"
     "Registers each row of the CSV file as a sender's INSERT ... ON CONFLICT DO NOTHING\n"
     "would: messages already registered are left as they are, so importing twice inserts\n"
     "once. The first row names the columns: sms_id (required), provider, account,\n"
     "type_id, oa_id, phone, request_id, template_id, submitted_at (RFC 3339). An empty\n"
     "field takes the column's default. The whole file is checked first: a bad row (named\n"
     "by line and column) imports nothing. Rows go in in sms_id order, 5,000 per\n"
     "transaction; if an import stops part way, running it again completes it.\n",
     import_options},
    {"rebuild",
     "recompute rows from delivery_event; report (or with --apply, fix) rows that differ",
     "Usage: deliveryd rebuild --config FILE [--sms-id ID] [--apply]\n\n"
     "Recomputes every row (or one) from its reports in delivery_event with the same\n"
     "merge the daemon uses, and lists the rows whose stored status differs, with the\n"
     "columns. Without --apply it changes nothing. With --apply it also writes each\n"
     "differing row back as its reports merge to, through the daemon's own write path\n"
     "(the row locked and its reports read again first, so a callback arriving at the\n"
     "same time is never lost), 1,000 rows per transaction, safe while deliveryd runs.\n"
     "Archived rows are checked too; one rewritten moves back to delivery_state first\n"
     "(and returns to the archive on the daemon's next pass).\n"
     "Rows submitted before the oldest month of events kept are skipped (retention\n"
     "dropped part of their history), and so are requeued rows until their next\n"
     "answer. Exits 0 once the check ran (the last line says how many rows differ and,\n"
     "with --apply, how many were rewritten), 1 if it could not run.\n",
     rebuild_options},
    {"retention", "drop old months of delivery_event and of the archive",
     "Usage: deliveryd retention --config FILE [--older-than DURATION] [--dry-run]\n\n"
     "With --older-than, drops every monthly partition of delivery_event whose month ended\n"
     "more than DURATION ago (e.g. 90d), whole, and deletes such old rows from\n"
     "delivery_event_default. With archive.drop_after set in the configuration, also drops\n"
     "every monthly partition of delivery_state_archive whose month (of the rows' final_at)\n"
     "ended more than that long ago. delivery_state itself is untouched (the daemon moves\n"
     "its old final rows to the archive). A DROP needs a moment's exclusive lock on the\n"
     "parent table: it waits for it 200 ms at a time, so that callbacks never queue\n"
     "behind it, for up to a minute (a long query such as pg_dump can make it fail: run\n"
     "it again later). Run it daily (a Kubernetes CronJob or a systemd timer).\n",
     retention_options},
    {"erase", "remove a person's phone number or Zalo user id from the state and the reports",
     "Usage: deliveryd erase --config FILE (--phone NUMBER | --zalo-user-id ID) [--dry-run]\n\n"
     "Removes a person's phone number (in every form: 84..., 0..., +84...) or Zalo user id\n"
     "from delivery_state, delivery_state_archive and delivery_event, as a person may ask\n"
     "under Vietnam's personal data decree (13/2023): the column is set to NULL and every\n"
     "occurrence in the reports' raw payloads is replaced by [erased], in one transaction;\n"
     "the messages and their statuses stay. Logs that it ran and how many rows it changed (never "
     "the number).\n"
     "A report that arrives later carrying the number stores it again: run it after the\n"
     "messages' polling window has ended too. Reads all of delivery_event once.\n"
     "  --dry-run     count the rows, change nothing\n",
     erase_options},
};

void print_usage(std::FILE* out) {
    std::fputs(
        "deliveryd: keeps the delivery status of SMS and Zalo ZNS messages true.\n\n"
        "Usage: deliveryd COMMAND --config FILE\n       deliveryd COMMAND --help\n"
        "       deliveryd --version\n\nCommands:\n",
        out);
    for (const auto& c : commands) {
        std::fputs(fmt::format("  {:<14}{}\n", c.name, c.summary).c_str(), out);
    }
    std::fputs("\nExit codes: 0 ok, 1 runtime failure, 2 bad usage or bad configuration.\n", out);
}

int usage_error(const std::string& message) {
    std::fputs(fmt::format("deliveryd: {}\nTry 'deliveryd --help'.\n", message).c_str(), stderr);
    return exit_usage;
}

const Command* find_command(std::string_view name) {
    for (const auto& c : commands) {
        if (c.name == name) {
            return &c;
        }
    }
    return nullptr;
}

int run_migrate(const Config& config) {
    try {
        const auto result = store::migrate(config.database.url);
        if (result.applied.empty()) {
            spdlog::info("migrate: schema is current (version {})", result.version);
        } else {
            spdlog::info("migrate: applied {} migration(s); schema version {}",
                         result.applied.size(), result.version);
        }
        return exit_ok;
    } catch (const std::exception& e) {
        spdlog::error("migrate failed: {}", e.what());
        return exit_failure;
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.empty()) {
        print_usage(stderr);
        return exit_usage;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_usage(stdout);
        return exit_ok;
    }
    if (args[0] == "--version") {
        std::puts("deliveryd " DELIVERYD_VERSION);
        return exit_ok;
    }
    const Command* command = find_command(args[0]);
    if (command == nullptr) {
        return usage_error(fmt::format("unknown command '{}'", args[0]));
    }

    ParsedArgs parsed;
    try {
        parsed = parse_args(std::span(args).subspan(1), command->options);
    } catch (const UsageError& e) {
        return usage_error(fmt::format("{}: {}", command->name, e.what()));
    }
    if (parsed.help) {
        std::fputs(std::string(command->help).c_str(), stdout);
        return exit_ok;
    }
    const auto config_path = parsed.value("--config");
    if (!config_path) {
        return usage_error(fmt::format("{}: --config FILE is required", command->name));
    }

    Config config;
    try {
        config = load_config_file(*config_path);
    } catch (const ConfigError& e) {
        std::fputs(fmt::format("deliveryd: {}: {}\n", *config_path, e.what()).c_str(), stderr);
        return exit_usage;
    }

    if (command->name == "check-config") {
        std::fputs(to_redacted_yaml(config).c_str(), stdout);
        return exit_ok;
    }
    setup_logging(config.log);
    if (command->name == "migrate") {
        return run_migrate(config);
    }
    if (command->name == "run") {
        return run_daemon(config, [path = *config_path] { return load_config_file(path); });
    }
    using Runner = int (*)(const Config&, const ParsedArgs&);
    constexpr std::pair<std::string_view, Runner> operator_commands[] = {
        {"status", &run_status},   {"requeue", &run_requeue},     {"import", &run_import},
        {"rebuild", &run_rebuild}, {"retention", &run_retention}, {"erase", &run_erase},
    };
    for (const auto& [name, runner] : operator_commands) {
        if (command->name == name) {
            return runner(config, parsed);
        }
    }
    return exit_usage;  // every command is handled above
}

}  // namespace deliveryd::app
