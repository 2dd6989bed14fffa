#include "generator.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "rng.hpp"

namespace deliveryd::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::array esms_oas{"1397492183140006179", "4097311281936189049", "1090257973118325189"};
constexpr std::array etelecom_oas{"2911530487364192745", "3164850917362548160"};
constexpr std::array zns_failures{-114, -118, -108, -124, -115};
constexpr const char* dotnet_tail = "Object reference not set to an instance of an object.";

std::string hex(rng& r, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += digits[r.next() % 16U];
    }
    return s;
}

std::string decimal(rng& r, std::size_t n) {
    std::string s;
    s += static_cast<char>('1' + r.next() % 9U);
    for (std::size_t i = 1; i < n; ++i) {
        s += static_cast<char>('0' + r.next() % 10U);
    }
    return s;
}

// SMSIDs come in the two shapes eSMS issues: GUID with dashes or 32 hex, both
// with a few trailing digits.
std::string esms_id(rng& r) {
    std::string tail = decimal(r, static_cast<std::size_t>(r.between(1, 3)));
    if (r.chance(0.5)) {
        return hex(r, 8) + "-" + hex(r, 4) + "-" + hex(r, 4) + "-" + hex(r, 4) + "-" + hex(r, 12) +
               tail;
    }
    return hex(r, 32) + tail;
}

std::string vn_phone(rng& r) {
    static constexpr std::array prefixes{"090", "091", "093", "096", "097", "098", "086", "088"};
    return std::string(r.pick(prefixes)) + decimal(r, 7);
}

milliseconds ms_between(rng& r, std::int64_t lo, std::int64_t hi) {
    return milliseconds(r.between(lo, hi));
}

status_event ev(milliseconds at, int status, int success = 0, int failed = 0) {
    status_event e;
    e.at = at;
    e.send_status = status;
    e.send_success = success;
    e.send_failed = failed;
    return e;
}

void add_sms_timeline(message& m, rng& r) {
    auto t = ms_between(r, 200, 2000);
    double roll = r.unit();
    int n = m.total_receiver;
    if (roll < 0.05) {  // held for approval, then sent
        m.timeline.push_back(ev(t, 1));
        t += ms_between(r, 5000, 30000);
    }
    if (roll < 0.80) {
        m.timeline.push_back(ev(t, 2));
        t += ms_between(r, 1000, 10000);
        m.timeline.push_back(ev(t, 7));
        t += ms_between(r, 2000, 60000);
        int failed = n > 1 ? static_cast<int>(r.between(0, n / 10)) : 0;
        m.timeline.push_back(ev(t, 5, n - failed, failed));
    } else if (roll < 0.90) {  // failed at the telco
        m.timeline.push_back(ev(t, 2));
        t += ms_between(r, 1000, 10000);
        m.timeline.push_back(ev(t, 7));
        t += ms_between(r, 2000, 60000);
        m.timeline.push_back(ev(t, 5, 0, n));
    } else if (roll < 0.94) {  // rejected by eSMS review
        m.timeline.push_back(ev(t, 1));
        m.timeline.push_back(ev(t + ms_between(r, 5000, 60000), 4));
    } else if (roll < 0.97) {  // stuck waiting, never resolves
        m.timeline.push_back(ev(t, 2));
    }
    // else: never any status
}

void add_viber_timeline(message& m, rng& r) {
    auto t = ms_between(r, 500, 10000);
    double roll = r.unit();
    if (roll < 0.80) {
        m.timeline.push_back(ev(t, 5, 1, 0));
    } else if (roll < 0.95) {
        m.timeline.push_back(ev(t, 5, 0, 1));
    }
}

zalo_error failure(rng& r) {
    int code = r.pick(zns_failures);
    return {code, zalo_error_text(code)};
}

// ZNS (eSMS and eTelecom): accepted by Zalo and delivered later, accepted
// and never delivered, failed with a Zalo error, or no status at all.
void add_zns_timeline(message& m, rng& r) {
    auto t = ms_between(r, 100, 1000);
    if (m.provider == provider_kind::esms && r.chance(0.5)) {
        m.timeline.push_back(ev(t, 2));
    }
    t += ms_between(r, 1000, 15000);
    double roll = r.unit();
    if (roll < 0.70) {
        auto e = ev(t, 5, 1, 0);
        e.error = zalo_error{0, "Success"};
        m.timeline.push_back(e);
        m.partner_id = m.provider == provider_kind::etelecom ? m.sms_id : hex(r, 20);
        if (roll < 0.62) {
            m.delivered_after = t + ms_between(r, 5000, 300000);
        }
    } else if (roll < 0.92) {
        auto e = ev(t, 5, 0, 1);
        e.error = failure(r);
        m.timeline.push_back(e);
        if (m.provider == provider_kind::esms && (e.error->code == -124 || r.chance(0.25))) {
            m.error_tail = dotnet_tail;
        }
        if (m.provider == provider_kind::etelecom && r.chance(0.5)) {
            sms_fallback f;
            f.at = t + ms_between(r, 1000, 5000);
            m.sms = f;
        }
    }
    // else: no status ever (Zalo never answered)
}

// The mix: `kind` is uniform in [0, 1) (or [0, 0.85) without eTelecom).
void pick_kind_from(double kind, message& m) {
    if (kind < 0.25) {
        m.type_id = 2;
    } else if (kind < 0.30) {
        m.type_id = 1;
    } else if (kind < 0.35) {
        m.type_id = 23;
    } else if (kind < 0.45) {
        m.type_id = 24;
    } else if (kind < 0.75) {
        m.type_id = 25;
    } else if (kind < 0.80) {
        m.type_id = 26;
    } else if (kind < 0.85) {
        m.type_id = 27;
    } else {
        m.provider = provider_kind::etelecom;
        m.type_id = etelecom_type;
        m.account = "default";
    }
}

bool wanted(const generator_config& config, const message& m) {
    const auto& only = config.only_types;
    return only.empty() || std::find(only.begin(), only.end(), m.type_id) != only.end();
}

// The kind of message: its provider and TypeId, drawn from the mix until
// it is one of config.only_types.
void pick_kind(rng& r, const generator_config& config, message& m) {
    const auto account = m.account;
    do {
        m.provider = provider_kind::esms;
        m.account = account;
        double kind = r.unit();
        if (!config.etelecom) {
            kind *= 0.85;
        }
        pick_kind_from(kind, m);
    } while (!wanted(config, m));
}

message make_message(rng& r, const generator_config& config, std::size_t index) {
    message m;
    m.account = config.accounts[index % config.accounts.size()];
    pick_kind(r, config, m);
    auto spread = config.submit_spread.count();
    m.submitted_at = config.start + milliseconds(spread > 0 ? r.between(0, spread) : 0);
    m.telco_id = static_cast<int>(r.between(1, 7));
    m.phone = vn_phone(r);
    // Some SMS are sent without a CallbackUrl (GetSendStatus still answers);
    // ZNS are unless config.zns_without_callback says otherwise.
    m.callback = m.provider == provider_kind::esms && r.chance(0.95);

    if (m.provider == provider_kind::etelecom) {
        m.sms_id = hex(r, 20);
        m.oa_id = r.pick(etelecom_oas);
        m.template_id = decimal(r, 6);
        m.price = 300.0;
        add_zns_timeline(m, r);
        return m;
    }
    m.sms_id = esms_id(r);
    switch (m.type_id) {
        case 1:
            m.total_receiver = static_cast<int>(r.between(30, 200));
            m.price = 650.0 * m.total_receiver;
            add_sms_timeline(m, r);
            break;
        case 2:
            m.price = 850.0;
            add_sms_timeline(m, r);
            break;
        case 23:
            m.price = 470.0;
            add_viber_timeline(m, r);
            break;
        case 24:
        case 25:
            // Drawn only when asked for, so that the default mix stays as it was.
            m.callback = config.zns_without_callback <= 0 || !r.chance(config.zns_without_callback);
            m.oa_id = r.pick(esms_oas);
            m.template_id = decimal(r, 7);
            m.price = m.type_id == 24 ? 300.0 : 200.0;
            if (r.chance(0.10)) {  // sent by Zalo user id
                m.uid = true;
                m.phone = decimal(r, 19);
                m.telco_id = 9;
            }
            add_zns_timeline(m, r);
            break;
        default:  // 26, 27: follower messages and journeys
            m.callback = true;
            m.oa_id = r.pick(esms_oas);
            m.phone = decimal(r, 15);
            m.zalo_user_id = decimal(r, 17);
            m.price = m.type_id == 26 ? 60.0 : 220.0;
            if (m.type_id == 27) {
                m.template_id = decimal(r, 7);
            }
            add_zns_timeline(m, r);
            break;
    }
    return m;
}

}  // namespace

std::string zalo_error_text(int code) {
    switch (code) {
        case 0:
            return "Success";
        case -108:
            return "Phone number is invalid";
        case -114:
            return "User is inactive, or reject the message, or using an outdated Zalo version, "
                   "or other internal errors";
        case -115:
            return "Out of ZNS quota";
        case -118:
            return "Zalo account does not exist or has been deactivated";
        case -124:
            return "Access token is invalid";
        default:
            return "Unknown error";
    }
}

bool generated_type(int type_id) {
    switch (type_id) {
        case 1:
        case 2:
        case 23:
        case 24:
        case 25:
        case 26:
        case 27:
            return true;
        default:
            return false;
    }
}

std::vector<message> generate_messages(const generator_config& config) {
    rng r(config.seed);
    std::vector<message> out;
    out.reserve(config.count);
    std::set<std::string> ids;
    for (std::size_t i = 0; i < config.count; ++i) {
        auto m = make_message(r, config, i);
        while (!ids.insert(m.sms_id).second) {  // astronomically rare; keep ids unique
            m.sms_id += "0";
        }
        if (m.provider == provider_kind::etelecom && !m.partner_id.empty()) {
            m.partner_id = m.sms_id;
        }
        out.push_back(std::move(m));
    }
    return out;
}

}  // namespace deliveryd::sim
