// A database of its own for one test: created from the server named by
// DELIVERYD_TEST_DATABASE_URL (set by scripts/test.sh) and dropped afterwards.
#pragma once

#include <string>

namespace deliveryd::testing {

// The admin URL of the test server; the test is skipped when it is unset.
[[nodiscard]] const std::string& admin_url();

class ScratchDatabase {
  public:
    // migrated: apply sql/ before handing the database over.
    explicit ScratchDatabase(bool migrated = true);
    ~ScratchDatabase();
    ScratchDatabase(const ScratchDatabase&) = delete;
    ScratchDatabase& operator=(const ScratchDatabase&) = delete;

    [[nodiscard]] const std::string& url() const noexcept { return url_; }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }

    // Runs one SQL statement and returns the first column of the first row
    // as text ("" when there is no row, "NULL" for null).
    [[nodiscard]] std::string scalar(const std::string& sql) const;
    void execute(const std::string& sql) const;

  private:
    std::string name_;
    std::string url_;
};

// `url` with its database (path) replaced by `database`.
[[nodiscard]] std::string with_database(const std::string& url, const std::string& database);

}  // namespace deliveryd::testing

// Skips the current test when no test database is configured.
#define DELIVERYD_REQUIRE_DATABASE()                                                    \
    do {                                                                                \
        if (::deliveryd::testing::admin_url().empty()) {                                \
            GTEST_SKIP() << "DELIVERYD_TEST_DATABASE_URL is not set (scripts/test.sh)"; \
        }                                                                               \
    } while (false)
