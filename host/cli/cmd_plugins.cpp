// SPDX-License-Identifier: BSD-3-Clause
// `torchx plugins [check [NAME]]`: what was found where, what was skipped and why; load checks.
#include "command.hpp"
#include "exit_codes.hpp"
#include "plugin_probe.hpp"
#include "registry.hpp"
#include "session.hpp"
#include "verb_args.hpp"

#include <torchx/util/suggest.hpp>

#include <boost/json.hpp>

#include <filesystem>
#include <ostream>
#include <system_error>

namespace po = boost::program_options;
namespace json = boost::json;

namespace torchx::cli {

int add_python_plugin(const Invocation& inv, const std::string& name, const std::string& prefix, std::string dir_arg);

namespace {

json::array to_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

/// `{"name": "module:function"}` of a manifest's Python components.
json::object python_components(const loader::Manifest& m) {
  json::object out;
  for (const auto& c : m.python_components) out[c.name] = c.module + ":" + c.function;
  return out;
}

/// `[{"name", "description"}]` of a manifest's commands.
json::array commands_json(const loader::Manifest& m) {
  json::array out;
  for (const auto& c : m.commands) out.push_back({{"name", c.name}, {"description", c.description}});
  return out;
}

/// The registry's notes about commands not used (a built-in's verb, or a verb another plugin
/// provides first): what `plugins check` repeats after its results.
std::vector<const loader::SkippedManifest*> command_clashes(const loader::Registry& registry) {
  std::vector<const loader::SkippedManifest*> out;
  for (const auto& s : registry.skipped()) {
    if (s.reason.rfind("command '", 0) == 0) out.push_back(&s);
  }
  return out;
}

/// Prints each policy problem as an error line; exit 3 if there is one, else `code`.
int report_policy(const Invocation& inv, const loader::Registry& registry, int code) {
  for (const auto& problem : registry.policy_problems()) inv.err << "torchx: error: " << problem << "\n";
  return registry.policy_problems().empty() ? code : k_exit_plugin;
}

/// Whether `path` is a directory; false when it cannot be told (a symlink loop, no permission),
/// as discovery treats it.
bool is_dir(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

int list_plugins(const Invocation& inv, const loader::Registry& registry, bool as_json) {
  if (as_json) {
    json::object out;
    json::array dirs;
    for (const auto& d : registry.search_path()) {
      dirs.push_back({{"path", d.path.string()}, {"origin", d.origin}, {"exists", is_dir(d.path)}});
    }
    json::array plugins;
    for (const auto& p : registry.plugins()) {
      const auto& m = p.manifest;
      plugins.push_back({{"name", m.name},
                         {"version", m.version},
                         {"required", registry.is_required(m.name)},
                         {"description", m.description},
                         {"manifest", m.path.string()},
                         {"library", m.has_library() ? json::value(m.library_path.string()) : json::value(nullptr)},
                         {"origin", registry.search_path()[p.search_dir].origin},
                         {"schedulers", to_array(m.provides.schedulers)},
                         {"components", to_array(m.provides.components)},
                         {"trackers", to_array(m.provides.trackers)},
                         {"named_resources", to_array(m.provides.named_resources)},
                         {"python_components", python_components(m)},
                         {"commands", commands_json(m)}});
    }
    json::array skipped;
    for (const auto& s : registry.skipped()) {
      skipped.push_back({{"path", s.path.string()}, {"plugin", s.plugin}, {"reason", s.reason}});
    }
    json::array ignored;
    for (const auto& i : registry.ignored()) ignored.push_back({{"source", i.source}, {"value", i.value}});
    const auto& policy = registry.policy();
    json::object policy_json{{"file", policy.file.empty() ? json::value(nullptr) : json::value(policy.file.string())},
                             {"required", to_array(policy.required)},
                             {"optional", to_array(policy.optional)},
                             {"problems", to_array(registry.policy_problems())}};
    out["search_path"] = std::move(dirs);
    out["plugins"] = std::move(plugins);
    out["skipped"] = std::move(skipped);
    out["ignored"] = std::move(ignored);
    out["policy"] = std::move(policy_json);
    inv.out << json::serialize(out) << "\n";
    return report_policy(inv, registry, k_exit_ok);
  }
  // One text, written at once: a thousand plugins are ~10,000 small pieces.
  std::string o;
  o.reserve(256 + registry.plugins().size() * 192 + registry.skipped().size() * 128);
  const auto append_join = [&o](const std::vector<std::string>& v) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i != 0) o += ", ";
      o += v[i];
    }
  };
  o += "search path (first found wins):\n";
  for (const auto& d : registry.search_path()) {
    o += "  ";
    o += d.path.native();
    o += "  (";
    o += d.origin;
    o += is_dir(d.path) ? ")\n" : ", absent)\n";
  }
  if (!registry.ignored().empty()) {
    o += "\nignored in a setuid/setgid process (" + std::to_string(registry.ignored().size()) + "):\n";
    for (const auto& i : registry.ignored()) o += "  " + i.source + " " + i.value + "\n";
  }
  if (const auto& policy = registry.policy(); !policy.file.empty()) {
    o += "\npolicy " + policy.file.string() + " (" + policy.origin + "):\n" + "  required: ";
    append_join(policy.required.empty() ? std::vector<std::string>{"(none)"} : policy.required);
    o += "\n  optional: ";
    append_join(policy.optional.empty() ? std::vector<std::string>{"(none)"} : policy.optional);
    o += "\n";
  }
  o += "\nplugins (" + std::to_string(registry.plugins().size()) + "):\n";
  for (const auto& p : registry.plugins()) {
    const auto& m = p.manifest;
    o += "  ";
    o += m.name;
    o += ' ';
    o += m.version;
    if (registry.is_required(m.name)) o += " (required)";
    o += "  ";
    o += m.path.native();
    o += '\n';
    if (!m.description.empty()) {
      o += "      ";
      o += m.description;
      o += '\n';
    }
    const std::pair<const char*, const std::vector<std::string>*> kinds[] = {{"schedulers", &m.provides.schedulers},
                                                                             {"components", &m.provides.components},
                                                                             {"trackers", &m.provides.trackers},
                                                                             {"named resources", &m.provides.named_resources}};
    for (const auto& [kind, names] : kinds) {
      if (names->empty()) continue;
      o += "      ";
      o += kind;
      o += ": ";
      append_join(*names);
      o += '\n';
    }
    if (!m.commands.empty()) {
      o += "      commands: ";
      for (std::size_t i = 0; i < m.commands.size(); ++i) o += (i != 0 ? ", " : "") + m.commands[i].name;
      o += '\n';
    }
    if (!m.python_components.empty()) {
      o += "      python components: ";
      for (std::size_t i = 0; i < m.python_components.size(); ++i) {
        const auto& c = m.python_components[i];
        o += (i != 0 ? ", " : "") + c.name + " (" + c.module + ":" + c.function + ")";
      }
      o += '\n';
    }
  }
  if (!registry.skipped().empty()) {
    o += "\nnot used (" + std::to_string(registry.skipped().size()) + "):\n";
    for (const auto& sk : registry.skipped()) {
      o += "  " + sk.path.string() + (sk.plugin.empty() ? "" : " (" + sk.plugin + ")") + ": " + sk.reason + "\n";
    }
  }
  inv.out << o;
  return report_policy(inv, registry, k_exit_ok);
}

int check_plugins(const Invocation& inv, const loader::Registry& registry, const std::string& only, bool as_json) {
  std::vector<const loader::PluginEntry*> targets;
  if (!only.empty()) {
    const loader::PluginEntry* p = registry.plugin(only);
    if (p == nullptr) {
      std::vector<std::string> names;
      for (const auto& e : registry.plugins()) names.push_back(e.manifest.name);
      throw UsageError("no plugin named '" + only + "'" + util::did_you_mean(only, names) + " (see: torchx plugins)");
    }
    targets.push_back(p);
  } else {
    for (const auto& p : registry.plugins()) targets.push_back(&p);
  }
  const auto timeout = plugin_check_timeout(inv.err);
  int failed = 0;
  json::array results;
  for (const auto* p : targets) {
    const std::string& name = p->manifest.name;
    const bool required = registry.is_required(name);
    if (!p->manifest.has_library()) {
      // Python components only: nothing to load here; each is imported when it is run.
      results.push_back({{"plugin", name}, {"ok", true}, {"required", required}, {"abi_version", nullptr}});
      if (!as_json)
        inv.out << "ok      " << name << (required ? " (required)" : "")
                << " (no library: Python components, imported when run)\n";
      continue;
    }
    ProbeResult r;
    try {
      r = probe_plugin(name, inv.session.plugin_paths(), timeout);
    } catch (const std::system_error& e) {
      r.reason = std::string("cannot run the check: ") + e.what();
    }
    inv.err << r.child_stderr;  // the plugin's own log lines
    if (std::ostream* debug = inv.session.plugin_debug(); debug != nullptr) {
      *debug << "torchx: plugin-debug: plugin '" << name << "': "
             << (r.ok ? "loaded in a child process (ABI " + std::to_string(r.abi_version) + ")"
                      : "failed to load in a child process: " + r.reason)
             << "\n";
    }
    const std::string label = name + (required ? " (required)" : "");
    if (r.ok) {
      results.push_back({{"plugin", name}, {"ok", true}, {"required", required}, {"abi_version", r.abi_version}});
      if (!as_json) inv.out << "ok      " << label << " (ABI " << r.abi_version << ")\n";
    } else {
      ++failed;
      results.push_back({{"plugin", name}, {"ok", false}, {"required", required}, {"reason", r.reason}});
      if (!as_json) inv.out << "FAILED  " << label << ": " << r.reason << "\n";
    }
  }
  if (as_json) {
    inv.out << json::serialize(results) << "\n";
  } else {
    for (const auto* clash : command_clashes(registry)) {
      if (only.empty() || clash->plugin == only) inv.out << "warning " << clash->plugin << ": " << clash->reason << "\n";
    }
  }
  return report_policy(inv, registry, failed == 0 ? k_exit_ok : k_exit_plugin);
}

}  // namespace

int cmd_plugins(const Invocation& inv) {
  VerbSpec spec{
      "torchx plugins [--json] [check [NAME]]\n"
      "       torchx plugins add-python NAME [--prefix PREFIX] [--dir DIR]",
      "Lists the plugin search path, the plugins found and what each provides, and the manifests not used\n"
      "(shadowed, disabled, broken) with the reason. Reads manifests only.\n"
      "'check' also loads and negotiates each plugin (or NAME), each in a child process so that a crash\n"
      "or hang is reported by name (limit: $TORCHX_PLUGIN_CHECK_TIMEOUT seconds, default 10), and\n"
      "reports failures (exit 3). A required plugin (site policy) missing or failing is exit 3 too.\n"
      "'add-python' writes the manifest of an installed Python component package: the components of\n"
      "distribution NAME's 'torchx.components' entry points (or of module NAME, named PREFIX.fn), as\n"
      "$TORCHX_PYTHON (else python3) imports them, into DIR (default: the user plugin dir,\n"
      "$XDG_DATA_HOME/torchx/plugins.d). A name a plugin already provides (the builtins) is left out.",
      {},
      {}};
  spec.options.add_options()("action", po::value<std::string>(), "check or add-python")(
      "name", po::value<std::string>(), "plugin name (check), distribution or module (add-python)")(
      "json", "print JSON")("prefix", po::value<std::string>(),
                            "add-python of a module: its components are named PREFIX.fn")(
      "dir", po::value<std::string>(), "add-python: write the manifest here (default: the user plugin dir)");
  spec.positional.add("action", 1).add("name", 1);
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  const bool as_json = vm->count("json") != 0U;
  // The policy problems are reported after the listing, not instead of it.
  const auto& registry = inv.session.registry_unchecked();
  if (vm->count("action") == 0U) return list_plugins(inv, registry, as_json);
  const auto action = get<std::string>(*vm, "action");
  if (action == "add-python") {
    return add_python_plugin(inv, get<std::string>(*vm, "name"), get<std::string>(*vm, "prefix"),
                             get<std::string>(*vm, "dir"));
  }
  if (action != "check") {
    throw UsageError("unknown plugins action '" + action + "'" + util::did_you_mean(action, {"check", "add-python"}) +
                     " (usage: torchx plugins [--json] [check [NAME]] | add-python NAME)");
  }
  return check_plugins(inv, registry, get<std::string>(*vm, "name"), as_json);
}

}  // namespace torchx::cli
