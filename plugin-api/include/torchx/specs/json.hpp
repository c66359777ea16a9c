// SPDX-License-Identifier: BSD-3-Clause
// JSON codecs of the specs types, with TorchX's attribute names as keys.
//
// Text in, text out, so this header stays light: Boost.JSON is used only inside the library.
// Decoding is strict about types and lenient about keys: a key of the wrong type is a problem,
// an unknown key is ignored (payloads grow by adding keys; see plugin-api/docs/payloads.md),
// a missing key takes the field's default, except the names that TorchX requires. Every problem
// is reported at once in one JsonDecodeError, each with its path (`roles[0].num_replicas`).
#pragma once

#include <torchx/specs/app_status.hpp>
#include <torchx/specs/role.hpp>
#include <torchx/specs/run_opts.hpp>
#include <torchx/specs/scheduler_types.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace torchx::specs {

/// `{"name", "roles": [...], "metadata": {...}}`; roles as `to_json(const Role&)`.
std::string to_json(const AppDef& app);
/// Every Role field: `name, image, min_replicas, base_image, entrypoint, args, env, num_replicas,
/// max_retries, retry_policy ("APPLICATION"), resource {cpu, gpu, memMB, capabilities, devices,
/// tags}, port_map, metadata, mounts [{"type": "bind", "src_path", "dst_path", "read_only"}, ...],
/// overrides`. Unset optionals are null.
std::string to_json(const Role& role);
std::string to_json(const Resource& resource);
/// TorchX's `AppStatus.to_json()`: `{"state": "RUNNING", "num_restarts", "roles": [{"role",
/// "replicas": [{"id", "state": 3, "role", "hostname", "structured_error_msg"}]}], "msg",
/// "structured_error_msg", "url"}` (replica states as numbers, as TorchX's `asdict`).
std::string to_json(const AppStatus& status, const std::vector<std::string>& filter_roles = {});
/// A run config as a JSON object (None as null, lists as arrays, dicts as objects).
std::string to_json(const Cfg& cfg);

/// The run options schema: `[{"name", "type": "str"|"int"|"float"|"bool"|"list"|"dict",
/// "default", "required", "help"}]`.
std::string to_json(const RunOpts& opts);
/// `{"app_id", "state", "num_restarts", "msg", "structured_error_msg", "ui_url", "metadata",
/// "roles_statuses": [RoleStatus], "roles": [Role]}`.
std::string to_json(const DescribeAppResponse& response);
/// `{"app_id", "state", "app_handle", "name"}`.
std::string to_json(const ListAppResponse& item);
std::string to_json(const std::vector<ListAppResponse>& items);
/// `{"app_id", "role_name", "k", "regex", "since", "until", "should_tail", "streams"}`.
std::string to_json(const LogQuery& query);

AppDef app_def_from_json(std::string_view json);
Role role_from_json(std::string_view json);
Resource resource_from_json(std::string_view json);
/// Accepts the state as a name ("RUNNING") or number, for the app and each replica.
AppStatus app_status_from_json(std::string_view json);
RunOpts run_opts_from_json(std::string_view json);
DescribeAppResponse describe_app_response_from_json(std::string_view json);
std::vector<ListAppResponse> list_app_responses_from_json(std::string_view json);
LogQuery log_query_from_json(std::string_view json);
/// A run config object: strings, integers, numbers, booleans, arrays of strings, objects of
/// strings and null.
Cfg cfg_from_json(std::string_view json);

/// What a scheduler's dryrun or schedule call carries (payloads.md, "Scheduler calls"), decoded
/// from one parse of the host's text: no member is serialized to be parsed again.
struct SchedulerCall {
  AppDef app;
  Cfg cfg;
  /// "workspace": nullopt when absent or null.
  std::optional<std::string> workspace;
  /// "workspace" is there but neither a string nor null (the SDK refuses the call).
  bool workspace_malformed = false;
  /// "request" as compact JSON text (schedule only; empty unless asked for).
  std::string request_json;
};

/// Decodes `{"app": AppDef, "cfg": Run config, "workspace": ..., "request": ...}` with the same
/// checks and the same errors, in the same order, as app_def_from_json and cfg_from_json of each
/// member: text that is not JSON or not an object, or a missing "app", "cfg" (or, with
/// `with_request`, "request"), throws what boost::json throws for it (std::exception, not
/// specs::Error); a bad AppDef or cfg throws JsonDecodeError ("AppDef", "run config").
SchedulerCall scheduler_call_from_json(std::string_view json, bool with_request);

}  // namespace torchx::specs
