#include "support/scratch_database.hpp"

#include <atomic>
#include <cstdlib>
#include <random>
#include <unistd.h>

#include <boost/url.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>

#include "deliveryd/store/migrations.hpp"

namespace deliveryd::testing {

const std::string& admin_url() {
    static const std::string url = [] {
        const char* value = std::getenv("DELIVERYD_TEST_DATABASE_URL");
        return std::string(value == nullptr ? "" : value);
    }();
    return url;
}

std::string with_database(const std::string& url, const std::string& database) {
    boost::urls::url u(boost::urls::parse_uri(url).value());
    u.set_path("/" + database);
    return std::string(u.buffer());
}

namespace {

std::string unique_name() {
    static std::atomic<int> counter{0};
    std::random_device random;
    return fmt::format("deliveryd_test_{}_{}_{:08x}", getpid(), counter++, random());
}

}  // namespace

ScratchDatabase::ScratchDatabase(bool migrated)
    : name_(unique_name()), url_(with_database(admin_url(), name_)) {
    pqxx::connection admin(admin_url());
    pqxx::nontransaction tx(admin);
    tx.exec(fmt::format("CREATE DATABASE {}", name_));
    if (migrated) {
        (void)store::migrate(url_);
    }
}

ScratchDatabase::~ScratchDatabase() {
    try {
        pqxx::connection admin(admin_url());
        pqxx::nontransaction tx(admin);
        tx.exec(fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", name_));
    } catch (...) {
        // The throwaway server goes away at the end of the run anyway.
    }
}

std::string ScratchDatabase::scalar(const std::string& sql) const {
    pqxx::connection c(url_);
    pqxx::nontransaction tx(c);
    const auto result = tx.exec(sql);
    if (result.empty()) {
        return "";
    }
    return result[0][0].is_null() ? "NULL" : result[0][0].as<std::string>();
}

void ScratchDatabase::execute(const std::string& sql) const {
    pqxx::connection c(url_);
    pqxx::nontransaction tx(c);
    tx.exec(sql);
}

}  // namespace deliveryd::testing
