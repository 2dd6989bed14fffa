#include "deliveryd/reconcile/scheduler.hpp"

#include <algorithm>
#include <random>
#include <unistd.h>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "deliveryd/net/offload.hpp"
#include "deliveryd/reconcile/configured.hpp"

#include "reconcile/scheduler_impl.hpp"

namespace deliveryd::reconcile {
namespace {

// The scopes this replica may poll: none with reconcile.poll off.
std::vector<store::PollScope> scopes_of(const PollingSettings& config) {
    return config.schedule.poll ? configured_scopes(config) : std::vector<store::PollScope>{};
}

// How `deliveryd status` names this replica: host (the pod's name under
// Kubernetes) and process id.
std::string replica_name() {
    return asio::ip::host_name() + "/" + std::to_string(::getpid());
}

}  // namespace

Scheduler::Impl::Impl(const PollingSettings& config, SchedulerParts parts)
    : config_(config),
      parts_(parts),
      strand_(asio::make_strand(parts.ioc)),
      tick_timer_(strand_),
      idle_(strand_),
      http_(strand_,
            net::HttpClientOptions{.timeout = config.schedule.request_timeout,
                                   .connect_timeout = std::min(config.schedule.request_timeout,
                                                               Duration(std::chrono::seconds(3))),
                                   .client_name = replica_name()}),
      polls_(parts.pool),
      locks_(config.database_url, config.connect_timeout, scopes_of(config)),
      backoff_(config.schedule, seeded_unit_random(std::random_device{}())),
      targets_(plan_targets(config)),
      metrics_(parts.registry),
      unpolled_(parts.pool, parts.db_threads, metrics_),
      replica_(replica_name()) {
    for (const auto& scope : scopes_of(config)) {
        scopes_.push_back(scope);
        metrics_.scope_held(scope.name(), false);
        for (auto& key : keys_of(targets_, scope)) {
            const auto rate = key.source->rate(config, key.account).value_or(1.0);
            auto state = std::make_unique<KeyState>(
                RateLimit{
                    .rate = rate, .margin = config.schedule.rate_margin, .even_spacing = true},
                strand_);
            metrics_.credentials_failing(key, false);
            metrics_.rate_limit(key, rate);
            keys_.emplace(std::move(key), std::move(state));
        }
    }
}

void Scheduler::Impl::start() {
    if (scopes_.empty()) {
        spdlog::info("polling is off (reconcile.poll: false, or no provider configured)");
        return;
    }
    work_.emplace(parts_.ioc.get_executor());
    auto self = shared_from_this();
    for (auto& [key, state] : keys_) {
        asio::co_spawn(strand_, send_loop(self, key, *state), asio::detached);
    }
    asio::co_spawn(strand_, tick_loop(self), asio::detached);
}

void Scheduler::Impl::notify_if_idle() {
    if (stopping_ && calls_in_flight_ == 0 && !ticking_) {
        idle_.cancel();
    }
}

void Scheduler::Impl::stop(std::function<void()> on_stopped) {
    asio::post(strand_, [self = shared_from_this(), on_stopped = std::move(on_stopped)]() mutable {
        if (on_stopped) {
            if (self->stopped_) {
                on_stopped();
            } else {
                self->on_stopped_.push_back(std::move(on_stopped));
            }
        }
        self->stop_on_strand();
    });
}

void Scheduler::Impl::stop_on_strand() {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    tick_timer_.cancel();
    std::vector<std::string> unsent;
    for (auto& [key, state] : keys_) {
        for (const auto& call : state->queue) {
            unsent.insert(unsent.end(), call.sms_ids.begin(), call.sms_ids.end());
        }
        state->queue.clear();
        state->wake.cancel();
        state->pace.cancel();
    }
    for (auto& id : filling_.drop_all()) {
        unsent.push_back(std::move(id));
    }
    http_.stop();  // calls in flight complete as cancelled and give their rows back
    claimed_.take_all(unsent);
    asio::co_spawn(strand_, shut_down(shared_from_this(), std::move(unsent)), asio::detached);
}

asio::awaitable<void> Scheduler::Impl::shut_down(std::shared_ptr<Impl> self,
                                                 std::vector<std::string> unsent) {
    co_await self->give_back(std::move(unsent));
    // The calls in flight were cancelled and end as soon as their answers
    // (none) are handled, and the tick ends after its current step; each
    // wakes this wait as it ends. The deadline covers a database step that
    // hangs: the rows it holds come back when their leases run out.
    const auto deadline =
        SteadyClock::now() + self->config_.schedule.request_timeout + std::chrono::seconds(5);
    while ((self->calls_in_flight_ > 0 || self->ticking_) && SteadyClock::now() < deadline) {
        self->idle_.expires_at(deadline);
        co_await self->idle_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (self->calls_in_flight_ > 0 || self->ticking_) {
        spdlog::warn(
            "polling: {} status call(s) {}still running at the stop deadline; leaving them, "
            "their rows are due again when their leases end",
            self->calls_in_flight_, self->ticking_ ? "and a tick " : "");
    }
    auto release = [&locks = self->locks_] { locks.release_all(); };
    co_await net::offload(self->parts_.db_threads, std::move(release));
    for (const auto& scope : self->scopes_) {
        self->metrics_.scope_held(scope.name(), false);
    }
    spdlog::info("polling stopped");
    self->work_.reset();
    self->stopped_ = true;
    for (auto& on_stopped : std::exchange(self->on_stopped_, {})) {
        on_stopped();
    }
}

asio::awaitable<void> Scheduler::Impl::give_back(std::vector<std::string> ids) {
    if (ids.empty()) {
        co_return;
    }
    try {
        auto work = [this, &ids] { polls_.release(ids); };
        co_await net::offload(parts_.db_threads, std::move(work));
    } catch (const std::exception& e) {
        spdlog::warn(
            "could not give {} claimed messages back ({}); they are due again when "
            "their lease ends",
            ids.size(), e.what());
    }
}

Scheduler::Scheduler(const PollingSettings& config, SchedulerParts parts)
    : impl_(std::make_shared<Impl>(config, parts)) {}

Scheduler::~Scheduler() = default;

void Scheduler::start() {
    impl_->start();
}

void Scheduler::stop(std::function<void()> on_stopped) {
    impl_->stop(std::move(on_stopped));
}

}  // namespace deliveryd::reconcile
