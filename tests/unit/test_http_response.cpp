#include <string>

#include <gtest/gtest.h>

#include "deliveryd/http/response.hpp"

namespace {

using deliveryd::http::ContentType;
using deliveryd::http::Response;
using deliveryd::http::write_wire_form;
namespace bhttp = boost::beast::http;

std::string wire(const Response& response, bool head = false, bool keep_alive = true) {
    std::string out = "left over from the answer before";
    write_wire_form(response, head, keep_alive, out);
    return out;
}

TEST(HttpResponse, CallbackAnswerIsStatusTypeLengthAndBody) {
    EXPECT_EQ(wire(Response(bhttp::status::ok, ContentType::plain_text, "OK")),
              "HTTP/1.1 200 OK\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "Content-Length: 2\r\n"
              "\r\n"
              "OK");
}

TEST(HttpResponse, FieldsComeInTheOrderSetAndCloseIsSaid) {
    Response response(bhttp::status::method_not_allowed, ContentType::json, "{}\n");
    response.set(bhttp::field::cache_control, "no-store");
    response.set("Allow", "GET");
    EXPECT_EQ(wire(response, false, false),
              "HTTP/1.1 405 Method Not Allowed\r\n"
              "Content-Type: application/json\r\n"
              "Cache-Control: no-store\r\n"
              "Allow: GET\r\n"
              "Connection: close\r\n"
              "Content-Length: 3\r\n"
              "\r\n"
              "{}\n");
}

TEST(HttpResponse, SetReplacesAFieldOfTheSameNameWhateverItsCase) {
    Response response(bhttp::status::ok, ContentType::html);
    response.set("allow", "GET");
    response.set(bhttp::field::allow, "GET, HEAD");
    ASSERT_EQ(response.fields().size(), 1u);
    EXPECT_EQ(response["ALLOW"], "GET, HEAD");
    EXPECT_EQ(response["Location"], "");
}

TEST(HttpResponse, HeadKeepsTheLengthOfTheBodyItLeavesOut) {
    EXPECT_EQ(wire(Response(bhttp::status::ok, ContentType::plain_text, "ok\n"), true),
              "HTTP/1.1 200 OK\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "Content-Length: 3\r\n"
              "\r\n");
}

TEST(HttpResponse, RedirectWithoutBodyHasNoTypeAndLengthZero) {
    Response response(bhttp::status::see_other, ContentType::none);
    response.set(bhttp::field::location, "/login");
    EXPECT_EQ(wire(response),
              "HTTP/1.1 303 See Other\r\n"
              "Location: /login\r\n"
              "Content-Length: 0\r\n"
              "\r\n");
}

TEST(HttpResponse, NoContentCarriesNeitherLengthNorBody) {
    EXPECT_EQ(wire(Response(bhttp::status::no_content, ContentType::none, "ignored")),
              "HTTP/1.1 204 No Content\r\n"
              "\r\n");
}

TEST(HttpResponse, MetricsGoWithTheirExpositionFormat) {
    EXPECT_EQ(deliveryd::http::content_type_value(ContentType::prometheus_text),
              "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(deliveryd::http::content_type_value(ContentType::none), "");
}

}  // namespace
