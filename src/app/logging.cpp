#include "deliveryd/app/logging.hpp"

#include <chrono>
#include <ctime>

#include <boost/json.hpp>
#include <fmt/chrono.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "deliveryd/core/text.hpp"

namespace deliveryd::app {
namespace {

// {"ts":"2026-11-22T20:15:00.123Z","level":"info","logger":"deliveryd","msg":"..."}
class JsonFormatter final : public spdlog::formatter {
  public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const auto since_epoch = msg.time.time_since_epoch();
        const auto secs = std::chrono::floor<std::chrono::seconds>(since_epoch);
        const auto millis =
            std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs).count();
        // fmt 9 renders a sys_time in local time; the line says Z, so UTC it is.
        const auto utc = fmt::gmtime(static_cast<std::time_t>(secs.count()));
        const auto ts = fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", utc, millis);

        boost::json::object line;
        line["ts"] = ts;
        const auto level = spdlog::level::to_string_view(msg.level);
        line["level"] = std::string_view(level.data(), level.size());
        line["logger"] = std::string_view(msg.logger_name.data(), msg.logger_name.size());
        // Boost.JSON escapes quotes and control bytes but copies other bytes
        // as they are: invalid UTF-8 (from a hostile request, say) is
        // replaced first so that every line stays valid JSON.
        line["msg"] = core::to_valid_utf8(std::string_view(msg.payload.data(), msg.payload.size()),
                                          64 * 1024);
        const auto text = boost::json::serialize(line);
        dest.append(text.data(), text.data() + text.size());
        dest.push_back('\n');
    }

    [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<JsonFormatter>();
    }
};

}  // namespace

void setup_logging(const LogConfig& config) {
    auto logger = std::make_shared<spdlog::logger>(
        "deliveryd", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    if (config.format == "json") {
        logger->set_formatter(std::make_unique<JsonFormatter>());
    } else {
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    }
    logger->set_level(spdlog::level::from_str(config.level));
    // Warnings and errors reach the terminal or the collector at once.
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
    spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace deliveryd::app
