#include "deliveryd/http/callback_route.hpp"

#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <spdlog/spdlog.h>

#include "deliveryd/providers/esms/callback_query.hpp"
#include "deliveryd/store/errors.hpp"

namespace deliveryd::http {

namespace bhttp = boost::beast::http;

struct CallbackRoute::Metrics {
    explicit Metrics(prometheus::Registry& registry)
        : callbacks(prometheus::BuildCounter()
                        .Name("deliveryd_callbacks_total")
                        .Help("Provider callbacks answered, by result: accepted (stored, row "
                              "changed), duplicate (stored, nothing new), rejected (4xx), "
                              "unavailable (503)")
                        .Register(registry)),
          accepted(callbacks.Add({{"result", "accepted"}})),
          duplicate(callbacks.Add({{"result", "duplicate"}})),
          rejected(callbacks.Add({{"result", "rejected"}})),
          unavailable(callbacks.Add({{"result", "unavailable"}})),
          seconds(prometheus::BuildHistogram()
                      .Name("deliveryd_callback_seconds")
                      .Help("Time from a callback's start in the route to its answer, for "
                            "every callback handed to the group commit (answered 200 or "
                            "503): the wait for the batch before its own, and its own commit")
                      .Register(registry)
                      .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.002, 0.005, 0.01,
                                                                       0.02, 0.05, 0.1, 0.2, 0.5, 1,
                                                                       2, 5, 10})) {}

    prometheus::Family<prometheus::Counter>& callbacks;
    prometheus::Counter& accepted;
    prometheus::Counter& duplicate;
    prometheus::Counter& rejected;
    prometheus::Counter& unavailable;
    prometheus::Histogram& seconds;
};

namespace {

Response answer(bhttp::status status, std::string body) {
    return {status, ContentType::plain_text, std::move(body)};
}

}  // namespace

bool constant_time_equal(std::string_view expected, std::string_view given) noexcept {
    unsigned char difference = expected.size() == given.size() ? 0 : 1;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const char other = i < given.size() ? given[i] : '\0';
        difference = static_cast<unsigned char>(difference | (expected[i] ^ other));
    }
    return difference == 0;
}

CallbackRoute::CallbackRoute(CallbackRouteOptions options, store::IngestBatcher& batcher,
                             prometheus::Registry& registry)
    : options_(std::move(options)),
      batcher_(batcher),
      metrics_(std::make_unique<Metrics>(registry)) {}

CallbackRoute::~CallbackRoute() = default;

bool CallbackRoute::matches(std::string_view path) const {
    return path == options_.path ||
           (path.size() > options_.path.size() && path.starts_with(options_.path) &&
            path[options_.path.size()] == '/');
}

std::optional<Response> CallbackRoute::refusal(const Request& request,
                                               const RequestContext& context,
                                               std::string_view path) const {
    if (!options_.allowed.allows(context.remote)) {
        return answer(bhttp::status::forbidden, "forbidden\n");
    }
    // The token is checked before anything else about the request, so that
    // without it nobody learns even whether their input would parse.
    if (options_.token) {
        if (path == options_.path) {
            return answer(bhttp::status::unauthorized, "token required\n");
        }
        const auto given = path.substr(options_.path.size() + 1);
        if (!constant_time_equal(*options_.token, given)) {
            return answer(bhttp::status::not_found, "not found\n");
        }
    } else if (path != options_.path) {
        return answer(bhttp::status::not_found, "not found\n");
    }
    if (request.method() != bhttp::verb::get) {
        auto res = answer(bhttp::status::method_not_allowed, "use GET\n");
        res.set(bhttp::field::allow, "GET");
        return res;
    }
    return std::nullopt;
}

boost::asio::awaitable<Response> CallbackRoute::handle(
    const Request& request, const RequestContext& context,
    const std::function<void(unsigned)>& answered) {
    const auto started = std::chrono::steady_clock::now();
    const auto rejected = [&](Response res) {
        metrics_->rejected.Increment();
        answered(res.result_int());
        return res;
    };
    const std::string_view target = request.target();
    const auto question = target.find('?');
    if (auto refused = refusal(request, context, target.substr(0, question))) {
        co_return rejected(std::move(*refused));
    }
    auto parsed = providers::esms::parse_callback_query(
        question == std::string_view::npos ? std::string_view{} : target.substr(question + 1),
        core::timestamp_now());
    if (!parsed) {
        co_return rejected(answer(bhttp::status::bad_request, parsed.error + "\n"));
    }
    for (const auto& note : parsed.notes) {
        spdlog::info("callback {}: {}", parsed.value->sms_id, note);
    }
    auto [error, outcome] = co_await batcher_.async_apply(
        std::move(*parsed.value), boost::asio::as_tuple(boost::asio::use_awaitable));
    metrics_->seconds.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    Response res;
    if (error) {
        metrics_->unavailable.Increment();
        res = answer(bhttp::status::service_unavailable, "not stored, try again\n");
    } else {
        (outcome == store::ApplyOutcome::unchanged ? metrics_->duplicate : metrics_->accepted)
            .Increment();
        res = answer(bhttp::status::ok, "OK");
    }
    answered(res.result_int());
    co_return res;
}

}  // namespace deliveryd::http
