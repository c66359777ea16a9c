/* SPDX-License-Identifier: BSD-3-Clause */
/* torchx/runner_c.h: the C API of the torchx runner (libtorchx_runtime.so).
 *
 * The same Runner as the `torchx` CLI (loader, plugins, .torchxconfig rules, trackers), for
 * programs that are not C++: the Python package `torchx.runner` uses it through ctypes. Every
 * value crosses as UTF-8 JSON text in the forms of plugin-api/docs/payloads.md (AppDef,
 * AppStatus, run config, ...); docs/python.md lists the methods and their requests.
 *
 * Ownership: every `char*` this library hands out (responses, errors, log lines) is allocated
 * by it and must be released with tx_free(); every `const char*` it is given is only read during
 * the call. Handles (tx_runner, tx_log_stream) are released with their close function.
 *
 * Errors: a function that fails returns TX_RUNNER_ERROR and writes an error object
 *   {"type": "UnknownAppException", "message": "app 'local_cwd://torchx/x' not found ...",
 *    "warnings": [...], ...}
 * where `type` is TorchX's exception name where TorchX has one (MalformedAppHandleException,
 * UnknownSchedulerException, UnknownAppException, InvalidRunConfigException (+ "cfg_key"),
 * ComponentNotFoundException, ComponentValidationException) and ours otherwise
 * (ComponentArgsError, ComponentError (a component failed to build its AppDef),
 * AppDefValidationError (+ "problems"), WorkspaceError,
 * UnknownNamedResourceError, KeyValueParseError, MountParseError, JsonDecodeError,
 * InvalidLogRegexError, ConfigError, PluginLoadError, PluginPolicyError (+ "problems"),
 * PluginCallError (+ "status": "invalid_argument" | "not_found" | "unsupported" | "unavailable"
 * | "internal"), InvalidRequest (a malformed request to this API), TorchxError (any other
 * failure of torchx) and InternalError (a bug). No C++ exception ever leaves this library. TX_RUNNER_MISUSE is returned, with nothing written, for a
 * NULL pointer where one is required.
 *
 * Threading: a tx_runner may be used from any thread; calls on one runner are serialized by
 * the runner itself (a mutex). A tx_log_stream is read by one thread at a time, and may be read
 * while other calls run on its runner. Blocking happens only in tx_log_next on a stream opened
 * with "should_tail": true (until a line arrives or the app ends); callers that must stay
 * interruptible read such a stream on a thread of their own. Nothing here waits for an app to
 * finish: poll "status".
 *
 * Versioning: functions are only ever added; TX_RUNNER_C_API_VERSION is bumped when one is, and
 * tx_runner_api_version() says which the loaded library implements. */
#ifndef TORCHX_RUNNER_C_H
#define TORCHX_RUNNER_C_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TX_RUNNER_C_API_VERSION 1

#if defined(__GNUC__)
#define TX_RUNNER_EXPORT __attribute__((visibility("default")))
#else
#define TX_RUNNER_EXPORT
#endif

/** What every function of this API returns. */
typedef enum tx_runner_status {
  TX_RUNNER_OK = 0,     /**< done; the output was written */
  TX_RUNNER_ERROR = 1,  /**< failed; the error object was written (see above) */
  TX_RUNNER_END = 2,    /**< tx_log_next only: no more lines; nothing was written */
  TX_RUNNER_MISUSE = 3  /**< a required pointer was NULL; nothing was written */
} tx_runner_status;

/** A Runner with its plugin registry. Opaque. */
typedef struct tx_runner tx_runner;
/** The log lines of one replica. Opaque. */
typedef struct tx_log_stream tx_log_stream;

/** The API version this library implements (TX_RUNNER_C_API_VERSION when it was built). Any
 * thread; never fails. */
TX_RUNNER_EXPORT int tx_runner_api_version(void);

/** The torchx version ("0.1.0"): a static string, not to be freed. Any thread; never fails. */
TX_RUNNER_EXPORT const char* tx_runtime_version(void);

/** Releases a string this library returned. NULL is ignored. Any thread. */
TX_RUNNER_EXPORT void tx_free(char* text);

/** Opens a runner: discovers the plugins (reads manifests, loads nothing) on the search path of
 * the CLI, with the bundled plugins found next to this library (not the executable), reads
 * .torchxconfig as `options` say, and checks the site plugin policy.
 * `options_json` (NULL or "" mean {}):
 *   {"name": "torchx",            session name, the middle part of app handles
 *    "plugin_path": ["DIR", ...], searched first, like `torchx --plugin-path`
 *    "config": "library",         which .torchxconfig rules apply: "library" (TorchX's
 *                                 get_runner: trackers and named-resource presets), "all" (the
 *                                 CLI's: also [<scheduler>] run options and [component:NAME]
 *                                 defaults) or "none"
 *    "component_defaults": {"dist.ddp": {"j": "1x2"}}}  argument defaults per component
 * On success writes a new runner to *out (close it with tx_runner_close). On failure writes the
 * error to *error_json (PluginPolicyError, ConfigError, InvalidRequest). Any thread. */
TX_RUNNER_EXPORT tx_runner_status tx_runner_open(const char* options_json, tx_runner** out, char** error_json);

/** Closes a runner, after a call in progress on another thread has finished; calls made after
 * it are not allowed (the handle is freed). Scheduler instances are released when the last log
 * stream opened on the runner is closed. NULL is ignored. */
TX_RUNNER_EXPORT void tx_runner_close(tx_runner* runner);

/** Calls `method` with `request_json` (an object; NULL or "" mean {}). On success writes
 *   {"result": <the method's answer>, "warnings": ["...", ...]}
 * to *response_json; on failure the error object. Either way the caller frees it with tx_free.
 * `warnings` are the runner's (ignored .torchxconfig keys, ...), one line each.
 * Methods (requests and answers: docs/python.md, "The C API"): scheduler_backends, run_opts,
 * cfg_from_str, resolve_cfg, component_signature, build_request, build_component, dryrun,
 * dryrun_component, schedule, status, describe, cancel, list, delete, named_resource,
 * named_resources. An unknown method is InvalidRequest. */
TX_RUNNER_EXPORT tx_runner_status tx_runner_call(tx_runner* runner, const char* method, const char* request_json,
                                                 char** response_json);

/** Opens the log lines of one replica:
 *   {"app_handle": "...", "role_name": "...", "k": 0, "regex": null, "since": null,
 *    "until": null, "should_tail": false, "streams": null | "stdout" | "stderr" | "combined"}
 * `regex` is RE2 syntax, applied here. On success writes the stream to *out (close it with
 * tx_log_close); on failure the error to *error_json (UnknownAppException,
 * InvalidLogRegexError, PluginCallError, ...). Serialized with the runner's other calls. */
TX_RUNNER_EXPORT tx_runner_status tx_log_open(tx_runner* runner, const char* request_json, tx_log_stream** out,
                                              char** error_json);

/** Reads the next line (without its line break; bytes as the job wrote them, not necessarily
 * UTF-8, possibly holding NUL) into *line and its length into *length (the text is also
 * NUL-terminated), to be freed with tx_free. TX_RUNNER_END when there are no more lines;
 * TX_RUNNER_ERROR with the error in *error_json (PluginCallError), after which the stream only
 * answers TX_RUNNER_END. Blocks while tailing (see Threading). */
TX_RUNNER_EXPORT tx_runner_status tx_log_next(tx_log_stream* stream, char** line, size_t* length, char** error_json);

/** Closes a stream. NULL is ignored. Must not run concurrently with tx_log_next on it. */
TX_RUNNER_EXPORT void tx_log_close(tx_log_stream* stream);

#ifdef __cplusplus
}
#endif

#endif /* TORCHX_RUNNER_C_H */
