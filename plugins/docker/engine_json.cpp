// SPDX-License-Identifier: BSD-3-Clause
#include "engine_json.hpp"

#include "docker_request.hpp"

#include <boost/json.hpp>

#include <csignal>
#include <cstring>

namespace json = boost::json;

namespace torchx::docker {

namespace {

json::value parse_json(std::string_view body, const char* what) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) throw EngineJsonError(std::string(what) + " is not JSON: " + ec.message());
  return v;
}

const json::object& object_at(const json::value& v, const char* what) {
  if (!v.is_object()) throw EngineJsonError(std::string(what) + " is not a JSON object");
  return v.get_object();
}

std::string str(const json::object& o, std::string_view key, const char* what) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return {};
  if (!v->is_string()) throw EngineJsonError(std::string(what) + ": '" + std::string(key) + "' is not a string");
  return std::string(v->get_string());
}

std::int64_t integer(const json::object& o, std::string_view key, const char* what) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= INT64_MAX) return static_cast<std::int64_t>(v->get_uint64());
  throw EngineJsonError(std::string(what) + ": '" + std::string(key) + "' is not an integer");
}

std::vector<std::string> strings(const json::object& o, std::string_view key, const char* what) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) throw EngineJsonError(std::string(what) + ": '" + std::string(key) + "' is not an array");
  for (const auto& s : v->get_array()) {
    if (!s.is_string()) throw EngineJsonError(std::string(what) + ": '" + std::string(key) + "' holds a non-string");
    out.emplace_back(s.get_string());
  }
  return out;
}

const json::object* labels_of(const json::object& o, std::string_view key, const char* what) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_object()) throw EngineJsonError(std::string(what) + ": '" + std::string(key) + "' is not an object");
  return &v->get_object();
}

/// A replica id label: digits only, else nullopt (a container someone else labelled).
std::optional<int> replica_of(const std::string& s) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoi(s);
}

int clamp_int(std::int64_t v) { return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : static_cast<int>(v); }

}  // namespace

ContainerInfo parse_inspect(std::string_view body) {
  const char* what = "the engine's container description";
  const json::value v = parse_json(body, what);
  const auto& o = object_at(v, what);
  ContainerInfo c;
  c.id = str(o, "Id", what);
  c.name = str(o, "Name", what);
  if (c.name.starts_with('/')) c.name.erase(0, 1);
  c.restart_count = clamp_int(integer(o, "RestartCount", what));
  const auto* state = o.if_contains("State");
  if (state == nullptr) throw EngineJsonError(std::string(what) + " has no State");
  const auto& s = object_at(*state, "State");
  c.status = str(s, "Status", what);
  c.exit_code = clamp_int(integer(s, "ExitCode", what));
  c.error = str(s, "Error", what);
  if (const auto* oom = s.if_contains("OOMKilled"); oom != nullptr && oom->is_bool()) c.oom_killed = oom->get_bool();
  if (const auto* host = o.if_contains("HostConfig"); host != nullptr && !host->is_null()) {
    c.memory_limit = integer(object_at(*host, "HostConfig"), "Memory", what);
  }
  if (const auto* config = o.if_contains("Config"); config != nullptr && !config->is_null()) {
    const auto& cfg = object_at(*config, "Config");
    c.image = str(cfg, "Image", what);
    c.cmd = strings(cfg, "Cmd", what);
    c.env = strings(cfg, "Env", what);
    if (const auto* labels = labels_of(cfg, "Labels", what)) {
      c.app_id = str(*labels, k_label_app_id, what);
      c.role = str(*labels, k_label_role_name, what);
      c.app_name = str(*labels, k_label_app_name, what);
      c.replica_id = replica_of(str(*labels, k_label_replica_id, what)).value_or(0);
    }
  }
  return c;
}

std::string parse_created_id(std::string_view body) {
  const char* what = "the engine's answer to a container create";
  const json::value v = parse_json(body, what);
  const std::string id = str(object_at(v, what), "Id", what);
  if (id.empty()) throw EngineJsonError(std::string(what) + " has no 'Id'");
  return id;
}

std::vector<ListedContainer> parse_list(std::string_view body) {
  const char* what = "the engine's container list";
  const json::value v = parse_json(body, what);
  if (!v.is_array()) throw EngineJsonError(std::string(what) + " is not a JSON array");
  std::vector<ListedContainer> out;
  for (const auto& item : v.get_array()) {
    const auto& o = object_at(item, what);
    const auto* labels = labels_of(o, "Labels", what);
    if (labels == nullptr) continue;
    ListedContainer c{str(o, "Id", what), str(*labels, k_label_app_id, what), str(*labels, k_label_role_name, what), 0, {}};
    const auto replica = replica_of(str(*labels, k_label_replica_id, what));
    if (c.id.empty() || c.app_id.empty() || !replica) continue;
    c.replica_id = *replica;
    c.app_name = str(*labels, k_label_app_name, what);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<ListedNetwork> parse_networks(std::string_view body) {
  const char* what = "the engine's network list";
  const json::value v = parse_json(body, what);
  if (!v.is_array()) throw EngineJsonError(std::string(what) + " is not a JSON array");
  std::vector<ListedNetwork> out;
  for (const auto& item : v.get_array()) {
    const auto& o = object_at(item, what);
    const auto* labels = labels_of(o, "Labels", what);
    if (labels == nullptr) continue;
    ListedNetwork n{str(o, "Name", what), str(*labels, k_label_app_id, what), str(*labels, k_label_app_name, what)};
    if (!n.app_id.empty()) out.push_back(std::move(n));
  }
  return out;
}

std::vector<ListedNetwork> parse_volumes(std::string_view body) {
  const char* what = "the engine's volume list";
  const json::value v = parse_json(body, what);
  const auto& o = object_at(v, what);
  const auto* volumes = o.if_contains("Volumes");
  if (volumes == nullptr || volumes->is_null()) return {};
  if (!volumes->is_array()) throw EngineJsonError(std::string(what) + ": 'Volumes' is not an array");
  return parse_networks(json::serialize(*volumes));
}

specs::AppState replica_state(const ContainerInfo& c) {
  using specs::AppState;
  if (c.status == "created") return AppState::SUBMITTED;
  if (c.status == "restarting" || c.status == "paused" || c.status == "removing") return AppState::PENDING;
  if (c.status == "running") return AppState::RUNNING;
  if (c.status == "exited" || c.status == "stopped") return c.exit_code == 0 ? AppState::SUCCEEDED : AppState::FAILED;
  if (c.status == "dead") return AppState::FAILED;
  return AppState::UNKNOWN;
}

specs::AppState app_state(const std::vector<specs::AppState>& states) {
  if (states.empty()) return specs::AppState::UNKNOWN;
  bool all_succeeded = true;
  for (const auto s : states) {
    if (!specs::is_terminal(s)) return s;
    all_succeeded = all_succeeded && s == specs::AppState::SUCCEEDED;
  }
  return all_succeeded ? specs::AppState::SUCCEEDED : specs::AppState::FAILED;
}

std::string exit_text(const ContainerInfo& c) {
  if (replica_state(c) != specs::AppState::FAILED) return {};
  const std::string code = "exit code " + std::to_string(c.exit_code);
  if (c.oom_killed) return "killed: out of memory (" + code + ")";
  if (c.exit_code > 128 && c.exit_code < 128 + 65) {
    const int sig = c.exit_code - 128;
    const char* name = sigabbrev_np(sig);
    std::string text =
        "killed by signal " + std::to_string(sig) + (name != nullptr ? " (SIG" + std::string(name) + ", " : " (") + code + ")";
    if (sig == SIGKILL && c.memory_limit > 0) {
      text += ", perhaps for exceeding its memory limit of " + std::to_string(c.memory_limit / (1024 * 1024)) + " MiB";
    }
    return text;
  }
  if (c.status == "dead") return "dead" + (c.error.empty() ? std::string{} : ": " + c.error);
  std::string text = "exited with code " + std::to_string(c.exit_code);
  if (!c.error.empty()) text += ": " + c.error;
  return text;
}

void LogDemux::emit(int stream, std::string_view data) {
  std::string& pending = m_pending[stream];
  for (const char ch : data) {
    if (ch == '\n') {
      m_ready.push_back({stream, std::move(pending)});
      pending.clear();
      continue;
    }
    pending.push_back(ch);
    if (pending.size() >= k_max_line) {
      m_ready.push_back({stream, std::move(pending)});
      pending.clear();
    }
  }
}

void LogDemux::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    if (!m_multiplexed) {
      // A multiplexed stream starts with a header {0|1|2, 0, 0, 0}: decide on its first 4 bytes.
      m_frame.append(bytes);
      bytes = {};
      if (m_frame.size() < 4) return;
      const auto b = [&](std::size_t i) { return static_cast<unsigned char>(m_frame[i]); };
      m_multiplexed = b(0) <= 2 && b(1) == 0 && b(2) == 0 && b(3) == 0;
      std::string start = std::move(m_frame);
      m_frame.clear();
      feed(start);
      return;
    }
    if (!*m_multiplexed) {
      emit(1, bytes);
      return;
    }
    if (m_left == 0) {
      const std::size_t need = 8 - m_frame.size();
      m_frame.append(bytes.substr(0, need));
      bytes.remove_prefix(std::min(need, bytes.size()));
      if (m_frame.size() < 8) return;
      const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(m_frame[i])); };
      m_stream = b(0) == 2 ? 2 : 1;  // 0 (stdin) and unknown kinds read as stdout
      m_left = (b(4) << 24) | (b(5) << 16) | (b(6) << 8) | b(7);
      m_frame.clear();
      continue;
    }
    const std::size_t n = std::min<std::size_t>(m_left, bytes.size());
    emit(m_stream, bytes.substr(0, n));
    bytes.remove_prefix(n);
    m_left -= static_cast<std::uint32_t>(n);
  }
}

std::optional<LogDemux::Line> LogDemux::next() {
  if (m_ready_pos >= m_ready.size()) {
    m_ready.clear();
    m_ready_pos = 0;
    return std::nullopt;
  }
  return std::move(m_ready[m_ready_pos++]);
}

void LogDemux::finish() {
  if (m_multiplexed.has_value() == false && !m_frame.empty()) {
    // Fewer than 4 bytes in all: plain text.
    m_multiplexed = false;
    std::string rest = std::move(m_frame);
    m_frame.clear();
    emit(1, rest);
  }
  for (int s = 1; s <= 2; ++s) {
    if (!m_pending[s].empty()) {
      m_ready.push_back({s, std::move(m_pending[s])});
      m_pending[s].clear();
    }
  }
}

}  // namespace torchx::docker
