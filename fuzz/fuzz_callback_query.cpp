// eSMS's status callback query (providers/esms/callback_query.hpp), as
// src/http/callback_route.cpp hands it over: the raw text after '?'.
// Input: the query string.
//
// Invariants beyond "no crash, no leak, no UB, no exception":
//  * a result has an error exactly when it has no value; error and notes are
//    printable, bounded log text;
//  * an accepted query gives an Observation with a valid SMSID, unknown_status
//    naming exactly an undocumented status, TotalPrice within numeric(18,4), storable texts within
//    their limits, raw = the query made valid UTF-8, the label the contract gives;
//  * parsing is deterministic, a leading '?' changes nothing, and neither
//    does the order of the parameters or the case of their names (only raw
//    differs).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deliveryd/core/text.hpp"
#include "deliveryd/providers/esms/callback_query.hpp"

#include "fuzz_check.hpp"

namespace {

using namespace deliveryd;
using Result = providers::ParseResult<core::Observation>;

bool same(const Result& a, const Result& b) {
    return a.value == b.value && a.error == b.error && a.notes == b.notes;
}

// The parameters in reverse order, each name in ASCII upper case.
std::string reversed_upper_names(std::string_view query) {
    std::vector<std::string_view> params;
    for (std::size_t start = 0;;) {
        const auto amp = query.find('&', start);
        params.push_back(query.substr(start, amp - start));
        if (amp == std::string_view::npos) {
            break;
        }
        start = amp + 1;
    }
    std::string out;
    out.reserve(query.size());
    for (auto it = params.rbegin(); it != params.rend(); ++it) {
        if (it != params.rbegin()) {
            out += '&';
        }
        const auto eq = it->find('=');
        std::string name(it->substr(0, eq));
        std::transform(name.begin(), name.end(), name.begin(), [](char c) {
            return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
        });
        out += name;
        if (eq != std::string_view::npos) {
            out += it->substr(eq);
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view query = fuzz::as_text(data, size);
    const auto result = providers::esms::parse_callback_query(query, fuzz::received_at);
    fuzz::check_result_shape(result);
    FUZZ_CHECK(same(result, providers::esms::parse_callback_query(query, fuzz::received_at)),
               "parsing the same query twice gave different results");

    std::string_view bare = query;
    if (bare.starts_with('?')) {
        bare.remove_prefix(1);
    }
    if (result.ok()) {
        const auto& o = *result.value;
        fuzz::check_esms_record(o, core::Source::callback);
        FUZZ_CHECK(o.raw == core::to_valid_utf8(bare), "raw is not the query");
    }

    if (!query.starts_with('?')) {
        const auto with_mark =
            providers::esms::parse_callback_query("?" + std::string(query), fuzz::received_at);
        FUZZ_CHECK(same(result, with_mark), "a leading '?' changed the result");
    }

    // The '?' keeps a parameter that starts with one from being taken for
    // the mark once it comes first.
    const std::string shuffled = "?" + reversed_upper_names(bare);
    const auto other = providers::esms::parse_callback_query(shuffled, fuzz::received_at);
    FUZZ_CHECK(result.ok() == other.ok(),
               "reordering the parameters or changing the case of their names changed whether "
               "the query is accepted: " +
                   (result.ok() ? other.error : result.error));
    if (result.ok()) {
        auto a = *result.value;
        auto b = *other.value;
        a.raw.clear();
        b.raw.clear();
        FUZZ_CHECK(a == b,
                   "reordering the parameters or changing the case of their names changed the "
                   "Observation");
        FUZZ_CHECK(result.notes == other.notes, "... or the notes");
    }
    return 0;
}
