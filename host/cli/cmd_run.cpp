// SPDX-License-Identifier: BSD-3-Clause
// `torchx run [options] COMPONENT [component args...]`: build an AppDef and launch it.
#include "command.hpp"
#include "component_args.hpp"
#include "config.hpp"
#include "registry.hpp"
#include "errors.hpp"
#include "exit_codes.hpp"
#include "log_printer.hpp"
#include "runner.hpp"
#include "session.hpp"
#include "verb_args.hpp"

#include <torchx/specs/json.hpp>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <filesystem>
#include <thread>
#include <ostream>
#include <set>

namespace po = boost::program_options;

namespace torchx::cli {
namespace {

/// The scheduler used when -s is not given (an explicit default, not the first plugin found).
constexpr const char* k_default_scheduler = "local_cwd";

const std::set<std::string> k_valued = {"-s", "--scheduler", "-cfg", "--scheduler_args", "--parent_run_id", "--workspace"};

/// Splits `args` into run's own options and `COMPONENT args...`. `-cfg` becomes `--scheduler_args`
/// (Program_options has no single-dash long options).
std::pair<std::vector<std::string>, std::vector<std::string>> split(const std::vector<std::string>& args) {
  std::vector<std::string> own;
  std::size_t i = 0;
  while (i < args.size()) {
    std::string token = args[i];
    if (token == "--") {
      ++i;
      break;
    }
    if (token.size() < 2 || token[0] != '-') break;
    if (token == "-cfg") token = "--scheduler_args";
    else if (token.rfind("-cfg=", 0) == 0) token = "--scheduler_args=" + token.substr(5);
    if (const auto eq = token.find('='); token.starts_with("--") && eq == token.size() - 1) {
      own.push_back(token.substr(0, eq));  // `--workspace=`: an empty value, which Program_options refuses
      own.emplace_back();
      ++i;
      continue;
    }
    own.push_back(token);
    if (k_valued.contains(args[i]) && i + 1 < args.size()) own.push_back(args[++i]);
    ++i;
  }
  return {own, std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(i), args.end())};
}

/// While it lives, Ctrl-C (SIGINT) or SIGTERM cancels the app instead of killing torchx: a thread
/// waits for the signal (blocked in every other thread) and asks the scheduler to cancel, then
/// torchx waits for the app to end. If the cancel fails, or on a second Ctrl-C, torchx exits 130
/// at once: nothing else may keep it waiting for an app that will not end (the app is left as is).
class CancelOnInterrupt {
public:
  CancelOnInterrupt(runner::Runner& runner, std::string handle) {
    sigemptyset(&m_set);
    sigaddset(&m_set, SIGINT);
    sigaddset(&m_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &m_set, &m_old);
    m_thread = std::thread([this, &runner, handle = std::move(handle)] {
      int sig = 0;
      sigwait(&m_set, &sig);
      if (m_done) return;
      m_interrupted = true;
      spdlog::warn("interrupted: cancelling {} (interrupt again to stop waiting)", handle);
      try {
        runner.cancel(handle);
      } catch (const std::exception& e) {
        give_up("interrupted: cannot cancel app '" + handle + "': " + e.what());
      }
      sigwait(&m_set, &sig);
      if (m_done) return;
      give_up("interrupted again: app '" + handle + "' was asked to cancel; not waiting for it to end");
    });
  }
  ~CancelOnInterrupt() {
    m_done = true;
    pthread_kill(m_thread.native_handle(), SIGINT);
    m_thread.join();
    pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
  }
  CancelOnInterrupt(const CancelOnInterrupt&) = delete;
  CancelOnInterrupt& operator=(const CancelOnInterrupt&) = delete;
  [[nodiscard]] bool interrupted() const { return m_interrupted; }

private:
  /// Says why on stderr and exits 130 from this thread, while the main one may still be waiting.
  [[noreturn]] static void give_up(const std::string& why) {
    std::cerr << "torchx: error: " << why << std::endl;
    std::_Exit(k_exit_interrupted);
  }

  sigset_t m_set{};
  sigset_t m_old{};
  std::atomic<bool> m_done{false};
  std::atomic<bool> m_interrupted{false};
  std::thread m_thread;
};

int wait_for(const Invocation& inv, runner::Runner& runner, const std::string& handle, bool log) {
  std::optional<specs::AppStatus> status;
  bool interrupted = false;
  {
    CancelOnInterrupt guard(runner, handle);
    if (log) {
      LogSelection sel;
      sel.app_handle = handle;
      sel.tail = true;
      print_logs(runner, sel, inv.err);  // stderr, as TorchX: stdout holds only the handle
    }
    status = runner.wait(handle, std::chrono::milliseconds(200));
    interrupted = guard.interrupted();
  }
  if (interrupted) {
    inv.err << "torchx: error: interrupted: app '" << handle << "' "
            << (status ? std::string("ended ") + specs::to_string(status->state) : std::string("was cancelled")) << "\n";
    return k_exit_interrupted;
  }
  if (!status) throw runner::UnknownAppError("app '" + handle + "' disappeared while waiting for it");
  if (status->state != specs::AppState::SUCCEEDED) {
    inv.err << "torchx: error: app '" << handle << "' ended " << specs::to_string(status->state)
            << (status->msg.empty() ? "" : ": " + status->msg) << "\n";
    return k_exit_failure;
  }
  spdlog::info("app '{}' ended SUCCEEDED", handle);
  return k_exit_ok;
}

}  // namespace

int cmd_run(const Invocation& inv) {
  VerbSpec spec{"torchx run [-s SCHEDULER] [-cfg K=V,...] [--workspace DIR] [--dryrun] [--wait] [--log] [--detach] [--json] "
                "COMPONENT [ARGS...]",
                "Builds the AppDef of COMPONENT from ARGS and launches it on SCHEDULER (default: local_cwd).\n"
                "COMPONENT is a builtin or plugin component (see 'torchx builtins'), a YAML component file\n"
                "(FILE.yaml[:NAME]) or a Python function returning an AppDef (FILE.py:FN, run by python3);\n"
                "'torchx run COMPONENT --help' shows its arguments.\n"
                "Prints the app handle on stdout; logs (--log, and local_cwd's default) go to stderr, as in TorchX,\n"
                "so h=$(torchx run ...) captures the handle.",
                {}, {}};
  spec.options.add_options()("scheduler,s", po::value<std::string>(), "the scheduler to launch on")(
      "scheduler_args", po::value<std::string>(), "run options as k1=v1,k2=v2 (also -cfg; see: torchx runopts)")(
      "dryrun", "print the AppDef and the scheduler's request; launch nothing")(
      "wait", "wait for the app to end; exit 1 unless it SUCCEEDED")("log", "print the app's logs while waiting (implies --wait)")(
      "detach", "return once launched (schedulers that run apps on this machine otherwise wait)")(
      "workspace", po::value<std::string>(),
      "the directory the job is built from or runs in (default: [cli:run] workspace, else the current directory; "
      "\"\" for none)")(
      "json", "print JSON (with --dryrun: {app, scheduler, cfg, request, request_text})")(
      "parent_run_id", po::value<std::string>(), "the run this one comes from (tracker lineage)");
  auto [own, rest] = split(inv.args);
  auto vm = parse_verb(spec, Invocation{own, inv.out, inv.err, inv.session});
  if (!vm) return k_exit_ok;
  const bool log = vm->count("log") != 0U;
  if (vm->count("detach") != 0U && (vm->count("wait") != 0U || log)) {
    throw UsageError(std::string("--detach returns at once, --") + (log ? "log" : "wait") +
                     " waits for the app: pass one of them (usage: " + spec.usage + ")");
  }
  const runner::Config& config = inv.session.config();
  auto& runner = inv.session.runner();
  // The component: the first argument, else [cli:run] component (then every argument is its).
  std::string component;
  std::vector<std::string> component_args;
  if (!rest.empty() && !rest.front().starts_with("-")) {
    component = rest.front();
    component_args.assign(rest.begin() + 1, rest.end());
  } else if (auto c = config.get("cli:run", "component")) {
    component = c->value;
    component_args = rest;
  } else {
    throw UsageError("missing component name, either provide it on the command line or as 'component' in [cli:run] of "
                     ".torchxconfig (usage: " + spec.usage + ")");
  }

  if (std::find(component_args.begin(), component_args.end(), "--help") != component_args.end()) {
    inv.out << runner::component_help(component, runner::parse_signature(runner.component_signature(component)));
    return k_exit_ok;
  }

  std::string scheduler = k_default_scheduler;
  if (vm->count("scheduler") != 0U) scheduler = get<std::string>(*vm, "scheduler");
  else if (auto s = config.get("cli:run", "scheduler")) scheduler = s->value;
  const bool as_json = vm->count("json") != 0U;
  std::optional<std::string> parent;
  if (vm->count("parent_run_id") != 0U) parent = get<std::string>(*vm, "parent_run_id");
  // The workspace, as TorchX: --workspace, else [cli:run] workspace, else the current directory.
  std::optional<std::string> workspace;
  if (vm->count("workspace") != 0U) {
    workspace = get<std::string>(*vm, "workspace");
  } else if (auto w = config.get("cli:run", "workspace")) {
    workspace = w->value;
  } else {
    std::error_code ec;
    const auto cwd = std::filesystem::current_path(ec);
    if (!ec) workspace = cwd.string();
  }
  runner::DryRunResult dryrun;
  try {
    // Run options: -cfg over .torchxconfig's [scheduler] section (the runner layers them).
    const specs::Cfg cfg = runner.cfg_from_str(scheduler, get<std::string>(*vm, "scheduler_args"));
    dryrun = runner.dryrun_component(component, component_args, scheduler, cfg, workspace, parent);
  } catch (const specs::InvalidRunConfigError& e) {
    throw specs::InvalidRunConfigError(std::string(e.what()) + " (see: torchx runopts " + scheduler + ")", e.cfg_key());
  } catch (const specs::KeyValueParseError& e) {
    throw specs::InvalidRunConfigError(std::string("-cfg: ") + e.what(), "");
  } catch (const runner::WorkspaceError& e) {
    throw runner::WorkspaceError(std::string(e.what()) + " (pass --workspace DIR, or --workspace \"\" for none)");
  }

  if (vm->count("dryrun") != 0U) {
    if (as_json) {
      inv.out << dryrun.to_json() << "\n";
    } else {
      inv.out << "=== APPLICATION ===\n"
              << pretty_json(specs::to_json(dryrun.app)) << "\n\n=== SCHEDULER REQUEST ===\n"
              << dryrun.request_text << "\n";
    }
    return k_exit_ok;
  }

  // Ctrl-C while an app on this machine starts is held until its handle is known, then cancels it
  // (killed there, torchx would leave it running detached, its handle never shown). Starting a
  // local app is bounded (the supervisor's readiness); a remote submission stays interruptible.
  sigset_t held{};
  sigset_t before{};
  sigemptyset(&held);
  sigaddset(&held, SIGINT);
  sigaddset(&held, SIGTERM);
  if (dryrun.runs_locally) pthread_sigmask(SIG_BLOCK, &held, &before);
  std::string handle;
  try {
    handle = runner.schedule(dryrun);
  } catch (...) {
    if (dryrun.runs_locally) pthread_sigmask(SIG_SETMASK, &before, nullptr);  // a held Ctrl-C acts now
    throw;
  }
  struct RestoreMask {
    bool active;
    const sigset_t* mask;
    ~RestoreMask() {
      if (active) pthread_sigmask(SIG_SETMASK, mask, nullptr);
    }
  } restore{dryrun.runs_locally, &before};
  if (as_json) inv.out << boost::json::serialize(boost::json::object{{"app_handle", handle}}) << "\n";
  else inv.out << handle << "\n";
  // --detach on a local scheduler: the handle, once the app is running (schedule waited for it).
  inv.out.flush();
  spdlog::info("launched app: {}", handle);

  // An app on this machine is waited for with its logs (TorchX's local schedulers), unless --detach.
  const bool attached = dryrun.runs_locally && vm->count("detach") == 0U;
  // A Ctrl-C held while the app started is taken by wait_for's guard at once, or here.
  if (vm->count("wait") != 0U || log || attached) return wait_for(inv, runner, handle, log || attached);
  const timespec now{};
  if (dryrun.runs_locally && sigtimedwait(&held, nullptr, &now) > 0) {
    spdlog::warn("interrupted: cancelling {}", handle);
    runner.cancel(handle);
    inv.err << "torchx: error: interrupted: app '" << handle << "' was cancelled\n";
    return k_exit_interrupted;
  }
  return k_exit_ok;
}

}  // namespace torchx::cli
