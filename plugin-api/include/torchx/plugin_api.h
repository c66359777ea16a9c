/* SPDX-License-Identifier: BSD-3-Clause */
/* torchx plugin C ABI, version 1: the contract between the torchx host and its plugins.
 *
 * A plugin is a shared library with exactly one exported symbol, tx_plugin_negotiate, and a JSON
 * manifest that names it (plugin-api/docs/manifest.md). Through negotiation it hands the host
 * tables of function pointers for the things it provides: schedulers, component libraries,
 * trackers, named-resource sets and (since revision 1.1) commands. Data crosses as UTF-8 JSON text whose schemas are in
 * plugin-api/docs/payloads.md; this header never changes shape for a new payload field.
 *
 * Rules that hold for every function below (plugin-api/docs/abi.md says why):
 * - Versioning. Tables only grow at the end. Each starts with struct_size, set to sizeof the table
 *   the plugin was compiled with. A member exists iff it lies within struct_size (TX_HAS_MEMBER);
 *   an optional member that is NULL or absent means "not supported", which the host reports in
 *   words. The host accepts a table whose struct_size is at least the v1 layout's size
 *   (TX_SCHEDULER_V1_SIZE and friends, below), so a plugin built against an older header keeps
 *   loading when members are appended; a larger table than the host knows is accepted and its
 *   unknown tail ignored. Each member below says "Required" (the host refuses a table without it)
 *   or "Optional" (NULL: not supported); every member of the v1 layout lies within the v1 size.
 *   Members appended later are optional by definition, start at or after the previous version's
 *   sizeof (never in its tail padding), and say which version added them. A breaking change adds
 *   _v2 types beside these and a new TX_ABI_VERSION. One validator, torchx/abi_check.hpp, applies
 *   these rules for the host and the conformance harness.
 * - Ownership. Input strings are borrowed for the duration of the call: copy what you keep.
 *   Output goes into host-owned sinks (tx_sink), which copy the bytes at once. Nothing is freed
 *   across the boundary. Strings and tables the plugin hands out in tx_plugin_info are
 *   plugin-owned and must stay valid and unchanged for the life of the process: plugins are never
 *   unloaded. Instances (scheduler, tracker, log iterator) are created and destroyed only by the
 *   plugin's own create/destroy functions.
 * - Errors. Every fallible function returns a tx_status and, on failure, writes a one-line,
 *   lowercase, human-readable message to its `err` sink (no trailing newline). No exception,
 *   longjmp or abort may cross the boundary. Each function lists the failure codes it may return
 *   ("Errors:"); return only those. The host passes a code on with the plugin's message, and
 *   treats a value outside tx_status as TX_E_INTERNAL.
 * - Outputs after a failure. On failure, whatever the function wrote to `out` (or `line`) is
 *   discarded by the host, and pointer outputs (*instance, *iterator, *done) are unspecified: the
 *   host never reads them or passes them back (in particular it never destroys an instance or
 *   closes an iterator whose creation failed). On TX_OK, `err` is ignored.
 * - Threading. See each table. The host never calls tx_plugin_negotiate concurrently.
 */
#ifndef TORCHX_PLUGIN_API_H
#define TORCHX_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes. Bumped only for breaking changes. */
#define TX_ABI_VERSION 1u

#if defined(_WIN32)
#define TX_PLUGIN_EXPORT __declspec(dllexport)
#else
#define TX_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/** Status codes. Frozen: a value never changes meaning; new codes are only appended. The host
 * treats an unknown code as TX_E_INTERNAL. */
typedef enum tx_status {
  TX_OK = 0,
  /** The input was malformed or not acceptable (bad JSON, bad run option, bad AppDef). */
  TX_E_INVALID_ARGUMENT = 1,
  /** The named thing (app id, component, run) does not exist. */
  TX_E_NOT_FOUND = 2,
  /** The operation is not supported by this plugin or for this input. */
  TX_E_UNSUPPORTED = 3,
  /** The backend cannot be reached or is not installed (e.g. `sbatch` missing). */
  TX_E_UNAVAILABLE = 4,
  /** The operation failed for another reason (includes a caught exception). */
  TX_E_INTERNAL = 5
} tx_status;

/** Log levels of tx_host_info.log, spdlog's order. */
/** The end of `member` in `type`: offsetof plus its size. */
#define TX_MEMBER_END(type, member) (offsetof(type, member) + sizeof(((type*)0)->member))

/** True when `table` (a pointer to a `type` handed over by the other side) has `member`: the
 * member lies within the struct_size that side wrote. Read a member appended after v1 only when
 * this holds; every v1 member of a table the host accepted exists. */
#define TX_HAS_MEMBER(table, type, member) ((size_t)(table)->struct_size >= TX_MEMBER_END(type, member))

typedef enum tx_log_level {
  TX_LOG_DEBUG = 1,
  TX_LOG_INFO = 2,
  TX_LOG_WARNING = 3,
  TX_LOG_ERROR = 4
} tx_log_level;

/** A host-owned output buffer. `write` appends `len` bytes of `data` (copied before it returns)
 * and may be called any number of times during one call. Never NULL where a function takes one.
 * Thread-safety: a sink belongs to one call on one thread. */
typedef struct tx_sink {
  void* ctx;
  void (*write)(void* ctx, const char* data, size_t len);
} tx_sink;

/* ------------------------------------------------------------------------------------------- */
/* Schedulers                                                                                  */
/* ------------------------------------------------------------------------------------------- */

/** A scheduler backend ("local_cwd", "slurm"). Payloads: plugin-api/docs/payloads.md.
 *
 * Threading: the host serializes calls on one instance, except log_next, log_read and log_close,
 * which it may call on different iterators from different threads at the same time (one per replica) while
 * other calls are made on the instance. Distinct instances are independent. */
typedef struct tx_scheduler_api {
  /** sizeof(tx_scheduler_api) as the plugin was compiled; at least TX_SCHEDULER_V1_SIZE. */
  uint32_t struct_size;
  /** The scheduler's name as users type it (`-s local_cwd`). Plugin-owned, static. Required
   * (non-empty). */
  const char* name;
  /** A one-line description for `torchx plugins`. Plugin-owned, static. Optional (may be NULL). */
  const char* description;

  /** Creates an instance for `session_name` (borrowed) and stores it in *instance.
   * Errors: TX_E_UNAVAILABLE, TX_E_INTERNAL. Required. */
  tx_status (*create)(const char* session_name, void** instance, const tx_sink* err);
  /** Destroys an instance made by create; never fails. Required. */
  void (*destroy)(void* instance);

  /** Writes the run options schema (a JSON array of run options) to `out`.
   * Errors: TX_E_INTERNAL. Required. */
  tx_status (*run_opts)(void* instance, const tx_sink* out, const tx_sink* err);

  /** Turns a dryrun request `{"app": AppDef, "cfg": {...resolved run config...}}` into the
   * scheduler's native request: writes `{"request": <any JSON>, "request_text": "<printable>"}`.
   * `cfg` has already been resolved against run_opts by the host. Must not submit anything.
   * Errors: TX_E_INVALID_ARGUMENT (the AppDef or cfg cannot run here), TX_E_UNAVAILABLE. Required. */
  tx_status (*dryrun)(void* instance, const char* request_json, const tx_sink* out, const tx_sink* err);

  /** Submits what dryrun returned (`{"app":..., "cfg":..., "request":...}`) and writes
   * `{"app_id": "..."}`. Errors: TX_E_INVALID_ARGUMENT, TX_E_UNAVAILABLE, TX_E_INTERNAL. Required.
   * After a failure nothing may have been submitted that the host would not know of. */
  tx_status (*schedule)(void* instance, const char* dryrun_json, const tx_sink* out, const tx_sink* err);

  /** Writes the DescribeAppResponse of `app_id`. Errors: TX_E_NOT_FOUND for an unknown app
   * (never a made-up state), TX_E_UNAVAILABLE. Required. */
  tx_status (*describe)(void* instance, const char* app_id, const tx_sink* out, const tx_sink* err);

  /** Writes a JSON array `[{"app_id", "state", "name"}]` of the apps this scheduler knows.
   * Errors: TX_E_UNAVAILABLE, TX_E_INTERNAL. Optional (NULL: "does not support list"). */
  tx_status (*list)(void* instance, const tx_sink* out, const tx_sink* err);

  /** Requests cancellation of `app_id` and returns without waiting. Idempotent: cancelling a
   * finished app succeeds. Errors: TX_E_NOT_FOUND, TX_E_UNAVAILABLE. Required. */
  tx_status (*cancel)(void* instance, const char* app_id, const tx_sink* err);

  /** Removes a finished app and what the scheduler keeps of it. Errors: TX_E_NOT_FOUND,
   * TX_E_INVALID_ARGUMENT (the app is still running). Optional (NULL: "does not support delete"). */
  tx_status (*delete_app)(void* instance, const char* app_id, const tx_sink* err);

  /** Opens a log stream for the query `{"app_id", "role_name", "k", "regex", "since", "until",
   * "should_tail", "streams"}` and stores an iterator in *iterator. Errors: TX_E_NOT_FOUND (app,
   * role or replica), TX_E_UNSUPPORTED (e.g. since/until, with the reason in `err`),
   * TX_E_UNAVAILABLE. Optional, together with log_next and log_close: all three or none (NULL:
   * "does not support logs"); the host refuses a table with some but not all. */
  tx_status (*log_open)(void* instance, const char* query_json, void** iterator, const tx_sink* err);
  /** Writes the next line (without its line break) to `line` and sets *done to 0, or writes
   * nothing and sets *done to 1 at the end of the stream. With should_tail it blocks until a line
   * arrives or the app ends. Errors: TX_E_UNAVAILABLE, TX_E_INTERNAL; after one the host closes
   * the iterator with log_close and calls log_next on it no more. Optional (with log_open). */
  tx_status (*log_next)(void* iterator, const tx_sink* line, int* done, const tx_sink* err);
  /** Closes an iterator made by log_open; never fails. Optional (with log_open). */
  void (*log_close)(void* iterator);

  /* ---- Added in ABI 1.1 (read only when TX_HAS_MEMBER(api, tx_scheduler_api, log_read)) ---- */

  /** Batched log_next: fills the host's buffer `buf` (`cap` bytes, host-owned, at least
   * TX_LOG_READ_MIN_CAP) with as many whole lines of the stream as are available now, each
   * followed by '\n', and stores the number of bytes written in *len (0 <= *len <= cap). The
   * lines, their order and their content are exactly those log_next would return one at a time.
   * - Whole lines only: buf never ends inside a line. The last line of a stream, written without a
   *   line break, is delivered once the stream has ended, followed by '\n'.
   * - A line longer than cap - 1 bytes is delivered in pieces of at most cap - 1 bytes, each
   *   followed by '\n' (to the host, each piece is a line). A plugin may split long lines sooner,
   *   at its own limit, as long as log_next splits them the same way (the SDK splits at 1 MiB;
   *   the torchx host passes cap = 1 MiB + 1, so both paths read the same lines).
   * - End: *done = 1 when the stream has ended; the lines in buf[0, *len) of that same call are
   *   still part of the stream. After *done = 1 the host calls log_read on the iterator no more.
   * - Never blocks for long: without should_tail it returns what is there; with should_tail
   *   (follow) it returns as soon as at least one line is available (it does not wait to fill
   *   buf), and otherwise after at most about one second with *len = 0 and *done = 0, so that the
   *   host can stay interruptible (Ctrl-C, a Python KeyboardInterrupt) and call again. *len = 0
   *   with *done = 0 means "nothing yet"; a plugin answers it only after waiting for output.
   * - Remote backends (an HTTP log API): copy whole lines of what was fetched into buf and keep
   *   the rest (a partial line, the lines that did not fit) in the iterator for the next call.
   * The host reads an iterator with either log_next or log_read, never both. Threading: as
   * log_next (different iterators from different threads at the same time). Errors:
   * TX_E_UNAVAILABLE, TX_E_INTERNAL; after one the host ignores buf, closes the iterator with
   * log_close and calls it no more. Optional (NULL or absent: the host uses log_next); only
   * together with log_open, log_next and log_close. */
  tx_status (*log_read)(void* iterator, char* buf, size_t cap, size_t* len, int* done, const tx_sink* err);
} tx_scheduler_api;

/** The smallest `cap` a host passes to tx_scheduler_api.log_read (ABI 1.1): a plugin may rely on
 * a buffer of at least this many bytes. */
#define TX_LOG_READ_MIN_CAP 4096u

/** The smallest tx_scheduler_api a host accepts: the v1 layout, which ends with log_close. Members
 * appended after it (log_read, ABI 1.1) are optional: read them only under TX_HAS_MEMBER. */
#define TX_SCHEDULER_V1_SIZE TX_MEMBER_END(tx_scheduler_api, log_close)

/* ------------------------------------------------------------------------------------------- */
/* Components                                                                                  */
/* ------------------------------------------------------------------------------------------- */

/** A component: a named AppDef builder ("utils.echo"). Stateless; every function may be called
 * from any thread concurrently. */
typedef struct tx_component_api {
  /** sizeof(tx_component_api) as the plugin was compiled; at least TX_COMPONENT_V1_SIZE. */
  uint32_t struct_size;
  /** The component's name (`torchx run <name>`). Plugin-owned, static. Required (non-empty). */
  const char* name;
  /** The signature: `{"doc": "...", "args": [{"name", "type", "default", "required", "help",
   * "short", "varargs"}]}` (payloads.md). Plugin-owned, static JSON text. Required. */
  const char* signature_json;
  /** Builds the AppDef from `{"args": {name: value}, "varargs": [..]}` (values already typed per
   * the signature) and writes it as JSON. `self` is this table, so one function can serve many
   * components. Errors: TX_E_INVALID_ARGUMENT with the reason, TX_E_INTERNAL. Required. */
  tx_status (*build)(const struct tx_component_api* self, const char* args_json, const tx_sink* out,
                     const tx_sink* err);
} tx_component_api;

/** The smallest tx_component_api a host accepts: the v1 layout, which ends with build. */
#define TX_COMPONENT_V1_SIZE TX_MEMBER_END(tx_component_api, build)

/* ------------------------------------------------------------------------------------------- */
/* Trackers                                                                                    */
/* ------------------------------------------------------------------------------------------- */

/** An experiment tracker backend ("file"): metadata, artifacts and lineage of runs.
 * Threading: calls on one instance are serialized by the host; instances are independent.
 * Concurrent processes may use the same store: writes must be atomic. */
typedef struct tx_tracker_api {
  /** sizeof(tx_tracker_api) as the plugin was compiled; at least TX_TRACKER_V1_SIZE. */
  uint32_t struct_size;
  /** The tracker's name (`TORCHX_TRACKERS=name`). Plugin-owned, static. Required (non-empty). */
  const char* name;
  /** Creates an instance from `config` (borrowed; may be NULL or "") and stores it in *instance.
   * Errors: TX_E_INVALID_ARGUMENT (bad config), TX_E_UNAVAILABLE, TX_E_INTERNAL. Required. */
  tx_status (*create)(const char* config, void** instance, const tx_sink* err);
  /** Destroys an instance made by create; never fails. Required. */
  void (*destroy)(void* instance);
  /** Merges the JSON object `metadata_json` into the run's metadata.
   * Errors: TX_E_INVALID_ARGUMENT, TX_E_UNAVAILABLE, TX_E_INTERNAL. Required. */
  tx_status (*add_metadata)(void* instance, const char* run_id, const char* metadata_json, const tx_sink* err);
  /** Writes the run's metadata as a JSON object ({} for a run never seen).
   * Errors: TX_E_UNAVAILABLE, TX_E_INTERNAL. Required. */
  tx_status (*metadata)(void* instance, const char* run_id, const tx_sink* out, const tx_sink* err);
  /** Records `{"name", "path", "metadata"}` for the run (last one wins per name).
   * Errors: TX_E_INVALID_ARGUMENT, TX_E_UNAVAILABLE, TX_E_INTERNAL. Required. */
  tx_status (*add_artifact)(void* instance, const char* run_id, const char* artifact_json, const tx_sink* err);
  /** Writes `{name: {"name", "path", "metadata"}}`. Errors: TX_E_UNAVAILABLE, TX_E_INTERNAL. Required. */
  tx_status (*artifacts)(void* instance, const char* run_id, const tx_sink* out, const tx_sink* err);
  /** Records that the run came from `{"source_run_id", "artifact_name"}` (artifact_name may be null).
   * Errors: TX_E_INVALID_ARGUMENT, TX_E_UNAVAILABLE, TX_E_INTERNAL. Required. */
  tx_status (*add_source)(void* instance, const char* run_id, const char* source_json, const tx_sink* err);
  /** Writes `[{"source_run_id", "artifact_name"}]`, filtered by `artifact_name` unless NULL.
   * Errors: TX_E_UNAVAILABLE, TX_E_INTERNAL. Required. */
  tx_status (*sources)(void* instance, const char* run_id, const char* artifact_name, const tx_sink* out,
                       const tx_sink* err);
  /** Writes the run ids matching the query `{"parent_run_id": id or null}` as a JSON array.
   * Errors: TX_E_INVALID_ARGUMENT, TX_E_UNAVAILABLE, TX_E_INTERNAL. Required. */
  tx_status (*run_ids)(void* instance, const char* query_json, const tx_sink* out, const tx_sink* err);
  /** Writes `{"ancestors": [...], "descendants": [...]}` of the run.
   * Errors: TX_E_NOT_FOUND, TX_E_UNAVAILABLE, TX_E_INTERNAL. Optional (NULL: "does not support
   * lineage"). */
  tx_status (*lineage)(void* instance, const char* run_id, const tx_sink* out, const tx_sink* err);
} tx_tracker_api;

/** The smallest tx_tracker_api a host accepts: the v1 layout, which ends with lineage. */
#define TX_TRACKER_V1_SIZE TX_MEMBER_END(tx_tracker_api, lineage)

/* ------------------------------------------------------------------------------------------- */
/* Named resources                                                                             */
/* ------------------------------------------------------------------------------------------- */

/** A set of named resources (`-h my_site.gpu8`). Thread-safe, stateless. */
typedef struct tx_named_resources_api {
  /** sizeof(tx_named_resources_api) as the plugin was compiled; at least TX_NAMED_RESOURCES_V1_SIZE. */
  uint32_t struct_size;
  /** The set's name (for `torchx plugins`). Plugin-owned, static. Required (non-empty). */
  const char* name;
  /** Writes `{"<resource name>": Resource, ...}`. `self` is this table.
   * Errors: TX_E_INTERNAL. Required. */
  tx_status (*list)(const struct tx_named_resources_api* self, const tx_sink* out, const tx_sink* err);
} tx_named_resources_api;

/** The smallest tx_named_resources_api a host accepts: the v1 layout, which ends with list. */
#define TX_NAMED_RESOURCES_V1_SIZE TX_MEMBER_END(tx_named_resources_api, list)

/* ------------------------------------------------------------------------------------------- */
/* Commands (added in ABI revision 1.1)                                                        */
/* ------------------------------------------------------------------------------------------- */

/** What the host lends a command while it runs (tx_command_api.run): the runner's app operations
 * and the host's logging. Host-owned; valid only during that run call, and only on the thread
 * that made it (the runner behind it is single-threaded): never call a member after run returned
 * or from another thread. Every member is always set (non-NULL) by a host that hands this table
 * out; a command reads a member appended later only when TX_HAS_MEMBER(services,
 * tx_host_services, member). Each call goes through the host's runner, which applies the same
 * rules as the built-in verbs (`torchx list`, `status`, `cancel`, `delete`, `log`). Sinks given
 * to these functions are owned by the caller (the command): the host writes to them only during
 * the call. Errors: as for plugin functions, a tx_status and a one-line message in `err`. Added
 * in ABI revision 1.1 (torchx 0.2.0). */
typedef struct tx_host_services {
  /** sizeof(tx_host_services) as the host was compiled. */
  uint32_t struct_size;
  /** The host's context: pass it as the first argument of every member. Opaque. */
  void* ctx;
  /** Writes the apps of a scheduler as a JSON array of list rows (payloads.md, "Host services"):
   * `[{"app_id", "state", "app_handle", "name", ...}]`. `query_json` is `{"scheduler": "name"}`.
   * Errors: TX_E_INVALID_ARGUMENT (malformed query), TX_E_NOT_FOUND (unknown scheduler),
   * TX_E_UNSUPPORTED (the scheduler has no list), TX_E_UNAVAILABLE, TX_E_INTERNAL. */
  tx_status (*list)(void* ctx, const char* query_json, const tx_sink* out, const tx_sink* err);
  /** Writes the AppStatus JSON (payloads.md) of `app_handle` (`<scheduler>://<session>/<app_id>`).
   * Errors: TX_E_INVALID_ARGUMENT (malformed handle), TX_E_NOT_FOUND (unknown app or scheduler),
   * TX_E_UNAVAILABLE, TX_E_INTERNAL. */
  tx_status (*status)(void* ctx, const char* app_handle, const tx_sink* out, const tx_sink* err);
  /** Requests cancellation of `app_handle` without waiting (idempotent) and writes
   * `{"state": "<the state the app was in>"}`: a terminal state means nothing was asked.
   * Errors: TX_E_INVALID_ARGUMENT, TX_E_NOT_FOUND, TX_E_UNAVAILABLE, TX_E_INTERNAL. */
  tx_status (*cancel)(void* ctx, const char* app_handle, const tx_sink* out, const tx_sink* err);
  /** Removes a finished app (`torchx delete`). Errors: TX_E_INVALID_ARGUMENT (malformed handle,
   * or the app is still running), TX_E_NOT_FOUND, TX_E_UNSUPPORTED (the scheduler has no
   * delete), TX_E_UNAVAILABLE, TX_E_INTERNAL. */
  tx_status (*delete_app)(void* ctx, const char* app_handle, const tx_sink* err);
  /** Reads the log lines of one replica: `query_json` is `{"app_handle", "role_name", "k",
   * "regex", "streams", "since", "until", "should_tail"}` (only app_handle and role_name are
   * required; payloads.md). Writes each line, without its line break, with one `line->write`
   * call per line, in order, as it is read (with should_tail, until the app ends).
   * Errors: TX_E_INVALID_ARGUMENT (malformed query or regex), TX_E_NOT_FOUND (app, role or
   * replica), TX_E_UNSUPPORTED, TX_E_UNAVAILABLE, TX_E_INTERNAL; lines written before a failure
   * stay written. */
  tx_status (*log)(void* ctx, const char* query_json, const tx_sink* line, const tx_sink* err);
  /** Logs `message` (borrowed) through the host's logger at `level` (`torchx: warning: ...` on
   * stderr per --log_level), prefixed with the command's verb. Never fails. */
  void (*log_message)(void* ctx, tx_log_level level, const char* message);
} tx_host_services;

/** The v1.1 layout of tx_host_services, which ends with log_message. */
#define TX_HOST_SERVICES_V1_SIZE TX_MEMBER_END(tx_host_services, log_message)

/** A command: a CLI verb a plugin adds (`torchx <name> ...`, as TorchX's `torchx.cli.cmds` entry
 * points add sub-commands). Its name and description are also in the plugin's manifest
 * (`provides.commands`), so `torchx --help` lists it without loading the plugin. A command never
 * replaces a built-in verb (the built-in wins; `torchx plugins` reports the clash).
 * Threading: the host calls run on its main thread, once per process; it is never called
 * concurrently. Added in ABI revision 1.1 (torchx 0.2.0). */
typedef struct tx_command_api {
  /** sizeof(tx_command_api) as the plugin was compiled; at least TX_COMMAND_V1_SIZE. */
  uint32_t struct_size;
  /** The verb (`torchx prune`): lowercase ASCII letters, digits, '-' and '_', starting with a
   * letter; equal to the manifest's. Plugin-owned, static. Required (non-empty). */
  const char* name;
  /** A one-line description (for `torchx plugins`; `--help` shows the manifest's). Plugin-owned,
   * static. Optional (may be NULL). */
  const char* description;
  /** Runs the verb. `argv[0]` is the verb and `argv[1..argc-1]` the arguments the user typed
   * after it, byte for byte (no shell, no globbing, no option parsing by the host; `--help`
   * included: the command answers it); `argv[argc]` is NULL; all borrowed for the call.
   * `services` (host-owned, valid during the call) reaches the runner and the logger. `out` is
   * the process's stdout and `diag` its stderr (human narration, not errors): both are written
   * through at once, so output streams. On TX_OK, *exit_code (0 when untouched) is the process's
   * exit code, in 0..125 (plugin-api/docs/abi.md, "Commands"); the host treats another value as
   * a failure. On failure, `err` holds the one-line reason, which the host prints as
   * `torchx: error: <verb>: <reason>` and exits 2 for TX_E_INVALID_ARGUMENT (a usage error),
   * 4 for TX_E_UNAVAILABLE, else 1. `self` is this table, so one function can serve many verbs.
   * Errors: TX_E_INVALID_ARGUMENT, TX_E_NOT_FOUND, TX_E_UNSUPPORTED, TX_E_UNAVAILABLE,
   * TX_E_INTERNAL. Required. */
  tx_status (*run)(const struct tx_command_api* self, uint32_t argc, const char* const* argv,
                   const tx_host_services* services, const tx_sink* out, const tx_sink* diag, int* exit_code,
                   const tx_sink* err);
} tx_command_api;

/** The smallest tx_command_api a host accepts: its first layout, which ends with run. */
#define TX_COMMAND_V1_SIZE TX_MEMBER_END(tx_command_api, run)

/* ------------------------------------------------------------------------------------------- */
/* Negotiation                                                                                 */
/* ------------------------------------------------------------------------------------------- */

/** What the host offers. Host-owned; valid only during tx_plugin_negotiate, except `log` and
 * `log_ctx`, which stay valid for the life of the process. Every v1 member is always set (a host
 * writes struct_size >= TX_HOST_INFO_V1_SIZE); a plugin reads a member appended later only when
 * TX_HAS_MEMBER(host, tx_host_info, member). */
typedef struct tx_host_info {
  uint32_t struct_size;
  /** The ABI versions the host speaks: the plugin answers one in [min_abi, max_abi]. */
  uint32_t min_abi;
  uint32_t max_abi;
  /** The host's version, e.g. "0.1.0". */
  const char* host_version;
  /** Where the plugin writes why negotiation failed. */
  tx_sink error;
  /** Logging: the host's logger, callable from any thread at any time, never NULL. The message
   * is borrowed. Plugins must log only through this (a logging library's registry does not
   * survive .so boundaries). */
  void (*log)(void* log_ctx, tx_log_level level, const char* message);
  void* log_ctx;
} tx_host_info;

/** The v1 layout of tx_host_info, which ends with log_ctx. */
#define TX_HOST_INFO_V1_SIZE TX_MEMBER_END(tx_host_info, log_ctx)

/** What the plugin answers. The host zero-fills it and sets struct_size to the size it knows
 * (at least TX_PLUGIN_INFO_V1_SIZE); the plugin writes only the members that lie within
 * struct_size, and members it does not know stay zero (none, not supported). All pointers are
 * plugin-owned and must stay valid for the life of the process. Required: abi_version, name,
 * version. Each list may be NULL with a count of 0; a non-zero count needs a list of that many
 * non-NULL tables, each accepted by the rules of its table above. */
typedef struct tx_plugin_info {
  uint32_t struct_size;
  /** The ABI version the plugin chose, within the host's range. */
  uint32_t abi_version;
  /** Must equal the manifest's plugin name and version. */
  const char* name;
  const char* version;
  const tx_scheduler_api* const* schedulers;
  uint32_t num_schedulers;
  const tx_component_api* const* components;
  uint32_t num_components;
  const tx_tracker_api* const* trackers;
  uint32_t num_trackers;
  const tx_named_resources_api* const* named_resources;
  uint32_t num_named_resources;
  /* ABI revision 1.1 (torchx 0.2.0). `commands` is pointer-aligned, so it starts at the v1
   * layout's sizeof, after its 4 bytes of tail padding (which stay unused). A host reads these
   * only when TX_HAS_MEMBER(info, tx_plugin_info, num_commands); a plugin built against an older
   * header leaves them zero (no commands). */
  /** The plugin's commands (CLI verbs). Optional: NULL with a count of 0. */
  const tx_command_api* const* commands;
  uint32_t num_commands;
} tx_plugin_info;

/** The v1 layout of tx_plugin_info, which ends with num_named_resources (its sizeof has tail
 * padding that a later member must not use). */
#define TX_PLUGIN_INFO_V1_SIZE TX_MEMBER_END(tx_plugin_info, num_named_resources)

/** The one symbol a plugin exports. Called once, on first use of anything the plugin provides.
 * `host` is borrowed for the call; `info` is host-owned and zero-filled. Returns TX_OK after
 * filling `info`, or TX_E_UNSUPPORTED (no common ABI version), TX_E_UNAVAILABLE or TX_E_INTERNAL
 * with the reason written to host->error; after a failure the host ignores `info`. Threading:
 * never called concurrently. */
typedef tx_status (*tx_plugin_negotiate_fn)(const tx_host_info* host, tx_plugin_info* info);
#define TX_PLUGIN_NEGOTIATE_SYMBOL "tx_plugin_negotiate"

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TORCHX_PLUGIN_API_H */
