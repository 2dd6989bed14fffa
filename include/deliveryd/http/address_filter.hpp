// http.allow_cidrs: which peers may deliver callbacks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

namespace deliveryd::http {

class AddressFilter {
  public:
    // Empty: everyone is allowed.
    AddressFilter() = default;
    // Throws std::invalid_argument naming the first entry that is not a CIDR.
    explicit AddressFilter(const std::vector<std::string>& cidrs);

    [[nodiscard]] bool allows(const boost::asio::ip::address& peer) const;

    // "10.0.0.0/8" or "2001:db8::/32" (a bare address means a /32 or /128).
    [[nodiscard]] static std::optional<std::string> problem_with(const std::string& cidr);

  private:
    std::vector<boost::asio::ip::network_v4> v4_;
    std::vector<boost::asio::ip::network_v6> v6_;
};

}  // namespace deliveryd::http
