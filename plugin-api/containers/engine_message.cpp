// SPDX-License-Identifier: BSD-3-Clause
// engine_message in a file of its own: fuzz/ compiles it in beside local_docker's engine_json.cpp.
#include <torchx/containers/engine.hpp>

#include <boost/json.hpp>

namespace torchx::containers {

std::string engine_message(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(body, ec);
  std::string msg;
  if (!ec && v.is_object()) {
    if (const auto* m = v.get_object().if_contains("message"); m != nullptr && m->is_string()) msg = m->get_string();
  }
  if (msg.empty()) msg = std::string(body.substr(0, body.find('\n')));
  if (msg.size() > 300) msg = msg.substr(0, 300) + "...";
  return msg;
}

}  // namespace torchx::containers
