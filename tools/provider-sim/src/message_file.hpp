// The --messages-file format (docs/provider-sim.md): JSON, either
// {"messages": [...]} or a bare array. Times are relative to the simulator's
// start (`submitted_ms`) or absolute (`submitted_at`, RFC 3339); timeline
// offsets are relative to the submission.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "message.hpp"

namespace deliveryd::sim {

// A problem in a messages file, with the JSON path of the offending value.
class message_file_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Throws message_file_error. Validates ids (non-empty, unique), types,
// statuses and that ZNS messages carry an OA.
std::vector<message> messages_from_json(const boost::json::value& doc, sim_time start);
std::vector<message> load_messages_file(const std::string& path, sim_time start);

// The inverse (submitted_ms relative to `start`), for --write-messages.
boost::json::value messages_to_json(const std::vector<message>& messages, sim_time start);

}  // namespace deliveryd::sim
