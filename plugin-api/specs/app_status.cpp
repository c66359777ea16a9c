// SPDX-License-Identifier: BSD-3-Clause
// AppStatus::format: TorchX's human-readable status block, byte for byte.
#include "json_detail.hpp"

#include <torchx/specs/app_status.hpp>

#include <algorithm>
#include <ctime>

namespace torchx::specs {
namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

/// TorchX's _RPC_ERROR_MESSAGE_RE: `\w*\('On WorkerInfo\(.+\):\n(.*\n)*'\)`, searched; returns the
/// matched span or the message unchanged. Written by hand: std::regex recurses per character.
std::string trim_rpc_error(const std::string& msg) {
  static const std::string k_marker = "('On WorkerInfo(";
  for (std::size_t at = msg.find(k_marker); at != std::string::npos; at = msg.find(k_marker, at + 1)) {
    std::size_t start = at;
    while (start > 0 && is_word_char(msg[start - 1])) --start;
    const std::size_t line_end = msg.find('\n', at);
    if (line_end == std::string::npos) continue;
    // `.+\):` needs "):" right before the line break, with at least one character before it.
    if (line_end < at + k_marker.size() + 3 || msg.compare(line_end - 2, 2, "):") != 0) continue;
    // `(.*\n)*'\)`: the last line that starts with "')".
    std::size_t end = std::string::npos;
    for (std::size_t line = line_end + 1; line < msg.size();) {
      if (msg.compare(line, 2, "')") == 0) end = line + 2;
      const std::size_t next = msg.find('\n', line);
      if (next == std::string::npos) break;
      line = next + 1;
    }
    if (end != std::string::npos) return msg.substr(start, end - start);
  }
  return msg;
}

/// TorchX's _EMBEDDED_ERROR_MESSAGE_RE `(?P<msg>.+)\nException.*`: the first non-empty line that
/// is followed by a line starting with "Exception".
std::string trim_embedded_error(const std::string& msg) {
  std::size_t line = 0;
  while (line < msg.size()) {
    const std::size_t next = msg.find('\n', line);
    if (next == std::string::npos) break;
    if (next > line && msg.compare(next + 1, 9, "Exception") == 0) return msg.substr(line, next - line);
    line = next + 1;
  }
  return msg;
}

std::string format_error_message(std::string msg, std::string header, std::size_t width = 80) {
  msg = trim_embedded_error(trim_rpc_error(msg));
  std::size_t length = 0;
  std::string out;
  for (std::size_t i = 0; i <= msg.size(); ++i) {
    if (i == msg.size() || (msg[i] == ' ' && length >= width)) {
      if (!out.empty()) out += '\n';
      out += header + msg.substr(i - length, length);
      header = std::string(header.size(), ' ');
      length = 0;
    }
    ++length;
  }
  return out;
}

std::string local_time(std::int64_t timestamp) {
  const auto t = static_cast<std::time_t>(timestamp);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string format_replica(const ReplicaStatus& replica) {
  std::string data;
  if (replica.structured_error_msg != k_none) {
    boost::system::error_code ec;
    const boost::json::value error = boost::json::parse(replica.structured_error_msg, ec);
    const boost::json::value* message = nullptr;
    if (!ec && error.is_object()) message = error.get_object().if_contains("message");
    const boost::json::object* m = message != nullptr ? message->if_object() : nullptr;
    const boost::json::value* text = m != nullptr ? m->if_contains("message") : nullptr;
    const boost::json::value* extra = m != nullptr ? m->if_contains("extraInfo") : nullptr;
    const boost::json::value* stamp =
        extra != nullptr && extra->is_object() ? extra->get_object().if_contains("timestamp") : nullptr;
    if (text == nullptr || !text->is_string() || stamp == nullptr) {
      data = replica.structured_error_msg;  // not torchelastic's shape: shown as it is
    } else {
      std::int64_t ts = 0;
      if (stamp->is_int64()) ts = stamp->get_int64();
      else if (stamp->is_double()) ts = static_cast<std::int64_t>(stamp->get_double());
      else if (stamp->is_string()) ts = std::atoll(stamp->get_string().c_str());
      std::string exitcode = "<N/A>";
      if (const auto* code = m->if_contains("errorCode"); code != nullptr && !code->is_null()) {
        const bool falsy = (code->is_int64() && code->get_int64() == 0) || (code->is_string() && code->get_string().empty());
        if (!falsy) exitcode = code->is_string() ? std::string(code->get_string()) : boost::json::serialize(*code);
      }
      data = std::string(to_string(replica.state)) + " (exitcode: " + exitcode + ")\n        timestamp: " +
             local_time(ts) + "\n        hostname: " + replica.hostname + "\n    " +
             format_error_message(std::string(text->get_string()), "    error_msg: ");
    }
  } else {
    data = to_string(replica.state);
    if (replica.state == ReplicaState::CANCELLED || replica.state == ReplicaState::FAILED) data += " (no reply file)";
  }
  return std::string("\n ") + (replica.id == 0 ? "*" : " ") + replica.role + "[" + std::to_string(replica.id) + "]:" + data;
}

}  // namespace

std::string AppStatus::format(const std::vector<std::string>& filter_roles) const {
  std::string roles_data;
  for (const auto& role : roles) {
    if (!filter_roles.empty() && std::find(filter_roles.begin(), filter_roles.end(), role.role) == filter_roles.end())
      continue;
    std::vector<ReplicaStatus> sorted = role.replicas;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    for (const auto& replica : sorted) roles_data += format_replica(replica);
  }
  return "AppStatus:\n    State: " + std::string(to_string(state)) + "\n    Num Restarts: " + std::to_string(num_restarts) +
         "\n    Roles: " + roles_data + "\n    Msg: " + msg + "\n    Structured Error Msg: " + structured_error_msg +
         "\n    UI URL: " + ui_url.value_or("None") + "\n    ";
}

}  // namespace torchx::specs
