// The admin listener's HTML pages for support staff: plain server-rendered
// HTML with a little inline CSS, no script, one column on a phone's screen.
// Each function returns a whole page; everything from the database or the
// request is escaped (html.hpp). The message views come already masked (or
// not) from the same code as the JSON API, so the pages show exactly what
// the API shows.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "deliveryd/store/admin_overview.hpp"

namespace deliveryd::http::admin_pages {

// The token form. `next`: the page to go back to after logging in (a path
// on this listener); `failed`: the last try had a wrong token.
[[nodiscard]] std::string login(std::string_view next, bool failed);

[[nodiscard]] std::string overview(const store::AdminOverview& overview);

// `view`: {"message": {...}, "events": [...], "masked": bool}, as the JSON
// API's GET /api/messages/{sms_id} answers.
[[nodiscard]] std::string message(const boost::json::object& view);

struct SearchResults {
    std::string query;                // as typed
    std::string by;                   // "phone" or "request_id"
    const boost::json::array* rows;   // rows of a store::MessagePage, explained and masked
    std::optional<std::string> next;  // the cursor of the next page
    bool unmask = false;
};
[[nodiscard]] std::string search(const SearchResults& results);

// A page that says what was not found or is wrong, with the search form.
[[nodiscard]] std::string notice(std::string_view title, std::string_view text,
                                 std::string_view query = {});

}  // namespace deliveryd::http::admin_pages
