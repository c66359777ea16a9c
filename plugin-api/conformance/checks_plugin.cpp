// SPDX-License-Identifier: BSD-3-Clause
// The plugin-level checks: load, negotiate (with the host's ABI range and with one the plugin does
// not speak), plugin-info, tables and provides; then the checks of each table, then the message
// check over every error return seen.
#include "calls.hpp"
#include "checks.hpp"
#include "isolate.hpp"

#include <torchx/abi_check.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <functional>
#include <iostream>
#include <set>

namespace torchx::conformance {
namespace {

/// The ABI range the harness offers, as this header's host does.
constexpr std::uint32_t k_min_abi = TX_ABI_VERSION;
constexpr std::uint32_t k_max_abi = TX_ABI_VERSION;

/// The plugin's log messages: on stderr with --verbose, else dropped.
void host_log(void* ctx, tx_log_level level, const char* message) {
  if (ctx == nullptr) return;
  static const char* names[] = {"", "debug", "info", "warning", "error"};
  const char* level_name = (level >= TX_LOG_DEBUG && level <= TX_LOG_ERROR) ? names[level] : "?";
  std::cerr << "plugin log [" << level_name << "]: " << (message != nullptr ? message : "(null)") << '\n';
}

/// tx_plugin_info with guard bytes after it: a plugin must write only within struct_size.
struct GuardedInfo {
  tx_plugin_info info{};
  unsigned char guard[64];
  GuardedInfo() {
    info.struct_size = sizeof(tx_plugin_info);
    std::memset(guard, 0xA5, sizeof guard);
  }
  [[nodiscard]] bool guard_intact() const {
    return std::all_of(std::begin(guard), std::end(guard), [](unsigned char c) { return c == 0xA5; });
  }
};

/// One negotiation: the status, what the plugin wrote to host->error, and its answer.
struct Negotiation {
  tx_status status = TX_E_INTERNAL;
  std::string error;
  GuardedInfo answer;
};

void negotiate(tx_plugin_negotiate_fn fn, std::uint32_t min_abi, std::uint32_t max_abi, const Options& options,
               Negotiation& n) {
  tx_host_info host{};
  host.struct_size = sizeof(tx_host_info);
  host.min_abi = min_abi;
  host.max_abi = max_abi;
  host.host_version = "torchx-plugin-conformance";
  host.error = string_sink(n.error);
  host.log = &host_log;
  host.log_ctx = options.verbose ? const_cast<char*>("conformance") : nullptr;
  try {
    n.status = fn(&host, &n.answer.info);
  } catch (...) {
    throw EscapedExceptionError("tx_plugin_negotiate let a C++ exception escape (exceptions must not cross the ABI)");
  }
}

std::string range(std::uint32_t lo, std::uint32_t hi) { return std::to_string(lo) + ".." + std::to_string(hi); }

CheckResult check_negotiate(tx_plugin_negotiate_fn fn, const Manifest& m, const Options& options) {
  Negotiation n;
  negotiate(fn, k_min_abi, k_max_abi, options, n);
  if (n.status != TX_OK) {
    return fail("answered " + status_name(n.status) + (n.error.empty() ? "" : " (\"" + n.error + "\")") +
                " to the ABI range " + range(k_min_abi, k_max_abi));
  }
  const std::uint32_t abi = n.answer.info.abi_version;
  if (abi < k_min_abi || abi > k_max_abi) {
    return fail("answered ABI " + std::to_string(abi) + ", outside the offered range " + range(k_min_abi, k_max_abi));
  }
  if (std::find(m.abi_versions.begin(), m.abi_versions.end(), abi) == m.abi_versions.end()) {
    return fail("answered ABI " + std::to_string(abi) + ", which the manifest's abi_versions do not list");
  }
  if (!n.answer.guard_intact()) return fail("wrote past tx_plugin_info.struct_size");
  return pass("ABI " + std::to_string(abi));
}

CheckResult check_negotiate_unsupported(tx_plugin_negotiate_fn fn, const Manifest& m, const Options& options) {
  // The version after the highest the plugin lists: one it says it does not speak.
  const std::uint32_t next = *std::max_element(m.abi_versions.begin(), m.abi_versions.end()) + 1;
  Negotiation n;
  negotiate(fn, next, next, options, n);
  const std::string offered = "the ABI range " + range(next, next);
  if (n.status == TX_OK) {
    return fail("accepted " + offered + ", which it does not list (answered ABI " +
                std::to_string(n.answer.info.abi_version) + "); expected TX_E_UNSUPPORTED");
  }
  if (n.status != TX_E_UNSUPPORTED) {
    return fail("answered " + status_name(n.status) + " to " + offered + ", expected TX_E_UNSUPPORTED");
  }
  if (n.error.empty()) return fail("answered TX_E_UNSUPPORTED to " + offered + " without a message in host->error");
  if (!n.answer.guard_intact()) return fail("wrote past tx_plugin_info.struct_size");
  return pass("TX_E_UNSUPPORTED (\"" + n.error + "\")");
}

CheckResult check_plugin_info(const tx_plugin_info& info, const Manifest& m, const Options& options) {
  std::vector<std::string> problems;
  const std::string name = info.name != nullptr ? info.name : "(null)";
  const std::string version = info.version != nullptr ? info.version : "(null)";
  if (info.name == nullptr || m.name != info.name) {
    problems.push_back("calls itself '" + name + "', the " + (options.have_manifest ? "manifest" : "--name") +
                       " says '" + m.name + "'");
  }
  if (info.version == nullptr) {
    problems.emplace_back("has no version");
  } else if (options.have_manifest && m.version != info.version) {
    problems.push_back("is version '" + version + "', the manifest says '" + m.version + "'");
  }
  if (!problems.empty()) {
    std::string joined;
    for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
    return fail(joined);
  }
  return pass("'" + name + "' version '" + version + "'");
}

/// The tables fit to be called, per kind.
struct Usable {
  std::vector<const tx_scheduler_api*> schedulers;
  std::vector<const tx_component_api*> components;
  std::vector<const tx_tracker_api*> trackers;
  std::vector<const tx_named_resources_api*> named_resources;
  std::vector<const tx_command_api*> commands;
};

/// The commands of an answer (ABI revision 1.1), when its struct_size covers them.
const tx_command_api* const* commands_of(const tx_plugin_info& info) {
  return TX_HAS_MEMBER(&info, tx_plugin_info, num_commands) ? info.commands : nullptr;
}
std::uint32_t num_commands_of(const tx_plugin_info& info) {
  return TX_HAS_MEMBER(&info, tx_plugin_info, num_commands) ? info.num_commands : 0;
}

template <typename Table>
std::vector<const Table*> usable_tables(const std::vector<abi::TableProblem>& problems, abi::TableKind kind,
                                        const Table* const* tables, std::uint32_t count) {
  std::vector<const Table*> out;
  if (count > abi::k_max_tables) return out;  // a garbage count: reported by the tables check, nothing read
  for (std::uint32_t i = 0; tables != nullptr && i < count; ++i) {
    if (abi::usable(problems, kind, i)) out.push_back(tables[i]);
  }
  return out;
}

/// The host's own validator (torchx/abi_check.hpp), so that the harness and the loader agree.
CheckResult check_all_tables(const tx_plugin_info& info, Usable& usable) {
  const std::vector<abi::TableProblem> problems = abi::check_tables(info);
  usable.schedulers = usable_tables(problems, abi::TableKind::scheduler, info.schedulers, info.num_schedulers);
  usable.components = usable_tables(problems, abi::TableKind::component, info.components, info.num_components);
  usable.trackers = usable_tables(problems, abi::TableKind::tracker, info.trackers, info.num_trackers);
  usable.named_resources =
      usable_tables(problems, abi::TableKind::named_resources, info.named_resources, info.num_named_resources);
  usable.commands = usable_tables(problems, abi::TableKind::command, commands_of(info), num_commands_of(info));
  if (!problems.empty()) {
    std::string joined;
    std::string last;
    for (const auto& p : problems) {
      if (p.message == last) continue;  // a NULL list: one line, not one per entry
      joined += (joined.empty() ? "" : "; ") + p.message;
      last = p.message;
    }
    return fail(joined);
  }
  const auto total = info.num_schedulers + info.num_components + info.num_trackers + info.num_named_resources +
                     num_commands_of(info);
  return pass(counted(total, "table") + " of ABI 1 size or larger, with every required function");
}

template <typename Table>
void compare_names(const char* kind, const Table* const* tables, std::uint32_t count,
                   const std::vector<std::string>& listed, std::vector<std::string>& problems) {
  if (count > abi::k_max_tables) {  // a garbage count: nothing read
    problems.push_back("answers " + std::to_string(count) + " " + kind + " tables, more than the " +
                       std::to_string(abi::k_max_tables) + " a plugin may provide");
    return;
  }
  std::set<std::string> given;
  for (std::uint32_t i = 0; tables != nullptr && i < count; ++i) {
    if (tables[i] == nullptr || !TX_HAS_MEMBER(tables[i], Table, name) || tables[i]->name == nullptr) {
      continue;  // reported by the tables check
    }
    const std::string name = tables[i]->name;
    given.insert(name);
    if (std::find(listed.begin(), listed.end(), name) == listed.end()) {
      problems.push_back("provides " + std::string(kind) + " '" + name + "', which the manifest does not list");
    }
  }
  for (const auto& name : listed) {
    if (!given.contains(name)) {
      problems.push_back("the manifest lists " + std::string(kind) + " '" + name +
                         "', which the plugin does not provide");
    }
  }
}

CheckResult check_provides(const tx_plugin_info& info, const Manifest& m, const Options& options) {
  if (!options.have_manifest) return skip("no manifest to compare with (--library)");
  std::vector<std::string> problems;
  compare_names("scheduler", info.schedulers, info.num_schedulers, m.provides.schedulers, problems);
  compare_names("component", info.components, info.num_components, m.provides.components, problems);
  compare_names("tracker", info.trackers, info.num_trackers, m.provides.trackers, problems);
  compare_names("named-resources", info.named_resources, info.num_named_resources, m.provides.named_resources,
                problems);
  std::vector<std::string> verbs;
  for (const auto& c : m.commands) verbs.push_back(c.name);
  compare_names("command", commands_of(info), num_commands_of(info), verbs, problems);
  if (!problems.empty()) {
    std::string joined;
    for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
    return fail(joined);
  }
  return pass(counted(info.num_schedulers, "scheduler") + ", " + counted(info.num_components, "component") + ", " +
              counted(info.num_trackers, "tracker") + ", " + counted(info.num_named_resources, "named-resource set") +
              ", " + counted(num_commands_of(info), "command") + ", as the manifest lists");
}

/// dlopen as the host does (RTLD_NOW | RTLD_LOCAL, never closed); nullptr and `error` on failure.
tx_plugin_negotiate_fn load(const std::filesystem::path& library, std::string& error) {
  if (!std::filesystem::exists(library)) {
    error = "the library " + library.string() + " does not exist";
    return nullptr;
  }
  void* handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* e = ::dlerror();
    error = "cannot load " + library.string() + ": " + (e != nullptr ? e : "unknown error");
    return nullptr;
  }
  void* symbol = ::dlsym(handle, TX_PLUGIN_NEGOTIATE_SYMBOL);
  if (symbol == nullptr) {
    error = library.string() + " does not export " TX_PLUGIN_NEGOTIATE_SYMBOL;
    return nullptr;
  }
  return reinterpret_cast<tx_plugin_negotiate_fn>(symbol);
}

CheckResult check_messages() {
  const MessageLedger& l = ledger();
  if (!l.problems.empty()) {
    // Each problem once, in the order first seen, with how often it was seen.
    std::vector<std::pair<std::string, int>> seen;
    for (const auto& p : l.problems) {
      auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == p; });
      if (it == seen.end())
        seen.emplace_back(p, 1);
      else
        ++it->second;
    }
    std::string joined;
    for (const auto& [p, n] : seen)
      joined += (joined.empty() ? "" : "; ") + p + (n > 1 ? " (" + std::to_string(n) + " times)" : "");
    return fail(joined);
  }
  return pass("each of the " + counted(static_cast<std::size_t>(l.error_returns), "error return") +
              " seen carried a one-line message");
}

}  // namespace

void run_checks(const Manifest& manifest, const Options& options, Report& report) {
  std::string error;
  const tx_plugin_negotiate_fn fn = load(manifest.library_path, error);
  if (fn == nullptr) {
    report.add("load", fail(error));
    report.add("remaining checks", skip("the plugin did not load"));
    return;
  }
  report.add("load", pass(manifest.library_path.string()));

  // Each negotiation in its own process: the host negotiates once per process.
  const CheckResult negotiated =
      run_isolated([&] { return check_negotiate(fn, manifest, options); }, options.timeout_s);
  report.add("negotiate", negotiated);
  report.add("negotiate-unsupported",
             run_isolated([&] { return check_negotiate_unsupported(fn, manifest, options); }, options.timeout_s));
  if (negotiated.outcome != Outcome::pass) {
    report.add("remaining checks", skip("negotiation failed"));
    return;
  }

  Negotiation n;
  try {
    negotiate(fn, k_min_abi, k_max_abi, options, n);
  } catch (const std::exception& e) {
    n.status = TX_E_INTERNAL;
    n.error = e.what();
  }
  if (n.status != TX_OK) {
    report.add("negotiate-again", fail("answered " + status_name(n.status) + " (\"" + n.error + "\") the second time"));
    return;
  }
  const tx_plugin_info& info = n.answer.info;
  report.add("plugin-info", check_plugin_info(info, manifest, options));
  Usable usable;
  report.add("tables", check_all_tables(info, usable));
  report.add("provides", check_provides(info, manifest, options));

  for (const auto* s : usable.schedulers) check_scheduler(*s, options, report);
  for (const auto* c : usable.components) check_component(*c, options, report);
  for (const auto* r : usable.named_resources) check_named_resources(*r, options, report);
  for (const auto* t : usable.trackers) check_tracker(*t, options, report);
  for (const auto* c : usable.commands) check_command(*c, options, report);
  report.add("error-messages", check_messages());
}

}  // namespace torchx::conformance
