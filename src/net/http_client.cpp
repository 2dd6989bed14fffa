#include "deliveryd/net/http_client.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <curl/curl.h>

namespace deliveryd::net {

namespace asio = boost::asio;

namespace {

void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpFailure failure_of(CURLcode code) {
    switch (code) {
        case CURLE_OK:
            return HttpFailure::none;
        case CURLE_OPERATION_TIMEDOUT:
            return HttpFailure::timeout;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
            return HttpFailure::connect;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
            return HttpFailure::tls;
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_ABORTED_BY_CALLBACK:  // a second send refused (Transfer::on_prerequest)
            return HttpFailure::transfer;
        default:
            return HttpFailure::other;
    }
}

}  // namespace

const char* to_string(HttpFailure failure) noexcept {
    switch (failure) {
        case HttpFailure::none:
            return "none";
        case HttpFailure::timeout:
            return "timeout";
        case HttpFailure::connect:
            return "connect";
        case HttpFailure::tls:
            return "tls";
        case HttpFailure::transfer:
            return "transfer";
        case HttpFailure::cancelled:
            return "cancelled";
        case HttpFailure::other:
            break;
    }
    return "other";
}

// Everything runs on strand_. libcurl calls back (socket, timer, write) only
// from inside curl_multi_* calls, which are made on strand_ alone.
class HttpClient::Impl : public std::enable_shared_from_this<Impl> {
  public:
    using Handler = asio::any_completion_handler<void(HttpResult)>;

    Impl(asio::any_io_executor executor, HttpClientOptions options)
        : executor_(std::move(executor)),
          strand_(asio::make_strand(executor_)),
          timer_(strand_),
          options_(options),
          user_agent_(options_.client_name.empty()
                          ? std::string("deliveryd/" DELIVERYD_VERSION)
                          : "deliveryd/" DELIVERYD_VERSION " (" + options_.client_name + ")"),
          multi_(curl_multi_init()) {
        curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
        curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
        curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
        curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
        curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, options_.max_connections_per_host);
        curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, options_.max_connections);
        curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, options_.max_connections);
    }

    ~Impl() {
        // stop() ran (HttpClient's destructor); what remains are idle cached
        // connections, which curl closes here, telling on_socket to forget them.
        curl_multi_cleanup(multi_);
    }

    void start(providers::HttpRequest request, SentHook on_sent, Handler handler) {
        ++in_flight_;  // counted here: an awaitable never awaited never starts
        if (stopped_) {
            complete(std::move(handler), {HttpFailure::cancelled, "client stopped", 0, {}});
            return;
        }
        auto transfer = std::make_unique<Transfer>(std::move(handler));
        transfer->max_body = options_.max_body_bytes;
        transfer->on_sent = std::move(on_sent);
        transfer->request_body = std::move(request.body);
        CURL* easy = transfer->easy;
        curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
        curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options_.connect_timeout.count()));
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
        curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(easy, CURLOPT_USERAGENT, user_agent_.c_str());
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
        curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
        curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &Transfer::on_prerequest);
        curl_easy_setopt(easy, CURLOPT_PREREQDATA, transfer.get());
        for (const auto& [name, value] : request.headers) {
            transfer->headers = curl_slist_append(transfer->headers, (name + ": " + value).c_str());
        }
        // No "Expect: 100-continue" round trip before small JSON bodies.
        transfer->headers = curl_slist_append(transfer->headers, "Expect:");
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
        if (request.method == providers::HttpMethod::post) {
            curl_easy_setopt(easy, CURLOPT_POST, 1L);
            curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->request_body.c_str());
            curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(transfer->request_body.size()));
        }
        Transfer* raw = transfer.get();
        transfers_.emplace(raw, std::move(transfer));
        if (curl_multi_add_handle(multi_, easy) != CURLM_OK) {
            finish(raw, CURLE_FAILED_INIT);
        }
    }

    void stop() {
        stopped_ = true;
        timer_.cancel();
        while (!transfers_.empty()) {
            auto node = transfers_.extract(transfers_.begin());
            curl_multi_remove_handle(multi_, node.key()->easy);
            complete(std::move(node.mapped()->handler),
                     {HttpFailure::cancelled, "client stopped", 0, {}});
        }
    }

    [[nodiscard]] std::size_t in_flight() const noexcept { return in_flight_.load(); }

    asio::strand<asio::any_io_executor>& strand() { return strand_; }

  private:
    struct Transfer {
        // Boost 1.81's any_completion_handler move-assignment recurses
        // forever (it wraps the handler in itself): construct, never assign.
        explicit Transfer(Handler h) : easy(curl_easy_init()), handler(std::move(h)) {}
        ~Transfer() {
            curl_slist_free_all(headers);
            curl_easy_cleanup(easy);
        }
        Transfer(const Transfer&) = delete;
        Transfer& operator=(const Transfer&) = delete;

        static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
            auto* self = static_cast<Transfer*>(user);
            const auto bytes = size * count;
            if (self->body.size() + bytes > self->max_body) {
                self->too_large = true;
                return 0;  // makes curl stop with CURLE_WRITE_ERROR
            }
            self->body.append(data, bytes);
            return bytes;
        }

        // Called each time the request is about to be sent. libcurl sends it
        // again on a fresh connection when a reused one died before any
        // answer came; but the provider may have counted the first send
        // against its rate limit, and one call must cost one limiter slot.
        // So a second send is refused: the call fails (and is retried later
        // through the limiter) instead of reaching the provider twice.
        static int on_prerequest(void* user, char*, char*, int, int) {
            auto* self = static_cast<Transfer*>(user);
            if (++self->sends > 1) {
                return CURL_PREREQFUNC_ABORT;
            }
            if (self->on_sent) {
                // An exception cannot cross libcurl. Untold, the caller
                // learns only at the end that the call is over.
                try {
                    self->on_sent(std::chrono::steady_clock::now());
                } catch (...) {
                }
            }
            return CURL_PREREQFUNC_OK;
        }

        CURL* easy;
        int sends = 0;
        SentHook on_sent;
        curl_slist* headers = nullptr;
        std::string request_body;
        std::string body;
        std::size_t max_body = 0;
        bool too_large = false;
        char error[CURL_ERROR_SIZE] = {};
        Handler handler;
    };

    struct Socket {
        explicit Socket(const asio::strand<asio::any_io_executor>& strand) : descriptor(strand) {}
        asio::posix::stream_descriptor descriptor;
        // Tells this socket's waits from those of an earlier socket that had
        // the same descriptor number (curl may close and reopen in one call).
        std::uint64_t generation = 0;
        int wanted = 0;  // CURL_POLL_IN / OUT / INOUT
        bool reading = false;
        bool writing = false;
    };

    static int on_socket(CURL*, curl_socket_t fd, int what, void* user, void*) {
        auto* self = static_cast<Impl*>(user);
        if (what == CURL_POLL_REMOVE) {
            if (const auto it = self->sockets_.find(fd); it != self->sockets_.end()) {
                // curl owns the descriptor and closes it itself: let go of it.
                (void)it->second->descriptor.release();
                self->sockets_.erase(it);
            }
            return 0;
        }
        auto& socket = self->sockets_[fd];
        if (!socket) {
            socket = std::make_unique<Socket>(self->strand_);
            socket->generation = ++self->generations_;
            boost::system::error_code ec;
            socket->descriptor.assign(fd, ec);
            if (ec) {
                self->sockets_.erase(fd);
                return -1;
            }
        }
        socket->wanted = what;
        self->arm(fd, *socket);
        return 0;
    }

    static int on_timer(CURLM*, long timeout_ms, void* user) {
        auto* self = static_cast<Impl*>(user);
        self->timer_.cancel();
        const auto alive = self->weak_from_this().lock();
        if (timeout_ms < 0 || !alive) {
            return 0;
        }
        // Even a timeout of 0 goes through the timer: curl forbids calling
        // curl_multi_socket_action from inside its own callback.
        self->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
        self->timer_.async_wait([self = alive](const boost::system::error_code& ec) {
            if (!ec) {
                self->act(CURL_SOCKET_TIMEOUT, 0);
            }
        });
        return 0;
    }

    void arm(curl_socket_t fd, Socket& socket) {
        const auto alive = weak_from_this().lock();
        if (!alive) {
            return;
        }
        if ((socket.wanted & CURL_POLL_IN) != 0 && !socket.reading) {
            socket.reading = true;
            socket.descriptor.async_wait(
                asio::posix::descriptor_base::wait_read,
                [self = alive, fd, g = socket.generation](const boost::system::error_code& ec) {
                    self->on_ready(fd, g, CURL_CSELECT_IN, ec);
                });
        }
        if ((socket.wanted & CURL_POLL_OUT) != 0 && !socket.writing) {
            socket.writing = true;
            socket.descriptor.async_wait(
                asio::posix::descriptor_base::wait_write,
                [self = alive, fd, g = socket.generation](const boost::system::error_code& ec) {
                    self->on_ready(fd, g, CURL_CSELECT_OUT, ec);
                });
        }
    }

    void on_ready(curl_socket_t fd, std::uint64_t generation, int direction,
                  const boost::system::error_code& ec) {
        auto it = sockets_.find(fd);
        if (ec == asio::error::operation_aborted || it == sockets_.end() ||
            it->second->generation != generation) {
            return;  // released by curl, and perhaps the number reused since
        }
        (direction == CURL_CSELECT_IN ? it->second->reading : it->second->writing) = false;
        act(fd, ec ? CURL_CSELECT_ERR : direction);
        it = sockets_.find(fd);
        if (it != sockets_.end()) {
            arm(fd, *it->second);
        }
    }

    void act(curl_socket_t fd, int events) {
        int running = 0;
        curl_multi_socket_action(multi_, fd, events, &running);
        int left = 0;
        while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
            if (message->msg == CURLMSG_DONE) {
                Transfer* transfer = nullptr;
                curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
                finish(transfer, message->data.result);
            }
        }
    }

    void finish(Transfer* raw, CURLcode code) {
        auto node = transfers_.extract(raw);
        if (node.empty()) {
            return;
        }
        auto& transfer = *node.mapped();
        curl_multi_remove_handle(multi_, transfer.easy);
        HttpResult result;
        result.failure = failure_of(code);
        if (result.failure == HttpFailure::none) {
            long status = 0;
            curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
            result.status = static_cast<int>(status);
            result.body = std::move(transfer.body);
        } else if (transfer.too_large) {
            result.error = "answer larger than " + std::to_string(transfer.max_body) + " bytes";
        } else {
            // The error buffer names hosts and reasons, never the URL's query or the body.
            result.error = transfer.error[0] != '\0' ? transfer.error : curl_easy_strerror(code);
        }
        complete(std::move(transfer.handler), std::move(result));
    }

    // Through a plain post first, so the caller never resumes inside this
    // strand (or inside its own initiation) even if it runs on the same io_context.
    void complete(Handler handler, HttpResult result) {
        --in_flight_;
        asio::post(executor_, [handler = std::move(handler), result = std::move(result)]() mutable {
            const auto executor = asio::get_associated_executor(handler);
            asio::dispatch(executor,
                           [handler = std::move(handler), result = std::move(result)]() mutable {
                               std::move(handler)(std::move(result));
                           });
        });
    }

    std::atomic<std::size_t> in_flight_{0};
    asio::any_io_executor executor_;
    asio::strand<asio::any_io_executor> strand_;
    asio::steady_timer timer_;
    HttpClientOptions options_;
    std::string user_agent_;
    CURLM* multi_;
    bool stopped_ = false;
    std::unordered_map<Transfer*, std::unique_ptr<Transfer>> transfers_;
    std::unordered_map<curl_socket_t, std::unique_ptr<Socket>> sockets_;
    std::uint64_t generations_ = 0;
};

HttpClient::HttpClient(asio::any_io_executor executor, HttpClientOptions options) {
    init_curl_once();
    impl_ = std::make_shared<Impl>(std::move(executor), options);
}

HttpClient::~HttpClient() {
    stop();
}

void HttpClient::stop() {
    asio::post(impl_->strand(), [impl = impl_] { impl->stop(); });
}

std::size_t HttpClient::in_flight() const noexcept {
    return impl_->in_flight();
}

namespace {

// The initiation of fetch(): hands the request and the caller's (type-erased)
// handler to the client's strand.
struct StartFetch {
    std::shared_ptr<HttpClient::Impl> impl;

    template <class Awaiting>
    void operator()(Awaiting awaiting, providers::HttpRequest request,
                    HttpClient::SentHook on_sent) const {
        // Named apart from the capture below: GCC 12 resolves a name in an
        // init-capture's initialiser to the capture itself.
        HttpClient::Impl::Handler erased(std::move(awaiting));
        asio::post(impl->strand(), [impl = impl, handler = std::move(erased),
                                    r = std::move(request), hook = std::move(on_sent)]() mutable {
            impl->start(std::move(r), std::move(hook), std::move(handler));
        });
    }
};

}  // namespace

// Not a coroutine itself: GCC 12 mishandles temporaries inside co_await
// expressions (it destroyed a captured shared_ptr twice), so this returns
// the awaitable that async_initiate makes.
asio::awaitable<HttpResult> HttpClient::fetch(providers::HttpRequest request, SentHook on_sent) {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(HttpResult)>(
        StartFetch{impl_}, asio::use_awaitable, std::move(request), std::move(on_sent));
}

}  // namespace deliveryd::net
