// SPDX-License-Identifier: BSD-3-Clause
#include "slurm_status.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>

namespace json = boost::json;

namespace torchx::slurm {
namespace {

long as_long(const json::value* v) {
  if (v == nullptr) return 0;
  if (v->is_int64()) return static_cast<long>(v->get_int64());
  if (v->is_uint64()) return static_cast<long>(v->get_uint64());
  if (const auto* o = v->if_object()) {  // newer Slurm: {"set": true, "number": 5}
    if (const auto* n = o->if_contains("number")) return as_long(n);
  }
  return 0;
}

std::string as_text(const json::value* v) {
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (const auto* a = v->if_array(); a != nullptr && !a->empty()) return as_text(&(*a)[0]);  // newer: ["RUNNING"]
  if (const auto* o = v->if_object()) {
    if (const auto* s = o->if_contains("current")) return as_text(s);
  }
  return {};
}

void set_exit(Component& c, const json::value* v) {
  if (v == nullptr) return;
  if (v->is_int64()) {  // 22.05: the raw wait status
    const int status = static_cast<int>(v->get_int64());
    if ((status & 0x7f) != 0) c.signal = status & 0x7f;
    c.exit_code = (status >> 8) & 0xff;
  } else if (const auto* o = v->if_object()) {  // newer: {"return_code": ..., "signal": {"id": ...}}
    if (const auto* rc = o->if_contains("return_code")) c.exit_code = static_cast<int>(as_long(rc));
    if (const auto* sig = o->if_contains("signal"); sig != nullptr && sig->is_object()) {
      if (const auto* id = sig->get_object().if_contains("id"); id != nullptr && as_long(id) != 0) {
        c.signal = static_cast<int>(as_long(id));
      }
    }
  }
}

}  // namespace

specs::AppState app_state_of(const std::string& s) {
  static const std::map<std::string, specs::AppState> k_states = {
      {"BOOT_FAIL", specs::AppState::FAILED},     {"CANCELLED", specs::AppState::CANCELLED},
      {"COMPLETED", specs::AppState::SUCCEEDED},  {"DEADLINE", specs::AppState::FAILED},
      {"FAILED", specs::AppState::FAILED},        {"NODE_FAIL", specs::AppState::FAILED},
      {"OUT_OF_MEMORY", specs::AppState::FAILED}, {"PENDING", specs::AppState::PENDING},
      {"PREEMPTED", specs::AppState::FAILED},     {"RUNNING", specs::AppState::RUNNING},
      {"REQUEUED", specs::AppState::PENDING},     {"RESIZING", specs::AppState::PENDING},
      {"REVOKED", specs::AppState::FAILED},       {"SUSPENDED", specs::AppState::PENDING},
      {"TIMEOUT", specs::AppState::FAILED},       {"COMPLETING", specs::AppState::RUNNING},
      {"CONFIGURING", specs::AppState::PENDING},  {"REQUEUE_HOLD", specs::AppState::PENDING},
      {"REQUEUE_FED", specs::AppState::PENDING},  {"STOPPED", specs::AppState::PENDING},
  };
  const std::string first = s.substr(0, s.find_first_of(" +"));  // "CANCELLED by 0", "FAILED+"
  const auto it = k_states.find(first);
  return it == k_states.end() ? specs::AppState::UNKNOWN : it->second;
}

std::vector<Component> parse_squeue(const std::string& text, long id) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object() || !v.as_object().contains("jobs")) throw std::runtime_error("squeue --json returned no jobs list");
  std::vector<Component> out;
  for (const auto& jv : v.at("jobs").as_array()) {
    const auto& j = jv.as_object();
    Component c;
    c.job_id = as_long(j.if_contains("job_id"));
    c.het_job_id = as_long(j.if_contains("het_job_id"));
    c.het_offset = static_cast<int>(as_long(j.if_contains("het_job_offset")));
    if (c.job_id != id && c.het_job_id != id) continue;
    c.name = as_text(j.if_contains("name"));
    c.slurm_state = as_text(j.if_contains("job_state"));
    c.reason = as_text(j.if_contains("state_reason"));
    c.nodes = as_text(j.if_contains("nodes"));
    if (c.nodes.empty()) c.nodes = as_text(j.if_contains("batch_host"));
    set_exit(c, j.if_contains("exit_code"));
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.het_offset < b.het_offset; });
  return out;
}

std::vector<std::pair<long, std::string>> squeue_jobs(const std::string& text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object() || !v.as_object().contains("jobs")) throw std::runtime_error("squeue --json returned no jobs list");
  std::vector<std::pair<long, std::string>> out;
  for (const auto& jv : v.at("jobs").as_array()) {
    const auto& j = jv.as_object();
    const long job = as_long(j.if_contains("job_id"));
    const long het = as_long(j.if_contains("het_job_id"));
    if (het != 0 && het != job) continue;  // a het component other than the leader
    out.emplace_back(job, as_text(j.if_contains("job_state")));
  }
  return out;
}

std::vector<Component> parse_sacct(const std::string& text, long id) {
  std::vector<Component> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string x; std::getline(fields, x, '|');) f.push_back(x);
    if (f.size() < 4 || f[0] == "JobID") continue;
    const std::string& job = f[0];
    if (job.find('.') != std::string::npos) continue;  // a step
    Component c;
    const auto plus = job.find('+');
    try {
      c.job_id = std::stol(job.substr(0, plus));
    } catch (const std::exception&) {
      continue;
    }
    if (c.job_id != id) continue;
    c.het_job_id = plus == std::string::npos ? 0 : id;
    c.het_offset = plus == std::string::npos ? 0 : std::atoi(job.c_str() + plus + 1);
    c.name = f[1];
    c.slurm_state = f[2];
    const auto colon = f[3].find(':');
    c.exit_code = std::atoi(f[3].substr(0, colon).c_str());
    if (colon != std::string::npos && std::atoi(f[3].c_str() + colon + 1) != 0) c.signal = std::atoi(f[3].c_str() + colon + 1);
    if (f.size() > 4) c.nodes = f[4];
    out.push_back(std::move(c));
  }
  return out;
}

specs::AppState app_state(const std::vector<Component>& components) {
  if (components.empty()) return specs::AppState::UNKNOWN;
  bool all_succeeded = true;
  bool any_running = false;
  bool any_cancelled = false;
  for (const auto& c : components) {
    const auto s = app_state_of(c.slurm_state);
    if (s == specs::AppState::FAILED) return specs::AppState::FAILED;
    any_cancelled = any_cancelled || s == specs::AppState::CANCELLED;
    any_running = any_running || s == specs::AppState::RUNNING;
    all_succeeded = all_succeeded && s == specs::AppState::SUCCEEDED;
  }
  if (any_cancelled) return specs::AppState::CANCELLED;
  if (all_succeeded) return specs::AppState::SUCCEEDED;
  if (any_running) return specs::AppState::RUNNING;
  return specs::AppState::PENDING;
}

std::optional<std::pair<int, int>> parse_version(const std::string& text) {
  std::istringstream in(text);
  std::string name;
  std::string version;
  in >> name >> version;
  int major = 0;
  int minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) != 2) return std::nullopt;
  return std::pair{major, minor};
}

std::string scontrol_field(const std::string& line, const std::string& key) {
  const auto at = line.find(" " + key + "=");
  if (at == std::string::npos) return {};
  const auto begin = at + key.size() + 2;
  auto end = begin;
  while ((end = line.find(' ', end)) != std::string::npos) {
    auto word = end + 1;
    while (word < line.size() && (std::isalnum(static_cast<unsigned char>(line[word])) != 0 || line[word] == ':')) ++word;
    if (word > end + 1 && word < line.size() && line[word] == '=') break;
    end = word;
  }
  return line.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

std::vector<specs::Role> foreign_roles(const std::vector<Component>& components, std::vector<std::vector<int>>* offsets) {
  std::vector<specs::Role> roles;
  std::vector<std::vector<int>> by_role;
  for (const auto& c : components) {
    auto it = std::find_if(roles.begin(), roles.end(), [&](const auto& r) { return r.name == c.name; });
    if (it == roles.end()) {
      specs::Role role;
      role.name = c.name;
      role.num_replicas = 0;
      it = roles.insert(roles.end(), std::move(role));
      by_role.emplace_back();
    }
    ++it->num_replicas;
    by_role[static_cast<std::size_t>(it - roles.begin())].push_back(c.het_offset);
  }
  if (offsets != nullptr) *offsets = std::move(by_role);
  return roles;
}

}  // namespace torchx::slurm
