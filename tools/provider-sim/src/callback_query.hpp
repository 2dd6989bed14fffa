// The query string of an eSMS status callback (seed 001): parameter names,
// casing and order exactly as in the samples for each TypeId.
#pragma once

#include <string>

#include "message.hpp"

namespace deliveryd::sim {

// One callback: the event it reports and when (simulated time).
struct callback_event {
    const message* msg = nullptr;
    const status_event* event = nullptr;
    sim_time at{};
    bool delivery = false;  // uid ZNS: the "delivered to the phone" report
};

// Without the leading '?'. Orders:
//  1:     SMSID SendFailed SendStatus SendSuccess TotalPrice TotalReceiver TotalSent RequestId
//  TypeId 2, 8:  ... TypeId telcoid phonenumber switchsmsid 23:    ... TypeId telcoid phonenumber
//  24/25: ... TypeId telcoid phonenumber partnerids error_info oaid tempid
//  26/27: ... TypeId phonenumber error_info oaid partnerids
std::string callback_query(const callback_event& cb);

}  // namespace deliveryd::sim
