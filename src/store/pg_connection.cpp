#include "store/pg_connection.hpp"

namespace deliveryd::store {

HandleKeepingPolicy::handle HandleKeepingPolicy::do_startconnect(handle orig) {
    return kept(pqxx::connect_direct::do_startconnect(orig));
}

HandleKeepingPolicy::handle HandleKeepingPolicy::do_completeconnect(handle orig) {
    return kept(pqxx::connect_direct::do_completeconnect(orig));
}

HandleKeepingPolicy::handle HandleKeepingPolicy::do_dropconnect(handle orig) noexcept {
    return kept(pqxx::connect_direct::do_dropconnect(orig));
}

HandleKeepingPolicy::handle HandleKeepingPolicy::do_disconnect(handle orig) noexcept {
    return kept(pqxx::connect_direct::do_disconnect(orig));
}

PgConnection::PgConnection(const std::string& options)
    : pqxx::connection_base(policy_), options_(options), policy_(options_) {
    init();
}

PgConnection::~PgConnection() noexcept {
    close();
}

}  // namespace deliveryd::store
