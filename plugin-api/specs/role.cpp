// SPDX-License-Identifier: BSD-3-Clause
// RetryPolicy names and AppDef validation.
#include <torchx/specs/errors.hpp>
#include <torchx/specs/role.hpp>
#include <torchx/util/input_checks.hpp>

#include <set>

namespace torchx::specs {

const char* to_string(RetryPolicy policy) {
  switch (policy) {
    case RetryPolicy::replica: return "REPLICA";
    case RetryPolicy::role: return "ROLE";
    case RetryPolicy::application: break;
  }
  return "APPLICATION";
}

std::optional<RetryPolicy> retry_policy_from_string(std::string_view text) {
  if (text == "REPLICA") return RetryPolicy::replica;
  if (text == "APPLICATION") return RetryPolicy::application;
  if (text == "ROLE") return RetryPolicy::role;
  return std::nullopt;
}

namespace {

/// Why `name` cannot name an app or role (it becomes part of ids, paths and job names), or "".
std::string name_problem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name == "." || name == "..") return "'" + std::string(name) + "' is not a usable name";
  if (!util::is_valid_utf8(name)) return "'" + util::printable(name) + "' is not valid UTF-8";
  for (unsigned char c : name) {
    if (c == '/') return "'" + std::string(name) + "' contains '/'";
    if (c <= 0x20 || c == 0x7f) return "'" + util::printable(name) + "' contains whitespace or a control character";
  }
  return {};
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

/// " contains a NUL byte" or " is not valid UTF-8 ('...')" for text that cannot travel as JSON
/// to a plugin or as a C string to a process; "" when `s` can.
std::string text_problem(std::string_view s) {
  if (has_nul(s)) return " contains a NUL byte";
  if (!util::is_valid_utf8(s)) return " is not valid UTF-8 ('" + util::printable(s) + "')";
  return {};
}

void check_resource(const Resource& r, const std::string& where, std::vector<std::string>& problems) {
  if (!r.is_null()) {
    const std::pair<const char*, int> fields[] = {{"cpu", r.cpu}, {"gpu", r.gpu}, {"memMB", r.memMB}};
    for (const auto& [field, value] : fields) {
      if (value < 0) {
        problems.push_back(where + ": resource " + field + " is " + std::to_string(value) +
                           ", expected 0 or more (or -1 for cpu, gpu and memMB together: no resource)");
      }
    }
  }
  for (const auto& [device, count] : r.devices) {
    if (device.empty()) problems.push_back(where + ": resource device with an empty name");
    if (count < 0) problems.push_back(where + ": resource device '" + device + "' count is " + std::to_string(count));
  }
}

void check_mounts(const std::vector<Mount>& mounts, const std::string& where, std::vector<std::string>& problems) {
  for (std::size_t i = 0; i < mounts.size(); ++i) {
    const std::string at = where + ": mounts[" + std::to_string(i) + "] (" + mount_type_name(mounts[i]) + ")";
    std::visit(
        [&](const auto& m) {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, VolumeMount>) {
            if (m.src.empty()) problems.push_back(at + ": src is empty");
          } else {
            if (m.src_path.empty()) problems.push_back(at + ": src_path is empty");
          }
          if (m.dst_path.empty() || m.dst_path[0] != '/') {
            problems.push_back(at + ": dst_path '" + m.dst_path + "' is not an absolute path");
          }
          if constexpr (std::is_same_v<T, DeviceMount>) {
            if (m.permissions.find_first_not_of("rwm") != std::string::npos) {
              problems.push_back(at + ": permissions '" + m.permissions + "' must be made of r, w, m");
            }
          }
        },
        mounts[i]);
  }
}

void check_role(const Role& role, std::vector<std::string>& problems) {
  const std::string where = "role '" + role.name + "'";
  if (auto p = name_problem(role.name); !p.empty()) problems.push_back("role name " + p);
  if (role.entrypoint.empty() || role.entrypoint == k_missing) problems.push_back(where + ": no entrypoint");
  if (role.num_replicas <= 0) {
    problems.push_back(where + ": num_replicas is " + std::to_string(role.num_replicas) + ", expected 1 or more");
  } else if (role.num_replicas > k_max_num_replicas) {
    problems.push_back(where + ": num_replicas is " + std::to_string(role.num_replicas) + ", more than " +
                       std::to_string(k_max_num_replicas) + " (the most one role may have)");
  }
  if (role.min_replicas && (*role.min_replicas < 0 || *role.min_replicas > role.num_replicas)) {
    problems.push_back(where + ": min_replicas is " + std::to_string(*role.min_replicas) + ", expected 0 to num_replicas (" +
                       std::to_string(role.num_replicas) + ")");
  }
  if (role.max_retries < 0) {
    problems.push_back(where + ": max_retries is " + std::to_string(role.max_retries) + ", expected 0 or more");
  }
  check_resource(role.resource, where, problems);
  for (const auto& [port_name, port] : role.port_map) {
    if (port < 1 || port > 65535) {
      problems.push_back(where + ": port '" + port_name + "' is " + std::to_string(port) + ", expected 1 to 65535");
    }
  }
  if (auto p = text_problem(role.image); !p.empty()) problems.push_back(where + ": image" + p);
  if (auto p = text_problem(role.entrypoint); !p.empty()) problems.push_back(where + ": entrypoint" + p);
  for (std::size_t i = 0; i < role.args.size(); ++i) {
    if (auto p = text_problem(role.args[i]); !p.empty()) {
      problems.push_back(where + ": args[" + std::to_string(i) + "]" + p);
    }
  }
  for (const auto& [key, value] : role.env) {
    if (key.empty() || key.find('=') != std::string::npos || has_nul(key)) {
      problems.push_back(where + ": env name '" + util::printable(key) + "' is empty or contains '=' or a NUL byte");
    } else if (auto p = text_problem(key); !p.empty()) {
      problems.push_back(where + ": env name" + p);
    }
    if (auto p = text_problem(value); !p.empty()) {
      problems.push_back(where + ": env '" + util::printable(key) + "'" + p);
    }
  }
  check_mounts(role.mounts, where, problems);
}

}  // namespace

std::vector<std::string> validation_problems(const AppDef& app) {
  std::vector<std::string> problems;
  if (auto p = name_problem(app.name); !p.empty()) problems.push_back("app name " + p);
  if (app.roles.empty()) problems.push_back("no roles (did you forget to add roles to the AppDef?)");
  for (const auto& [key, value] : app.metadata) {
    if (auto p = text_problem(key); !p.empty()) problems.push_back("metadata key" + p);
    if (auto p = text_problem(value); !p.empty()) problems.push_back("metadata '" + util::printable(key) + "'" + p);
  }
  std::set<std::string> seen;
  for (const auto& role : app.roles) {
    check_role(role, problems);
    if (!role.name.empty() && !seen.insert(role.name).second) {
      problems.push_back("role '" + role.name + "' is defined more than once");
    }
  }
  return problems;
}

void validate(const AppDef& app) {
  auto problems = validation_problems(app);
  if (!problems.empty()) throw AppDefValidationError(app.name, std::move(problems));
}

}  // namespace torchx::specs
