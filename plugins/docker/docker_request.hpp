// SPDX-License-Identifier: BSD-3-Clause
// What local_docker asks the engine for: one per-app network and one container per replica,
// rendered from an AppDef as Docker Engine API (v1.41) bodies. Pure: no engine is contacted, so
// dryrun works anywhere and every rule is a unit test.
#pragma once

#include <torchx/specs/dict.hpp>
#include <torchx/specs/role.hpp>

#include <boost/json/object.hpp>

#include <string>

namespace torchx::docker {

/// TorchX's labels: every container and the app's network carry them, so any process finds an
/// app by label.
inline constexpr const char* k_label_version = "torchx.pytorch.org/version";
inline constexpr const char* k_label_app_id = "torchx.pytorch.org/app-id";
inline constexpr const char* k_label_role_name = "torchx.pytorch.org/role-name";
inline constexpr const char* k_label_replica_id = "torchx.pytorch.org/replica-id";
/// Ours: the AppDef's name, for `list`.
inline constexpr const char* k_label_app_name = "torchx.pytorch.org/app-name";
/// Ours: on the volume `torchx-<app id>-cancelled` that cancel leaves as the app's record.
inline constexpr const char* k_label_cancelled = "torchx.pytorch.org/cancelled";

struct RequestOptions {
  std::string app_id;
  std::string version;              ///< the label torchx.pytorch.org/version
  specs::Dict<std::string> env;     ///< copy_env matches, then the cfg's env (the role's env wins)
  bool privileged = false;
};

/// A replica's container name and hostname, as TorchX: `<app_id[-30:]>-<role[:30]>-<i>` with
/// leading characters other than letters and digits removed.
std::string container_name(const std::string& app_id, const std::string& role, int replica_id);

/// The app's own network: `torchx-<app_id>` (apps of more than one replica).
std::string network_name(const std::string& app_id);

/// The volume cancel leaves as the record that the app was cancelled: `torchx-<app_id>-cancelled`.
std::string cancelled_marker_name(const std::string& app_id);

/// The request: `{"app_id", "network": <networks/create body, or null for an app of one replica,
/// which runs on the engine's default network>, "containers": [{"name", "role",
/// "replica_id", "create": <containers/create body>}]}`. Throws std::invalid_argument, saying
/// why, for what the engine cannot honour (a retry policy other than per-replica restarts when
/// the role or app has several replicas).
boost::json::object make_request(const specs::AppDef& app, const RequestOptions& options);

/// Throws std::invalid_argument naming each bind mount source of `request` (make_request's) that
/// does not exist on this machine: Docker refuses one, but Podman creates it on the host as an
/// empty directory, so a typo ran the job on an empty mount. Checked when scheduling, as the
/// engine's socket is local.
void check_bind_sources(const boost::json::object& request);

/// What `torchx run --dryrun` prints: per container its command line and the create body.
std::string request_text(const boost::json::object& request);

}  // namespace torchx::docker
