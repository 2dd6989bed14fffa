// What polling is configured with: the providers' addresses and accounts,
// the schedule and the limits. reconcile's own types, so that it depends on
// nothing above it; the app layer reads them from the YAML configuration
// (its Config holds them as they are) and hands them over.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace deliveryd::reconcile {

using Duration = std::chrono::milliseconds;

struct EsmsAccount {
    std::string name;
    std::string api_key;     // secret
    std::string secret_key;  // secret
    double get_callback_tps = 20;
    double zalo_status_tps = 30;
    double send_status_tps = 10;
    double query_zns_tps = 100;
    double sent_data_tps = 1;  // GetSmsSentData_V2 listings (eSMS documents no limit)
};

struct EsmsSettings {
    std::string api_base = "http://rest.esms.vn";
    std::string callback_api_base = "https://status-sms.esms.vn";
    std::vector<EsmsAccount> accounts;
};

struct EtelecomSettings {
    std::string base_url = "https://api.etelecom.vn/v1/shop";
    std::string api_key;  // secret
    double get_message_tps = 10;
    double list_messages_tps = 1;  // ListMessages listings (eTelecom documents no limit)
    // Messages a ListMessages page asks for. eTelecom documents no largest
    // page (its example asks for 50); a page that holds fewer is followed
    // by its cursor all the same.
    int list_messages_page_size = 100;
};

struct ScheduleSettings {
    Duration grace{std::chrono::minutes(2)};
    std::vector<Duration> backoff{std::chrono::minutes(2),  std::chrono::minutes(5),
                                  std::chrono::minutes(15), std::chrono::hours(1),
                                  std::chrono::hours(6),    std::chrono::hours(24)};
    Duration window{std::chrono::hours(24 * 7)};
    Duration tick{std::chrono::seconds(1)};
    // How long a claimed message stays with this replica before it is due
    // again (if the replica died holding it, someone asks again after this).
    Duration lease{std::chrono::minutes(1)};
    Duration request_timeout{std::chrono::seconds(10)};  // one status call, connect included
    // Calls leave at most at (1 - rate_margin) of each configured *_tps.
    double rate_margin = 0.05;
    // false: this replica serves callbacks only and never polls.
    bool poll = true;
    // true: a GetZaloMessageStatus limiter's spare calls ask accepted ZNS
    // ahead of their schedule (early_polls.hpp); false: only when due.
    bool spare_calls = true;
    // Answers from GetCallback without a ZNS (TypeId 24/25) before it is
    // asked of QueryZnsStatus instead: GetCallback carries 200 ids per call
    // but knows only messages sent with a CallbackUrl.
    int query_zns_after = 2;
    // Due rows above which they are swept with a listing instead of one
    // call each: SMS/Viber of one eSMS account and TypeId (GetSmsSentData_V2
    // instead of GetSendStatus), eTelecom ZNS of one OA (ListMessages
    // instead of GetMessage).
    int sweep_above = 500;
};

struct PollingSettings {
    EsmsSettings esms;
    std::optional<EtelecomSettings> etelecom;  // absent: eTelecom is not polled
    ScheduleSettings schedule;
    // The session that holds the scopes' advisory locks connects on its own.
    std::string database_url;  // secret: may hold a password
    Duration connect_timeout{std::chrono::seconds(5)};
};

}  // namespace deliveryd::reconcile
