// Builds a reproducible message set from a seed (--generate N --seed S):
// the mix of types, OAs, outcomes and error_info shapes deliveryd must handle.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "message.hpp"

namespace deliveryd::sim {

struct generator_config {
    std::size_t count = 100;
    std::uint64_t seed = 1;
    std::vector<std::string> accounts{"default"};  // eSMS accounts, used round-robin
    sim_time start{};                              // simulator start
    milliseconds submit_spread{0};                 // submissions spread over [start, start+spread]
    bool etelecom = true;                          // include eTelecom ZNS
    // Share of ZNS 24/25 sent without a CallbackUrl: GetCallback never knows
    // them, QueryZnsStatus does.
    double zns_without_callback = 0;
    // TypeIds to generate (etelecom_type for eTelecom ZNS); empty: the whole mix
    std::vector<int> only_types;
};

// The TypeId the generator gives eTelecom ZNS, which have none of eSMS's:
// what `--only-types etelecom` asks for.
inline constexpr int etelecom_type = 0;

// The eSMS TypeIds the generator can make.
bool generated_type(int type_id);

// Mix (approximate shares): SMS CSKH 2: 25%, ads 1: 5%, Viber 23: 5%,
// ZNS 24: 10%, 25: 30%, 26: 5%, 27: 5%, eTelecom ZNS: 15% (folded into the
// eSMS shares when disabled). Outcomes per kind are listed in
// docs/provider-sim.md. The same config always gives the same messages.
std::vector<message> generate_messages(const generator_config& config);

// Zalo's message for a ZNS error code (the texts the simulator uses).
std::string zalo_error_text(int code);

}  // namespace deliveryd::sim
