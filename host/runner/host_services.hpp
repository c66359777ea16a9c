// SPDX-License-Identifier: BSD-3-Clause
// HostServices: the tx_host_services table a command plugin is lent while it runs (ABI revision
// 1.1, plugin_api.h): the runner's list/status/cancel/delete/log and the host's logging, over C.
#pragma once

#include "runner.hpp"

#include <torchx/plugin_api.h>

#include <functional>
#include <string>

namespace torchx::runner {

/// The host-services table of one command run, over `runner` (which applies the same rules as
/// the built-in verbs). Every member catches everything: a runner error becomes a tx_status and
/// a one-line message (MalformedAppHandleError, a malformed query or regex:
/// TX_E_INVALID_ARGUMENT; UnknownAppError, UnknownSchedulerError: TX_E_NOT_FOUND; a plugin
/// call's own status; anything else: TX_E_INTERNAL). Not thread-safe: the table is used on the
/// thread of the command's run, during it.
class HostServices {
 public:
  /// `runner` is called on the first service that needs the runner (so that a command that
  /// uses none, or only answers --help, never reads .torchxconfig); what it returns must outlive
  /// this object. `verb` prefixes the command's log messages ("prune: ...").
  HostServices(std::function<Runner&()> runner, std::string verb);
  HostServices(const HostServices&) = delete;
  HostServices& operator=(const HostServices&) = delete;

  /// The table to hand to tx_command_api.run; valid while this object lives.
  [[nodiscard]] const tx_host_services* table() const { return &m_table; }

 private:
  static tx_status list(void* ctx, const char* query_json, const tx_sink* out, const tx_sink* err);
  static tx_status status(void* ctx, const char* app_handle, const tx_sink* out, const tx_sink* err);
  static tx_status cancel(void* ctx, const char* app_handle, const tx_sink* out, const tx_sink* err);
  static tx_status delete_app(void* ctx, const char* app_handle, const tx_sink* err);
  static tx_status log(void* ctx, const char* query_json, const tx_sink* line, const tx_sink* err);
  static void log_message(void* ctx, tx_log_level level, const char* message);

  Runner& runner() { return m_runner(); }
  std::function<Runner&()> m_runner;
  std::string m_verb;
  tx_host_services m_table{};
};

}  // namespace torchx::runner
