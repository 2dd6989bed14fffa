#include "url_text.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace deliveryd::providers::detail {

std::string join_url(std::string_view base, std::string_view suffix) {
    while (base.ends_with('/')) {
        base.remove_suffix(1);
    }
    std::string url(base);
    if (!suffix.empty() && !suffix.starts_with('/') && !suffix.starts_with('.')) {
        url += '/';
    }
    url += suffix;
    return url;
}

std::string encode_query_value(std::string_view value) {
    return boost::urls::encode(value, boost::urls::unreserved_chars);
}

}  // namespace deliveryd::providers::detail
