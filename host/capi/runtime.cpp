// SPDX-License-Identifier: BSD-3-Clause
// The C functions of torchx/runner_c.h: handles, strings, and the catch-all edge (fmt's C shim:
// every exception becomes an error object, nothing unwinds into the caller).
#include <torchx/runner_c.h>

#include "config.hpp"
#include "error_json.hpp"
#include "methods.hpp"
#include "registry.hpp"
#include "runner.hpp"
#include "scheduler_proxy.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <memory>
#include <mutex>

namespace json = boost::json;
using namespace torchx;

/// What a tx_runner and its log streams share; released with the last of them.
struct RunnerState {
  std::mutex mutex;  ///< serializes calls on the runner (torchx/runner_c.h, "Threading")
  std::unique_ptr<loader::Registry> registry;
  std::unique_ptr<runner::Runner> runner;
  std::vector<std::string> warnings;  ///< collected during one call
};

struct tx_runner {
  std::shared_ptr<RunnerState> state;
};

struct tx_log_stream {
  std::shared_ptr<RunnerState> state;  ///< keeps the scheduler instance alive past tx_runner_close
  std::unique_ptr<loader::LogStream> stream;
  bool failed = false;
};

namespace {

/// A copy of `text` that the caller frees with tx_free (nullptr if out of memory).
char* copy_out(std::string_view text) {
  auto* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out == nullptr) return nullptr;
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return out;
}

std::string_view view(const char* text) { return text == nullptr ? std::string_view{} : std::string_view(text); }

/// Logs go to stderr (never the embedding program's stdout) at $LOGLEVEL, default WARNING, as
/// `torchx <date> <time> <level> <message>`: set once, on the first open.
void init_logging_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto logger = spdlog::stderr_logger_mt("torchx-runtime");
    logger->set_pattern("torchx %Y-%m-%d %H:%M:%S %-8l %v");
    const char* env = std::getenv("LOGLEVEL");
    const std::string level = env == nullptr ? "" : env;
    spdlog::level::level_enum lvl = spdlog::level::warn;
    if (level == "DEBUG")
      lvl = spdlog::level::debug;
    else if (level == "INFO")
      lvl = spdlog::level::info;
    else if (level == "ERROR")
      lvl = spdlog::level::err;
    else if (level == "CRITICAL")
      lvl = spdlog::level::critical;
    logger->set_level(lvl);
    spdlog::set_default_logger(std::move(logger));
  });
}

/// Builds the runner of `options_json` (torchx/runner_c.h, tx_runner_open).
std::shared_ptr<RunnerState> open_state(std::string_view options_json) {
  json::object options;
  if (!options_json.empty()) {
    boost::system::error_code ec;
    json::value v = json::parse(options_json, ec);
    if (ec) throw capi::InvalidRequestError("runner options are not JSON: " + ec.message());
    if (!v.is_object()) throw capi::InvalidRequestError("runner options must be a JSON object");
    options = std::move(v.as_object());
  }
  auto get = [&](const char* key) -> const json::value* {
    const json::value* v = options.if_contains(key);
    return (v == nullptr || v->is_null()) ? nullptr : v;
  };
  auto bad = [](const char* key, const char* expected) {
    return capi::InvalidRequestError(std::string("runner option '") + key + "' must be " + expected);
  };

  loader::RegistryOptions registry_options;
  // The bundled plugins are next to this library, not the executable (Python's interpreter).
  const std::filesystem::path library_dir =
      loader::SearchPathInputs::library_dir(reinterpret_cast<const void*>(&tx_runner_open));
  registry_options.search.anchor_dir = library_dir;
  registry_options.search.bundled_relative = loader::SearchPathInputs::bundled_from_libdir();
  if (const auto* paths = get("plugin_path")) {
    if (!paths->is_array()) throw bad("plugin_path", "a list of directories");
    for (const auto& p : paths->get_array()) {
      if (!p.is_string()) throw bad("plugin_path", "a list of directories");
      registry_options.search.cli_dirs.emplace_back(p.get_string());
    }
  }
  std::string session = "torchx";
  if (const auto* name = get("name")) {
    if (!name->is_string() || name->get_string().empty()) throw bad("name", "a non-empty string");
    session = name->get_string();
  }
  std::string config_use = "library";
  if (const auto* c = get("config")) {
    if (!c->is_string()) throw bad("config", "\"library\", \"all\" or \"none\"");
    config_use = c->get_string();
    if (config_use != "library" && config_use != "all" && config_use != "none") {
      throw bad("config", "\"library\", \"all\" or \"none\"");
    }
  }
  std::map<std::string, std::map<std::string, std::string>> component_defaults;
  if (const auto* d = get("component_defaults")) {
    if (!d->is_object()) throw bad("component_defaults", "an object of objects of strings");
    for (const auto& component : d->get_object()) {
      if (!component.value().is_object()) throw bad("component_defaults", "an object of objects of strings");
      for (const auto& arg : component.value().get_object()) {
        if (!arg.value().is_string()) throw bad("component_defaults", "an object of objects of strings");
        component_defaults[std::string(component.key())][std::string(arg.key())] = arg.value().get_string();
      }
    }
  }

  auto state = std::make_shared<RunnerState>();
  state->registry = std::make_unique<loader::Registry>(loader::Registry::discover(registry_options));
  state->registry->check_policy();
  state->runner = std::make_unique<runner::Runner>(*state->registry, session);
  state->runner->set_python_package_anchor(library_dir);  // <prefix>/lib: the package is found from there
  state->runner->set_warning_handler([raw = state.get()](const std::string& w) { raw->warnings.push_back(w); });
  if (config_use != "none") {
    state->runner->use_config(runner::Config::load(),
                              config_use == "all" ? runner::ConfigUse{} : runner::ConfigUse::library());
  }
  if (!component_defaults.empty()) state->runner->set_component_defaults(std::move(component_defaults));
  return state;
}

std::string with_warnings(std::string_view result_json, const std::vector<std::string>& warnings) {
  json::array w;
  for (const auto& s : warnings) w.emplace_back(s);
  return json::serialize(json::object{{"result", json::parse(result_json)}, {"warnings", std::move(w)}});
}

}  // namespace

extern "C" {

int tx_runner_api_version(void) { return TX_RUNNER_C_API_VERSION; }

const char* tx_runtime_version(void) { return TORCHX_VERSION; }

void tx_free(char* text) { std::free(text); }

tx_runner_status tx_runner_open(const char* options_json, tx_runner** out, char** error_json) {
  if (out == nullptr || error_json == nullptr) return TX_RUNNER_MISUSE;
  *out = nullptr;
  *error_json = nullptr;
  try {
    init_logging_once();
    auto state = open_state(view(options_json));
    *out = new tx_runner{std::move(state)};
    return TX_RUNNER_OK;
  } catch (...) {
    *error_json = copy_out(capi::current_error_json({}));
    return TX_RUNNER_ERROR;
  }
}

void tx_runner_close(tx_runner* runner) {
  if (runner == nullptr) return;
  const std::shared_ptr<RunnerState> state = runner->state;  // alive until the lock is released
  const std::lock_guard lock(state->mutex);                  // a call in progress finishes first
  delete runner;
}

tx_runner_status tx_runner_call(tx_runner* runner, const char* method, const char* request_json, char** response_json) {
  if (runner == nullptr || method == nullptr || response_json == nullptr) return TX_RUNNER_MISUSE;
  *response_json = nullptr;
  RunnerState& state = *runner->state;
  const std::lock_guard lock(state.mutex);
  state.warnings.clear();
  try {
    const std::string result = capi::call_method(*state.runner, method, view(request_json));
    *response_json = copy_out(with_warnings(result, state.warnings));
    return TX_RUNNER_OK;
  } catch (...) {
    *response_json = copy_out(capi::current_error_json(state.warnings));
    return TX_RUNNER_ERROR;
  }
}

tx_runner_status tx_log_open(tx_runner* runner, const char* request_json, tx_log_stream** out, char** error_json) {
  if (runner == nullptr || out == nullptr || error_json == nullptr) return TX_RUNNER_MISUSE;
  *out = nullptr;
  *error_json = nullptr;
  RunnerState& state = *runner->state;
  const std::lock_guard lock(state.mutex);
  state.warnings.clear();
  try {
    auto stream = capi::open_log(*state.runner, view(request_json));
    *out = new tx_log_stream{runner->state, std::move(stream)};
    return TX_RUNNER_OK;
  } catch (...) {
    *error_json = copy_out(capi::current_error_json(state.warnings));
    return TX_RUNNER_ERROR;
  }
}

tx_runner_status tx_log_next(tx_log_stream* stream, char** line, size_t* length, char** error_json) {
  if (stream == nullptr || line == nullptr || length == nullptr || error_json == nullptr) return TX_RUNNER_MISUSE;
  *line = nullptr;
  *length = 0;
  *error_json = nullptr;
  if (stream->failed) return TX_RUNNER_END;
  try {
    auto next = stream->stream->next();
    if (!next) return TX_RUNNER_END;
    *line = copy_out(*next);
    *length = next->size();
    return TX_RUNNER_OK;
  } catch (...) {
    stream->failed = true;
    *error_json = copy_out(capi::current_error_json({}));
    return TX_RUNNER_ERROR;
  }
}

void tx_log_close(tx_log_stream* stream) {
  if (stream == nullptr) return;
  try {
    stream->stream.reset();  // the plugin's log_close, while the scheduler instance still lives
  } catch (...) {
  }
  delete stream;
}

}  // extern "C"
