// SPDX-License-Identifier: BSD-3-Clause
#include "error_json.hpp"

#include "component_file.hpp"
#include "config.hpp"
#include "errors.hpp"
#include "log_filter.hpp"
#include "plugin_library.hpp"
#include "registry.hpp"
#include "scheduler_proxy.hpp"

#include <torchx/specs/errors.hpp>

#include <boost/json.hpp>

namespace json = boost::json;

namespace torchx::capi {
namespace {

const char* status_name(tx_status status) {
  switch (status) {
    case TX_OK:
      return "ok";
    case TX_E_INVALID_ARGUMENT:
      return "invalid_argument";
    case TX_E_NOT_FOUND:
      return "not_found";
    case TX_E_UNSUPPORTED:
      return "unsupported";
    case TX_E_UNAVAILABLE:
      return "unavailable";
    case TX_E_INTERNAL:
      break;
  }
  return "internal";
}

json::array strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

/// The type name and extra keys of the exception being handled; most specific first.
json::object describe_current() {
  try {
    throw;
  } catch (const specs::MalformedAppHandleError& e) {
    return {{"type", "MalformedAppHandleException"}, {"message", e.what()}};
  } catch (const specs::InvalidRunConfigError& e) {
    return {{"type", "InvalidRunConfigException"}, {"message", e.what()}, {"cfg_key", e.cfg_key()}};
  } catch (const runner::UnknownSchedulerError& e) {
    return {{"type", "UnknownSchedulerException"}, {"message", e.what()}};
  } catch (const runner::UnknownAppError& e) {
    return {{"type", "UnknownAppException"}, {"message", e.what()}};
  } catch (const runner::ComponentNotFoundError& e) {
    return {{"type", "ComponentNotFoundException"}, {"message", e.what()}};
  } catch (const runner::ComponentFileError& e) {
    return {{"type", "ComponentValidationException"}, {"message", e.what()}};
  } catch (const runner::ComponentError& e) {
    return {{"type", "ComponentError"}, {"message", e.what()}};
  } catch (const runner::ComponentArgsError& e) {
    return {{"type", "ComponentArgsError"}, {"message", e.what()}};
  } catch (const specs::AppDefValidationError& e) {
    return {{"type", "AppDefValidationError"}, {"message", e.what()}, {"problems", strings(e.problems())}};
  } catch (const runner::WorkspaceError& e) {
    return {{"type", "WorkspaceError"}, {"message", e.what()}};
  } catch (const specs::UnknownNamedResourceError& e) {
    return {{"type", "UnknownNamedResourceError"}, {"message", e.what()}};
  } catch (const specs::KeyValueParseError& e) {
    return {{"type", "KeyValueParseError"}, {"message", e.what()}};
  } catch (const specs::MountParseError& e) {
    return {{"type", "MountParseError"}, {"message", e.what()}};
  } catch (const specs::JsonDecodeError& e) {
    return {{"type", "JsonDecodeError"}, {"message", e.what()}, {"problems", strings(e.problems())}};
  } catch (const runner::InvalidLogRegexError& e) {
    return {{"type", "InvalidLogRegexError"}, {"message", e.what()}};
  } catch (const runner::UnknownTrackerError& e) {
    return {{"type", "UnknownTrackerError"}, {"message", e.what()}};
  } catch (const runner::ConfigError& e) {
    return {{"type", "ConfigError"}, {"message", e.what()}};
  } catch (const loader::PluginLoadError& e) {
    return {{"type", "PluginLoadError"}, {"message", e.what()}};
  } catch (const loader::PluginPolicyError& e) {
    return {{"type", "PluginPolicyError"}, {"message", e.what()}, {"problems", strings(e.problems())}};
  } catch (const loader::PluginCallError& e) {
    return {{"type", "PluginCallError"}, {"message", e.what()}, {"status", status_name(e.status())}};
  } catch (const InvalidRequestError& e) {
    return {{"type", "InvalidRequest"}, {"message", e.what()}};
  } catch (const specs::Error& e) {
    return {{"type", "TorchxError"}, {"message", e.what()}};
  } catch (const std::exception& e) {
    return {{"type", "InternalError"}, {"message", e.what()}};
  } catch (...) {
    return {{"type", "InternalError"}, {"message", "unknown exception"}};
  }
}

}  // namespace

std::string current_error_json(const std::vector<std::string>& warnings) noexcept {
  try {
    json::object error = describe_current();
    error["warnings"] = strings(warnings);
    return json::serialize(error);
  } catch (...) {
    return R"({"type": "InternalError", "message": "out of memory", "warnings": []})";
  }
}

}  // namespace torchx::capi
