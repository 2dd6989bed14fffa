// The configuration's keys, one table per section, and the checks that do
// not follow from a key's kind. config/example.yaml holds the same keys with
// their defaults and longer notes; a unit test keeps the two in step.
#include "app/config_keys.hpp"

#include <charconv>
#include <set>

#include "deliveryd/http/address_filter.hpp"
#include "deliveryd/store/conninfo.hpp"

namespace deliveryd::app::config_detail {
namespace {

// "section.key" for a member, looked up in the tables, so that a message
// naming another key does not spell it a second time.
template <class S, class T>
std::string key_path(T S::*member) {
    std::string section;
    for (const auto& s : sections()) {
        std::visit(
            [&](auto m) {
                using Held = typename unwrap_optional<
                    std::remove_cvref_t<decltype(std::declval<Config&>().*m)>>::type;
                if constexpr (std::is_same_v<Held, S>) {
                    section = s.name;
                }
            },
            s.member);
    }
    for (const auto& key : keys_of<S>()) {
        if (const auto* m = std::get_if<T S::*>(&key.member); m != nullptr && *m == member) {
            return Reader::join(section, key.name);
        }
    }
    return section;
}

bool valid_listen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return false;
    }
    int port = -1;
    const auto* begin = listen.data() + colon + 1;
    const auto* end = listen.data() + listen.size();
    const auto [rest, ec] = std::from_chars(begin, end, port);
    return ec == std::errc{} && rest == end && port >= 0 && port <= 65535;
}

template <class S, std::string S::*member>
void http_base(Reader& r, const YAML::Node&, const std::string& here, S& s) {
    const auto& url = s.*member;
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
        r.problem(here, "must start with http:// or https://");
    }
}

// A provider key present but empty is a ${VARIABLE} that was not set (or
// set to nothing), never a real key: refused here rather than sent to the
// provider, whose refusal would then read as revoked credentials.
template <class S, std::string S::*member, const char* turn_off>
void provider_key(Reader& r, const YAML::Node& node, const std::string& here, S& s) {
    const auto key = here.substr(here.rfind('.') + 1);  // the key's own name ends its path
    if ((s.*member).empty() && node[key].IsDefined()) {
        r.problem(here, std::string("is empty (is its environment variable set?); ") + turn_off);
    }
}

constexpr char remove_account[] = "remove the account to stop polling it";
constexpr char leave_etelecom_out[] = "leave the etelecom section out to turn eTelecom off";

void database_url(Reader& r, const YAML::Node&, const std::string& here, DatabaseConfig& db) {
    if (db.url.empty()) {
        return;
    }
    // Parsed by libpq itself, as the connection will be: whatever it
    // accepts here it accepts when connecting. Its own message can quote
    // part of the text, a password included, so it is not passed on.
    const auto params = store::parse_conninfo(db.url);
    if (!params) {
        r.problem(here,
                  "libpq cannot parse it: use postgresql://user@host:port/dbname?param=value "
                  "or key=value pairs (host=... dbname=...), quotes closed and %-escapes "
                  "complete");
    } else if (const auto tls =
                   store::tls_verification(*params, store::TlsEnvironment::of_process());
               !tls.problem.empty()) {
        r.problem(here, tls.problem);
    }
}

void commits_in_flight(Reader& r, const YAML::Node&, const std::string& here, DatabaseConfig& db) {
    if (db.commits_in_flight > db.pool_size) {
        r.problem(here, "must not exceed " + key_path(&DatabaseConfig::pool_size) +
                            " (each commit holds a connection)");
    }
}

void listen(Reader& r, const YAML::Node&, const std::string& here, HttpConfig& http) {
    if (!valid_listen(http.listen)) {
        r.problem(here, "expected host:port, found \"" + http.listen + "\"");
    }
}

void callback_path(Reader& r, const YAML::Node&, const std::string& here, HttpConfig& http) {
    if (http.callback_path.empty() || http.callback_path.front() != '/' ||
        http.callback_path.find_first_of("?# ") != std::string::npos) {
        r.problem(here, "must be a path starting with / (no ?, # or spaces)");
    }
}

void callback_token(Reader& r, const YAML::Node&, const std::string& here, HttpConfig& http) {
    if (http.callback_token && http.callback_token->empty()) {
        http.callback_token.reset();  // an empty token means "no token", as if unset
    }
    if (http.callback_token && http.callback_token->find_first_of("/?#% ") != std::string::npos) {
        r.problem(here, "must not contain /, ?, #, % or spaces");
    }
}

void admin_listen(Reader& r, const YAML::Node&, const std::string& here, AdminConfig& admin) {
    if (!valid_listen(admin.listen)) {
        r.problem(here, "expected host:port, e.g. 127.0.0.1:9090");
    }
}

void admin_token(Reader& r, const YAML::Node&, const std::string& here, AdminConfig& admin) {
    if (admin.token && admin.token->empty()) {
        admin.token.reset();  // an empty token means "no admin listener", as if unset
    }
    // Short tokens are guessed; the listener is the way to every phone number.
    if (admin.token && admin.token->size() < 16) {
        r.problem(here, "must be at least 16 characters");
    }
}

void allow_cidrs(Reader& r, const YAML::Node&, const std::string& here, HttpConfig& http) {
    for (std::size_t i = 0; i < http.allow_cidrs.size(); ++i) {
        if (auto problem = deliveryd::http::AddressFilter::problem_with(http.allow_cidrs[i])) {
            r.problem(here + "[" + std::to_string(i) + "]", *problem);
        }
    }
}

void lease(Reader& r, const YAML::Node&, const std::string& here, ReconcileConfig& rc) {
    if (rc.lease < rc.request_timeout + 2 * rc.tick) {
        r.problem(here, "must be at least " + key_path(&ReconcileConfig::request_timeout) +
                            " + 2 x " + key_path(&ReconcileConfig::tick) + " (" +
                            format_duration(rc.request_timeout + 2 * rc.tick) +
                            "): a claimed message must not be claimed again while it is asked "
                            "about");
    }
}

// eTelecom documents no largest page. A message object is a kilobyte or two,
// so a page of this many stays well inside a status call's answer limit.
constexpr int max_list_page_size = 1000;

void list_page_size(Reader& r, const YAML::Node&, const std::string& here, EtelecomConfig& e) {
    if (e.list_messages_page_size > max_list_page_size) {
        r.problem(here, "must be at most " + std::to_string(max_list_page_size));
    }
}

void drop_after(Reader& r, const YAML::Node&, const std::string& here, ArchiveConfig& archive) {
    if (archive.drop_after.count() != 0 && archive.drop_after <= archive.after) {
        r.problem(here, "must be 0 (keep archived rows) or longer than " +
                            key_path(&ArchiveConfig::after) + " (" +
                            format_duration(archive.after) + ")");
    }
}

void log_level(Reader& r, const YAML::Node&, const std::string& here, LogConfig& log) {
    const std::set<std::string> levels{"trace", "debug",    "info", "warn",
                                       "error", "critical", "off"};
    if (!levels.contains(log.level)) {
        r.problem(here, "expected one of trace, debug, info, warn, error, critical, off");
    }
}

void log_format(Reader& r, const YAML::Node&, const std::string& here, LogConfig& log) {
    if (log.format != "text" && log.format != "json") {
        r.problem(here, "expected text or json");
    }
}

}  // namespace

std::span<const Section> sections() {
    static const Section table[] = {
        {"database", &Config::database, "the PostgreSQL database", /*required=*/true},
        {"http", &Config::http, "the callback listener"},
        {"admin", &Config::admin, "the read-only admin listener (message lookups)"},
        {"esms", &Config::esms, "eSMS: addresses and accounts polled"},
        {"etelecom", &Config::etelecom, "eTelecom; absent: not polled"},
        {"reconcile", &Config::reconcile, "the polling schedule"},
        {"archive", &Config::archive, "old final rows moved out of delivery_state"},
        {"feed", &Config::feed, "the change feed for services that act on outcomes"},
        {"log", &Config::log, "logging"},
    };
    return table;
}

std::span<const Key<DatabaseConfig>> keys(std::type_identity<DatabaseConfig>) {
    using D = DatabaseConfig;
    static const Key<D> table[] = {
        {"url", &D::url, Kind::conninfo, "libpq URI or key=value string",
         /*required=*/true, &database_url},
        {"pool_size", &D::pool_size, Kind::positive, "connections shared by callbacks and polling"},
        {"connect_timeout", &D::connect_timeout, Kind::duration,
         "connecting, and waiting for a free pooled connection"},
        {"max_batch", &D::max_batch, Kind::positive,
         "callback reports per group-commit transaction, then the poll answers that fit"},
        {"commits_in_flight", &D::commits_in_flight, Kind::positive,
         "group-commit transactions at once; at most pool_size", false, &commits_in_flight},
        {"max_queued", &D::max_queued, Kind::positive,
         "callback reports waiting before callbacks are answered 503 (poll answers do not "
         "count)"},
    };
    return table;
}

std::span<const Key<HttpConfig>> keys(std::type_identity<HttpConfig>) {
    using H = HttpConfig;
    static const Key<H> table[] = {
        {"listen", &H::listen, Kind::text, "host:port; port 0 picks a free port", false, &listen},
        {"callback_path", &H::callback_path, Kind::text, "where the provider's callbacks arrive",
         false, &callback_path},
        {"callback_token", &H::callback_token, Kind::secret,
         "when set, the callback path must end in it; empty means unset", false, &callback_token},
        {"allow_cidrs", &H::allow_cidrs, Kind::list,
         "when not empty, callbacks only from these networks", false, &allow_cidrs},
        {"max_connections", &H::max_connections, Kind::positive, "more are closed at accept"},
        {"read_timeout", &H::read_timeout, Kind::duration, "for a whole request"},
        {"threads", &H::threads, Kind::positive, "threads running HTTP and polling"},
        {"drain_delay", &H::drain_delay, Kind::duration_or_zero,
         "on SIGTERM, /readyz says 503 this long before the listener closes"},
    };
    return table;
}

std::span<const Key<AdminConfig>> keys(std::type_identity<AdminConfig>) {
    using A = AdminConfig;
    static const Key<A> table[] = {
        {"listen", &A::listen, Kind::text,
         "host:port of the admin listener; keep it inside the deployment", false, &admin_listen},
        {"token", &A::token, Kind::secret,
         "bearer token the admin listener requires; unset or empty: no admin listener", false,
         &admin_token},
    };
    return table;
}

std::span<const Key<EsmsConfig>> keys(std::type_identity<EsmsConfig>) {
    using E = EsmsConfig;
    static const Key<E> table[] = {
        {"api_base", &E::api_base, Kind::text, "GetSendStatus, GetZaloMessageStatus", false,
         &http_base<E, &E::api_base>},
        {"callback_api_base", &E::callback_api_base, Kind::text, "GetCallback", false,
         &http_base<E, &E::callback_api_base>},
        {.name = "accounts",
         .member = &E::accounts,
         .kind = Kind::items,
         .doc = "the accounts polled; messages carry an account name",
         .item = "account"},
    };
    return table;
}

std::span<const Key<EsmsAccount>> keys(std::type_identity<EsmsAccount>) {
    using A = EsmsAccount;
    static const Key<A> table[] = {
        {.name = "name",
         .member = &A::name,
         .kind = Kind::text,
         .doc = "the account name messages carry",
         .required = true,
         .unique = true},
        {"api_key", &A::api_key, Kind::secret, "required", true,
         &provider_key<A, &A::api_key, remove_account>},
        {"secret_key", &A::secret_key, Kind::secret, "required", true,
         &provider_key<A, &A::secret_key, remove_account>},
        {"get_callback_tps", &A::get_callback_tps, Kind::rate, "GetCallback calls per second"},
        {"zalo_status_tps", &A::zalo_status_tps, Kind::rate,
         "GetZaloMessageStatus calls per second"},
        {"send_status_tps", &A::send_status_tps, Kind::rate, "GetSendStatus calls per second"},
        {"query_zns_tps", &A::query_zns_tps, Kind::rate,
         "QueryZnsStatus calls per second (ZNS 24/25 by SMSID)"},
        {"sent_data_tps", &A::sent_data_tps, Kind::rate,
         "GetSmsSentData_V2 listing calls per second (SMS backlog sweeps)"},
    };
    return table;
}

std::span<const Key<EtelecomConfig>> keys(std::type_identity<EtelecomConfig>) {
    using E = EtelecomConfig;
    static const Key<E> table[] = {
        {"base_url", &E::base_url, Kind::text, "methods are called at <base_url>.Zalo/<Method>",
         false, &http_base<E, &E::base_url>},
        {"api_key", &E::api_key, Kind::secret, "required in this section", true,
         &provider_key<E, &E::api_key, leave_etelecom_out>},
        {"get_message_tps", &E::get_message_tps, Kind::rate, "GetMessage calls per second"},
        {"list_messages_tps", &E::list_messages_tps, Kind::rate,
         "ListMessages listing calls per second (backlog sweeps)"},
        {"list_messages_page_size", &E::list_messages_page_size, Kind::positive,
         "messages a ListMessages page asks for (lower it if eTelecom refuses it)", false,
         &list_page_size},
    };
    return table;
}

std::span<const Key<ReconcileConfig>> keys(std::type_identity<ReconcileConfig>) {
    using R = ReconcileConfig;
    static const Key<R> table[] = {
        {"grace", &R::grace, Kind::duration_or_zero,
         "first poll this long after a message is registered"},
        {"backoff", &R::backoff, Kind::duration_list, "then between polls; the last step repeats"},
        {"window", &R::window, Kind::duration, "stop polling (expire) after this"},
        {"tick", &R::tick, Kind::duration, "how often the scheduler looks for due messages"},
        {"lease", &R::lease, Kind::duration,
         "a claimed message is due again after this if no answer was stored", false, &lease},
        {"request_timeout", &R::request_timeout, Kind::duration,
         "one status call, connect included"},
        {.name = "rate_margin",
         .member = &R::rate_margin,
         .kind = Kind::share,
         .doc = "calls leave at most at (1 - rate_margin) of each *_tps",
         .max = 0.5},
        {"poll", &R::poll, Kind::boolean, "false: serve callbacks only, never poll"},
        {"spare_calls", &R::spare_calls, Kind::boolean,
         "spare GetZaloMessageStatus calls ask accepted ZNS before they are due"},
        {"query_zns_after", &R::query_zns_after, Kind::positive,
         "GetCallback answers without a ZNS before it is asked of QueryZnsStatus"},
        {"sweep_above", &R::sweep_above, Kind::positive,
         "due SMS of one account and type, or eTelecom ZNS of one OA, above which a "
         "listing sweeps them"},
    };
    return table;
}

std::span<const Key<ArchiveConfig>> keys(std::type_identity<ArchiveConfig>) {
    using A = ArchiveConfig;
    static const Key<A> table[] = {
        {"after", &A::after, Kind::duration,
         "rows final this long move to delivery_state_archive; at least reconcile.window + 1d"},
        {"drop_after", &A::drop_after, Kind::duration_or_zero,
         "deliveryd retention drops archive months that ended this long ago; 0 keeps them", false,
         &drop_after},
        {"batch", &A::batch, Kind::positive, "rows moved per transaction"},
    };
    return table;
}

std::span<const Key<FeedConfig>> keys(std::type_identity<FeedConfig>) {
    using F = FeedConfig;
    static const Key<F> table[] = {
        {"notify", &F::notify, Kind::boolean,
         "NOTIFY delivery_state_changed for every state a message enters"},
    };
    return table;
}

std::span<const Key<LogConfig>> keys(std::type_identity<LogConfig>) {
    using L = LogConfig;
    static const Key<L> table[] = {
        {"level", &L::level, Kind::text, "trace, debug, info, warn, error, critical, off", false,
         &log_level},
        {"format", &L::format, Kind::text, "text for terminals, json for one object per line",
         false, &log_format},
    };
    return table;
}

}  // namespace deliveryd::app::config_detail
