// An eSMS account's credentials. They travel inside request bodies or query
// strings (eSMS has no auth header), so an HttpRequest built with them is
// secret as a whole; nothing in providers/ puts them in an error or a note.
#pragma once

#include <string>

namespace deliveryd::providers::esms {

struct Credentials {
    std::string api_key;     // ApiKey
    std::string secret_key;  // SecretKey
};

}  // namespace deliveryd::providers::esms
