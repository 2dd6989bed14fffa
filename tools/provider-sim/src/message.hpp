// The simulated messages: what a sender submitted, and the true timeline of
// what the provider will report about it. Plain data plus pure queries
// ("what does the provider know at time t?"); no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clock.hpp"

namespace deliveryd::sim {

enum class provider_kind {
    esms,      // eSMS (ViHAT): SMS, Viber, ZNS; callbacks + status APIs
    etelecom,  // eTelecom Zalo Cloud: ZNS only; GetMessage
};

// deliveryd's state labels (core/status.hpp), so the simulator's truth compares
// with delivery_state.state directly.
enum class state_label {
    submitted,
    pending_approval,
    waiting,
    sent_to_telco,
    sent,
    delivered,
    failed,
    rejected,
    expired,
};

std::string_view to_string(provider_kind p);
std::string_view to_string(state_label s);
bool is_final(state_label s);

// The outcome Zalo reported for a ZNS (code 0 = success).
struct zalo_error {
    int code = 0;
    std::string message;
};

// One status change as the provider records it (eSMS SendStatus semantics;
// eTelecom messages use 5 with success/failed counts the same way).
struct status_event {
    milliseconds at{0};  // after submission
    int send_status = 2;
    int send_success = 0;
    int send_failed = 0;
    std::optional<int> total_sent;    // default: see total_sent_of()
    std::optional<zalo_error> error;  // ZNS only: Zalo's answer
};

// eTelecom's SMS fallback after a failed ZNS (the `sms` object of seed 003).
struct sms_fallback {
    std::string brandname = "SIMBRAND";
    std::string status = "success";
    std::string status_description = "Sent to telco";
    milliseconds at{0};  // after submission
};

struct message {
    std::string sms_id;  // eSMS SMSID; eTelecom: the msg_id GetMessage takes
    provider_kind provider = provider_kind::esms;
    std::string account = "default";
    int type_id = 2;    // eSMS TypeId; 0 for eTelecom
    std::string oa_id;  // Zalo OA (ZNS only)
    std::string phone;
    std::string template_id;   // ZNS template (ZNS only)
    std::string partner_id;    // Zalo message id, revealed by a successful send
    std::string zalo_user_id;  // TypeId 26/27: user_id inside error_info
    int telco_id = 1;
    double price = 0.0;  // TotalPrice when charged
    int total_receiver = 1;
    bool callback = true;    // sent with a CallbackUrl (GetCallback only knows these)
    bool uid = false;        // ZNS by Zalo user id: plain-JSON error_info, delivery callback
    std::string error_tail;  // text glued after ErrorInfo's JSON in GetCallback (.NET)
    sim_time submitted_at{};
    std::vector<status_event> timeline;
    std::optional<milliseconds> delivered_after;  // ZNS on the phone; never if empty
    std::optional<sms_fallback> sms;              // eTelecom only

    [[nodiscard]] bool is_zns() const;  // eSMS TypeId 24..27 or any eTelecom message
    [[nodiscard]] std::optional<sim_time> delivered_at() const;
};

// As deliveryd's merge decides it: `sent` is final for SMS and Viber, not for
// ZNS (Zalo accepted it; delivery may follow).
bool is_final_for(const message& m, state_label s);

// TotalSent of an event: explicit value, else receivers once at telco or
// done, except a failed ZNS (never sent to the user, as in the seed sample).
int total_sent_of(const message& m, const status_event& e);
// TotalPrice of an event: the price once done with a success, else 0.
double total_price_of(const message& m, const status_event& e);

// The label a faithful observer (deliveryd) derives from one event.
state_label label_of(const status_event& e);

// What the provider knows about a message at time `now`.
struct message_view {
    bool exists = false;                 // submitted by now
    const status_event* last = nullptr;  // latest event that happened (highest rank)
    bool delivered = false;              // ZNS on the phone by now
    state_label label = state_label::submitted;
};

message_view view_at(const message& m, sim_time now);

// The label once the whole timeline has played out and deliveryd's window has
// closed: no status ever -> expired; otherwise the last label.
state_label final_label(const message& m);

}  // namespace deliveryd::sim
