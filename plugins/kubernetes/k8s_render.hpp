// SPDX-License-Identifier: BSD-3-Clause
// An AppDef as Kubernetes objects, as TorchX renders them (reference §4.5): a Volcano
// `batch.volcano.sh/v1alpha1` Job (TorchX's shape), or, for clusters without Volcano, a plain
// `batch/v1` Indexed Job per role with a headless Service so that rank 0 has a name. And the YAML
// `--dryrun` prints. Plugin-internal: includes Boost.JSON.
#pragma once

#include <torchx/specs/role.hpp>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
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
  std::string name;                  ///< the unique app name (unique_app_name()), metadata.name / app id
  std::string namespace_ = "default";
  JobKind kind = JobKind::volcano;
  std::string queue;                 ///< Volcano queue (volcano only); empty: the field is left out
  std::string service_account;       ///< empty: none
  std::string priority_class;        ///< empty: none
  std::string version;               ///< the torchx.pytorch.org/version label
};

/// The env var every batch/v1 pod reads its replica id from (the completion index, put there with
/// a fieldRef to the `batch.kubernetes.io/job-completion-index` annotation): `${replica_id}`
/// becomes `$(TORCHX_REPLICA_ID)`, which Kubernetes expands in args and in later env values.
inline constexpr const char* k_env_replica_id = "TORCHX_REPLICA_ID";
/// The env var that names the rank-0 host (TorchX's): `localhost` on role 0 replica 0 of a Volcano
/// job; on batch/v1, `<role 0 job>-0.<service>` on every pod.
inline constexpr const char* k_env_rank0_host = "TORCHX_RANK0_HOST";
/// The longest normalized app name unique_app_name() keeps before `-<13 random characters>`, so
/// that every name render() derives fits a 63-character DNS label (see docs/kubernetes.md).
inline constexpr std::size_t k_max_app_name_prefix = 32;

/// TorchX's normalize_str: drop one leading '-', lowercase, keep [a-z0-9-].
std::string normalize_name(std::string_view s);

/// TorchX's `normalize_str(make_unique(app.name))`, made to fit: the normalized app name cut to
/// k_max_app_name_prefix characters (trailing '-' dropped), '-', 13 random characters (at most 46
/// in all). Throws std::invalid_argument when the name has no character a Kubernetes name allows.
/// Thread-safe.
std::string unique_app_name(std::string_view app_name);

/// The name of the batch/v1 Job that runs role `role_index` of an app named `app_name` (the
/// unique name): `<app_name>-<normalized role name>`, or `<app_name>-r<role_index>` when that would
/// not leave room for the pod host name `<job>-<index>` in 63 characters. Throws
/// std::invalid_argument (one line) when neither fits or the role name normalizes to nothing.
std::string batch_job_name(std::string_view app_name, const specs::Role& role, std::size_t role_index);

/// The headless Service of a batch/v1 app: the app name, or `tx-<app name>` when the name starts
/// with a digit (a Service name must start with a letter).
std::string batch_service_name(std::string_view app_name);

/// The objects to create, in creation order (batch: the Service first, then one Job per role),
/// each a complete object with apiVersion, kind and metadata (namespace included). Pure: no I/O,
/// thread-safe. Throws std::invalid_argument (one line naming the role and field) for an AppDef
/// Kubernetes cannot run: a name that normalizes to nothing or is too long, a role with no
/// replicas, a negative cpu/gpu/memMB/device count (other than TorchX's NULL resource), a mount
/// Kubernetes cannot express (relative host path, bad claim name), a bad port name, retry policy
/// ROLE with retries, a non-string instance-type capability.
boost::json::array render(const specs::AppDef& app, const RenderOptions& options);

/// `v` as block YAML exactly as TorchX's dryrun prints it: PyYAML `yaml.dump` defaults, so keys
/// sorted, strings quoted only when YAML needs it (single quotes; double quotes with escapes for
/// control and non-ASCII characters, as allow_unicode=False does), lines folded at 80 columns.
/// With `as_documents` and an array, each element is a document, separated by `---` (PyYAML's
/// `dump_all`). Pure, thread-safe. Throws std::invalid_argument if a string is not UTF-8.
std::string to_yaml(const boost::json::value& v, bool as_documents = false);

}  // namespace torchx::k8s
