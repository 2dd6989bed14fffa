#include "json_writer.hpp"

#include <cmath>
#include <cstdio>

#include <boost/json/serialize.hpp>

namespace deliveryd::sim {
namespace {

namespace json = boost::json;

void write(const json::value& v, std::string& out) {
    switch (v.kind()) {
        case json::kind::null:
            out += "null";
            break;
        case json::kind::bool_:
            out += v.get_bool() ? "true" : "false";
            break;
        case json::kind::int64:
            out += std::to_string(v.get_int64());
            break;
        case json::kind::uint64:
            out += std::to_string(v.get_uint64());
            break;
        case json::kind::double_: {
            double d = v.get_double();
            if (!std::isfinite(d)) {
                out += "null";
                break;
            }
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.4f", d);
            out += buf;
            break;
        }
        case json::kind::string:
            out += json::serialize(v.get_string());
            break;
        case json::kind::array: {
            out += '[';
            bool first = true;
            for (const auto& item : v.get_array()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                write(item, out);
            }
            out += ']';
            break;
        }
        case json::kind::object: {
            out += '{';
            bool first = true;
            for (const auto& kv : v.get_object()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                out += json::serialize(kv.key());
                out += ':';
                write(kv.value(), out);
            }
            out += '}';
            break;
        }
    }
}

}  // namespace

std::string write_json(const boost::json::value& v) {
    std::string out;
    write(v, out);
    return out;
}

}  // namespace deliveryd::sim
