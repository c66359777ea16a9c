// SPDX-License-Identifier: BSD-3-Clause
#include "plugin_commands.hpp"

#include "command.hpp"
#include "exit_codes.hpp"
#include "host_services.hpp"
#include "plugin_probe.hpp"
#include "quick_commands.hpp"
#include "registry.hpp"
#include "session.hpp"
#include "sink.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <ostream>

namespace torchx::cli {
namespace {

/// A sink that writes through to `stream` (flushed at each line end, so that output streams).
tx_sink stream_sink(std::ostream& stream) {
  return tx_sink{&stream, [](void* ctx, const char* data, size_t len) {
                   if (data == nullptr || len == 0) return;
                   auto& s = *static_cast<std::ostream*>(ctx);
                   s.write(data, static_cast<std::streamsize>(len));
                   if (std::find(data, data + len, '\n') != data + len) s.flush();
                 }};
}

}  // namespace

std::vector<std::string> reserved_verbs() {
  std::vector<std::string> names;
  for (const auto& c : commands()) names.emplace_back(c.name);
  names.emplace_back(k_plugin_probe_verb);
  return names;
}

namespace {

void append_command_line(std::string& text, std::string_view verb, std::string_view description,
                         std::string_view plugin) {
  text += "  ";
  text += verb;
  if (verb.size() < 12) text.append(12 - verb.size(), ' ');
  text += description;
  text += " (plugin '";
  text += plugin;
  text += "')\n";
}

}  // namespace

std::string plugin_commands_help(const std::vector<loader::CommandLine>& commands) {
  std::string text;
  for (const auto& c : commands) append_command_line(text, c.verb, c.description, c.plugin);
  return text;
}

std::string plugin_commands_help(Session& session) {
  std::string text;
  try {
    if (!spdlog::should_log(spdlog::level::debug)) {
      if (const auto lines = session.quick_commands()) return plugin_commands_help(*lines);
    }
    for (const auto& c : session.registry_unchecked().commands()) {
      append_command_line(text, c.decl.name, c.decl.description, c.plugin->manifest.name);
    }
  } catch (const std::exception&) {  // --help never fails for a plugin's sake
    return {};
  }
  return text;
}

std::vector<std::string> all_verbs(Session& session) {
  std::vector<std::string> names;
  for (const auto& c : commands()) names.emplace_back(c.name);
  try {
    for (const auto& c : session.registry_unchecked().commands()) names.push_back(c.decl.name);
  } catch (const std::exception&) {  // only for "did you mean"
  }
  return names;
}

std::optional<int> run_plugin_command(const std::string& verb, const std::vector<std::string>& args, std::ostream& out,
                                      std::ostream& err, Session& session) {
  const auto entry = session.registry_unchecked().command(verb);
  if (!entry) return std::nullopt;
  loader::Registry& registry = session.registry();  // the site policy holds for plugin verbs too
  const loader::Manifest& manifest = entry->plugin->manifest;
  const auto library = registry.load(*entry->plugin);
  const tx_command_api* api = library->command(verb);
  if (api == nullptr) {  // the loader checked the names: only a plugin lying about them gets here
    throw loader::PluginLoadError(manifest,
                                  "its manifest lists command '" + verb + "', which the plugin does not provide");
  }

  std::vector<const char*> argv;
  argv.reserve(args.size() + 2);
  argv.push_back(verb.c_str());
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  runner::HostServices services([&session]() -> runner::Runner& { return session.runner(); }, verb);
  const tx_sink out_sink = stream_sink(out);
  const tx_sink diag_sink = stream_sink(err);
  std::string error;
  const tx_sink err_sink = loader::string_sink(error);
  int exit_code = 0;
  tx_status status = TX_E_INTERNAL;
  try {
    status = api->run(api, static_cast<std::uint32_t>(args.size() + 1), argv.data(), services.table(), &out_sink,
                      &diag_sink, &exit_code, &err_sink);
  } catch (...) {  // a plugin not built with the SDK let an exception escape: contained here
    error = "threw an exception (exceptions must not cross the ABI)";
  }
  out.flush();
  status = loader::known_status(status);
  const std::string who = "command '" + verb + "' of plugin '" + manifest.name + "'";
  if (status != TX_OK) {
    if (const auto nl = error.find('\n'); nl != std::string::npos) error.resize(nl);
    err << "torchx: error: " << verb << ": "
        << (error.empty() ? who + " failed (" + loader::status_name(status) + ")" : error) << "\n";
    if (status == TX_E_INVALID_ARGUMENT) return k_exit_usage;
    return status == TX_E_UNAVAILABLE ? k_exit_backend_unavailable : k_exit_failure;
  }
  if (exit_code < 0 || exit_code > 125) {
    err << "torchx: error: " << who << " answered exit code " << exit_code << ", outside 0..125\n";
    return k_exit_failure;
  }
  return exit_code;
}

}  // namespace torchx::cli
