#include "fault_responses.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include "etelecom_api.hpp"

namespace deliveryd::sim {

http_response error_5xx_response(endpoint e, const http_request& req) {
    if (is_etelecom(e)) {
        return twirp_error(req, http::status::internal_server_error, "internal", "internal error");
    }
    http_response res{http::status::service_unavailable, req.version()};
    res.set(http::field::content_type, "text/html");
    res.keep_alive(req.keep_alive());
    res.body() =
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML "
        "4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n"
        "<HTML><HEAD><TITLE>Service Unavailable</TITLE></HEAD>\r\n"
        "<BODY><h2>Service Unavailable</h2><hr><p>HTTP Error 503. The service is unavailable.</p>"
        "</BODY></HTML>\r\n";
    res.prepare_payload();
    return res;
}

http_response bad_code_response(endpoint e, const http_request& req) {
    switch (e) {
        case endpoint::get_callback:
            return json_response(req, http::status::ok,
                                 R"({"Code":99,"Message":"Unknown error","Data_callback":null})");
        case endpoint::get_send_status: {
            std::string ref_id;
            if (auto url = boost::urls::parse_origin_form(req.target())) {
                auto params = url->params();
                if (auto it = params.find("RefId"); it != params.end()) {
                    ref_id = (*it).value;
                }
            }
            return json_response(req, http::status::ok,
                                 R"({"CodeResponse":"99","SMSID":)" +
                                     boost::json::serialize(boost::json::string_view(ref_id)) +
                                     "}");
        }
        case endpoint::zalo_status:
            return json_response(req, http::status::ok,
                                 R"({"CodeResult":"99","ErrorMessage":"Unknown error"})");
        case endpoint::sms_sent_data:
            return json_response(req, http::status::ok,
                                 R"({"CodeResult":"99","ErrorMessage":"Unknown error"})");
        case endpoint::query_zns_status:
            return json_response(
                req, http::status::ok,
                R"({"CodeResult":"99","ErrorMessage":"Unknown error","Data":null})");
        case endpoint::etelecom_message:
        case endpoint::etelecom_list_messages:
            return twirp_error(req, http::status::service_unavailable, "unavailable",
                               "service unavailable");
    }
    return error_5xx_response(e, req);
}

void make_malformed(http_response& res) {
    auto& body = res.body();
    body.resize(body.size() > 2 ? body.size() / 2 : 1);
    if (body.empty() || body == "{") {
        body = "{\"";
    }
    res.prepare_payload();
}

}  // namespace deliveryd::sim
