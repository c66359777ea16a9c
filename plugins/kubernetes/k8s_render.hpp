// SPDX-License-Identifier: BSD-3-Clause
// An AppDef as Kubernetes objects, as TorchX renders them (reference §4.5): a Volcano
// `batch.volcano.sh/v1alpha1` Job (TorchX's shape), or, for clusters without Volcano, a plain
// `batch/v1` Indexed Job per role with a headless Service so that rank 0 has a name. And the YAML
// `--dryrun` prints. Plugin-internal: includes Boost.JSON.
#pragma once

#include <torchx/specs/role.hpp>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace torchx::k8s {

/// The labels every object and pod carries (TorchX's names); `list` selects by k_label_managed_by.
inline constexpr const char* k_label_version = "torchx.pytorch.org/version";
inline constexpr const char* k_label_app_name = "torchx.pytorch.org/app-name";
inline constexpr const char* k_label_role_index = "torchx.pytorch.org/role-index";
inline constexpr const char* k_label_role_name = "torchx.pytorch.org/role-name";
inline constexpr const char* k_label_replica_id = "torchx.pytorch.org/replica-id";
inline constexpr const char* k_label_name = "app.kubernetes.io/name";
inline constexpr const char* k_label_managed_by = "app.kubernetes.io/managed-by";
inline constexpr const char* k_managed_by = "torchx.pytorch.org";
inline constexpr const char* k_label_instance = "app.kubernetes.io/instance";

enum class JobKind {
  volcano,  ///< one `batch.volcano.sh/v1alpha1` Job, a task per replica (TorchX's)
  batch,    ///< `batch/v1` Jobs (Indexed completions, one per role) + a headless `v1` Service
};

struct RenderOptions {
  std::string name;                  ///< the unique app name (already normalized), metadata.name
  std::string namespace_ = "default";
  JobKind kind = JobKind::volcano;
  std::string queue;                 ///< Volcano queue (volcano only)
  std::string service_account;       ///< empty: none
  std::string priority_class;        ///< empty: none
  std::string version;               ///< the torchx.pytorch.org/version label
};

/// TorchX's normalize_str: drop one leading '-', lowercase, keep [a-z0-9-].
std::string normalize_name(std::string_view s);

/// The objects to create, in creation order (batch: the Service first, then the Jobs), each a
/// complete object with apiVersion, kind and metadata (namespace included). Throws
/// std::invalid_argument (one line) for an AppDef Kubernetes cannot run.
boost::json::array render(const specs::AppDef& app, const RenderOptions& options);

/// `v` as block YAML the way TorchX's dryrun prints it (PyYAML safe_dump: keys in the order
/// given, strings quoted only when YAML needs it). Objects separated by `---` when given an array
/// with `as_documents`.
std::string to_yaml(const boost::json::value& v, bool as_documents = false);

}  // namespace torchx::k8s
