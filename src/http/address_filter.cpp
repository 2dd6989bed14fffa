#include "deliveryd/http/address_filter.hpp"

#include <stdexcept>

namespace deliveryd::http {

namespace ip = boost::asio::ip;

namespace {

struct Parsed {
    std::optional<ip::network_v4> v4;
    std::optional<ip::network_v6> v6;
};

std::optional<Parsed> parse(std::string cidr) {
    boost::system::error_code ec;
    if (cidr.find('/') == std::string::npos) {
        cidr += cidr.find(':') == std::string::npos ? "/32" : "/128";
    }
    if (cidr.find(':') == std::string::npos) {
        const auto net = ip::make_network_v4(cidr, ec);
        if (!ec) {
            return Parsed{net.canonical(), std::nullopt};
        }
    } else {
        const auto net = ip::make_network_v6(cidr, ec);
        if (!ec) {
            return Parsed{std::nullopt, net.canonical()};
        }
    }
    return std::nullopt;
}

}  // namespace

AddressFilter::AddressFilter(const std::vector<std::string>& cidrs) {
    for (const auto& cidr : cidrs) {
        const auto parsed = parse(cidr);
        if (!parsed) {
            throw std::invalid_argument("not a CIDR: " + cidr);
        }
        if (parsed->v4) {
            v4_.push_back(*parsed->v4);
        } else {
            v6_.push_back(*parsed->v6);
        }
    }
}

std::optional<std::string> AddressFilter::problem_with(const std::string& cidr) {
    if (parse(cidr)) {
        return std::nullopt;
    }
    return "not a CIDR (expected e.g. 10.0.0.0/8 or 2001:db8::/32): \"" + cidr + "\"";
}

bool AddressFilter::allows(const ip::address& peer) const {
    if (v4_.empty() && v6_.empty()) {
        return true;
    }
    auto address = peer;
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = ip::make_address_v4(ip::v4_mapped, address.to_v6());
    }
    if (address.is_v4()) {
        for (const auto& net : v4_) {
            if (ip::network_v4(address.to_v4(), net.prefix_length()).canonical() == net) {
                return true;
            }
        }
        return false;
    }
    for (const auto& net : v6_) {
        if (ip::network_v6(address.to_v6(), net.prefix_length()).canonical() == net) {
            return true;
        }
    }
    return false;
}

}  // namespace deliveryd::http
