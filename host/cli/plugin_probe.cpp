// SPDX-License-Identifier: BSD-3-Clause
#include "plugin_probe.hpp"

#include "command.hpp"
#include "exit_codes.hpp"
#include "plugin_library.hpp"
#include "registry.hpp"
#include "session.hpp"
#include "util/subprocess.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <sys/resource.h>

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <sstream>

namespace json = boost::json;

namespace torchx::cli {
namespace {

constexpr std::chrono::milliseconds k_default_timeout{10000};

const char* stage_name(loader::LoadStage stage) {
  switch (stage) {
    case loader::LoadStage::open:
      return "open";
    case loader::LoadStage::negotiate:
      return "negotiate";
    case loader::LoadStage::validate:
      break;
  }
  return "validate";
}

/// Where the child was when it stopped, as words: "during negotiation".
std::string stage_phrase(const std::string& stage) {
  if (stage == "open") return "while loading the library";
  if (stage == "negotiate") return "during negotiation";
  if (stage == "validate") return "while its answer was checked";
  if (stage == "exit") return "after loading, while the check exited";
  return "before loading the plugin";
}

std::string log_level_name() {
  switch (spdlog::get_level()) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "DEBUG";
    case spdlog::level::warn:
      return "WARNING";
    case spdlog::level::err:
      return "ERROR";
    case spdlog::level::critical:
    case spdlog::level::off:
      return "CRITICAL";
    default:
      return "INFO";
  }
}

}  // namespace

std::string format_seconds(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  std::string text = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    std::string frac = std::to_string(1000 + ms % 1000).substr(1);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    text += "." + frac;
  }
  return text + " s";
}

std::string describe_signal(int signal_number) {
  switch (signal_number) {
    case SIGSEGV:
      return "segfault (SIGSEGV)";
    case SIGBUS:
      return "bus error (SIGBUS)";
    case SIGABRT:
      return "aborted (SIGABRT)";
    case SIGFPE:
      return "arithmetic error (SIGFPE)";
    case SIGILL:
      return "illegal instruction (SIGILL)";
    case SIGKILL:
      return "killed (SIGKILL)";
    case SIGTERM:
      return "terminated (SIGTERM)";
    default:
      break;
  }
  const char* abbrev = ::sigabbrev_np(signal_number);
  return "killed by signal " + std::to_string(signal_number) +
         (abbrev != nullptr ? std::string(" (SIG") + abbrev + ")" : "");
}

std::chrono::milliseconds plugin_check_timeout(std::ostream& err) {
  const char* env = std::getenv("TORCHX_PLUGIN_CHECK_TIMEOUT");
  if (env == nullptr || *env == '\0') return k_default_timeout;
  double seconds = 0;
  const char* end = env + std::strlen(env);
  auto [p, ec] = std::from_chars(env, end, seconds);
  if (ec != std::errc{} || p != end || !(seconds > 0) || seconds > 86400) {
    err << "torchx: warning: ignoring TORCHX_PLUGIN_CHECK_TIMEOUT='" << env
        << "': expected a number of seconds above 0 (using " << format_seconds(k_default_timeout) << ")\n";
    return k_default_timeout;
  }
  return std::max(std::chrono::milliseconds(1), std::chrono::milliseconds(static_cast<long long>(seconds * 1000)));
}

ProbeResult probe_plugin(const std::string& plugin, const std::vector<std::string>& plugin_paths,
                         std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{"/proc/self/exe"};
  for (const auto& d : plugin_paths) {
    argv.emplace_back("--plugin-path");
    argv.push_back(d);
  }
  argv.insert(argv.end(), {"--log_level", log_level_name(), std::string(k_plugin_probe_verb), plugin});
  util::ProcessOptions options;
  options.timeout = timeout;
  // A group of its own: a timeout kills what the plugin started too. A plugin that loads fine but
  // leaves something running (a daemon holding our pipes) is not a timeout (see run_process).
  options.new_process_group = true;
  // The parent reports the loader's decisions and discovery warnings; the child reports the load.
  options.env = {{"TORCHX_PLUGIN_DEBUG", std::nullopt}};
  const util::ProcessResult r = util::run_process(argv, options);

  ProbeResult result;
  result.child_stderr = r.err;
  std::string stage;
  std::optional<json::object> answer;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("stage ", 0) == 0) {
      stage = line.substr(6);
    } else if (line.rfind("result ", 0) == 0) {
      boost::system::error_code ec;
      json::value v = json::parse(line.substr(7), ec);
      if (!ec && v.is_object()) answer = v.as_object();
      stage = "exit";  // anything after this happened while the child exited
    }
  }
  if (r.timed_out) {
    result.reason = "did not finish loading within " + format_seconds(timeout) + " (stuck " + stage_phrase(stage) +
                    "; see TORCHX_PLUGIN_CHECK_TIMEOUT)";
  } else if (r.signaled) {
    result.reason = describe_signal(r.exit_code) + " " + stage_phrase(stage);
  } else if (!answer) {
    result.reason =
        "the check exited with status " + std::to_string(r.exit_code) + " " + stage_phrase(stage) + " without a result";
  } else {
    const json::value* ok = answer->if_contains("ok");
    result.ok = ok != nullptr && ok->is_bool() && ok->get_bool();
    if (const json::value* abi = answer->if_contains("abi_version"); abi != nullptr && abi->is_int64()) {
      result.abi_version = static_cast<std::uint32_t>(abi->get_int64());
    }
    if (const json::value* reason = answer->if_contains("reason"); reason != nullptr && reason->is_string()) {
      result.reason = std::string(reason->get_string());
    }
  }
  return result;
}

int cmd_plugin_probe(const Invocation& inv) {
  if (inv.args.size() != 1) {
    throw UsageError("usage: torchx " + std::string(k_plugin_probe_verb) +
                     " PLUGIN (internal, run by 'torchx plugins check')");
  }
  const std::string& name = inv.args[0];
  // A plugin that crashes here is reported by the parent: no core file for it.
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  // Discovery's warnings (broken manifests, ...) were printed by the parent already, which relays
  // this child's stderr: only what the load itself logs is wanted from here.
  const auto level = spdlog::get_level();
  if (level < spdlog::level::err) spdlog::set_level(spdlog::level::err);
  const loader::Registry& registry = inv.session.registry_unchecked();
  spdlog::set_level(level);
  json::object result{{"plugin", name}};
  const loader::PluginEntry* entry = registry.plugin(name);
  if (entry == nullptr) {
    result["ok"] = false;
    result["reason"] = "not found on the plugin search path";
  } else {
    try {
      auto library = loader::PluginLibrary::load(
          entry->manifest, [&](loader::LoadStage s) { inv.out << "stage " << stage_name(s) << std::endl; });
      result["ok"] = true;
      result["abi_version"] = library->abi_version();
    } catch (const loader::PluginLoadError& e) {
      result["ok"] = false;
      result["reason"] = e.reason();
    }
  }
  const bool ok = result["ok"].as_bool();
  inv.out << "result " << json::serialize(result) << std::endl;
  return ok ? k_exit_ok : k_exit_plugin;
}

}  // namespace torchx::cli
