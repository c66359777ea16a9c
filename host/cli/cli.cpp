// SPDX-License-Identifier: BSD-3-Clause
// Global flags (Boost.Program_options), verb dispatch, error lines and exit codes.
#include "cli.hpp"

#include "command.hpp"
#include "component_args.hpp"
#include "errors.hpp"
#include "exit_codes.hpp"
#include "fd_stream.hpp"
#include "log_filter.hpp"
#include "logging.hpp"
#include "plugin_commands.hpp"
#include "plugin_library.hpp"
#include "plugin_probe.hpp"
#include "quick_commands.hpp"
#include "registry.hpp"
#include "scheduler_proxy.hpp"
#include "session.hpp"

#include <torchx/util/suggest.hpp>

#include <boost/program_options.hpp>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <ostream>
#include <string_view>

#include <unistd.h>

namespace po = boost::program_options;

namespace torchx::cli {
namespace {

constexpr std::string_view k_error_prefix = "torchx: error: ";
constexpr std::string_view k_usage_line =
    "usage: torchx [--log_level LEVEL] [--plugin-path DIR]... [--version] [-h] <command> [<args>]\n";

std::vector<std::string> global_flag_names() { return {"--help", "--version", "--log_level", "--plugin-path"}; }

po::options_description global_options() {
  po::options_description desc;
  desc.add_options()("help,h", "")("version", "")("log_level", po::value<std::string>(), "")(
      "plugin-path", po::value<std::vector<std::string>>()->composing(), "");
  return desc;
}

/// The global flags come before the verb; returns the index of the verb (args.size() if none).
std::size_t verb_index(const std::vector<std::string>& args) {
  std::size_t i = 0;
  while (i < args.size() && args[i].size() > 1 && args[i][0] == '-' && args[i] != "--") {
    i += (args[i] == "--log_level" || args[i] == "--plugin-path") ? 2 : 1;
  }
  if (i < args.size() && args[i] == "--") ++i;
  return std::min(i, args.size());
}

std::string unknown_option_message(const std::string& option) {
  std::string flag = option;
  if (flag.rfind("--", 0) != 0 && flag.rfind('-', 0) != 0) flag = (flag.size() == 1 ? "-" : "--") + flag;
  const auto eq = flag.find('=');
  if (eq != std::string::npos) flag.resize(eq);
  return "unrecognized option '" + flag + "'" + util::did_you_mean(flag, global_flag_names()) + " (see: torchx --help)";
}

std::string default_log_level(std::ostream& err) {
  const char* env = std::getenv("LOGLEVEL");
  if (env == nullptr || *env == '\0') return "INFO";
  if (is_log_level(env)) return env;
  err << "torchx: warning: ignoring LOGLEVEL='" << env << "': expected DEBUG, INFO, WARNING, ERROR or CRITICAL\n";
  return "INFO";
}

/// TORCHX_PLUGIN_DEBUG set to anything but "" or "0". Honoured in setuid/setgid processes too:
/// it only prints what the loader decides, and shows what such a process ignored.
bool plugin_debug_enabled() {
  const char* env = std::getenv("TORCHX_PLUGIN_DEBUG");
  return env != nullptr && *env != '\0' && std::string_view(env) != "0";
}

/// The text of `torchx --help` around `plugin_verbs` (the lines of plugin_commands_help).
std::string help_text(std::string_view plugin_verbs) {
  std::string s;
  s.reserve(3072);
  s += k_usage_line;
  s += "\n"
       "torchx launches PyTorch jobs (AppDefs) locally and on Slurm, and lets you watch, log and\n"
       "cancel them from any shell. Schedulers and components are plugins.\n\n"
       "commands:\n";
  for (const auto& c : commands()) {
    s += "  ";
    s += c.name;
    if (c.name.size() < 12) s.append(12 - c.name.size(), ' ');
    s += c.summary;
    s += '\n';
  }
  if (!plugin_verbs.empty()) {
    s += "\ncommands added by plugins ('torchx COMMAND --help' for each):\n";
    s += plugin_verbs;
  }
  s += "\nglobal options (before the command):\n"
       "  -h, --help         show this help and exit\n"
       "  --version          print the version and exit\n"
       "  --log_level LEVEL  DEBUG, INFO, WARNING, ERROR or CRITICAL (default: $LOGLEVEL, else INFO)\n"
       "  --plugin-path DIR  look for plugin manifests in DIR first (repeatable; also $TORCHX_PLUGIN_PATH)\n"
       "\nexit codes:\n"
       "  0    ok\n"
       "  1    the job ended FAILED or CANCELLED, or an operation failed (unknown component,\n"
       "       scheduler, tracker or app; invalid run option)\n"
       "  2    usage error: unknown command or flag, bad or missing argument of a command or component\n"
       "       (a plugin's command: as it says; 2 for its usage errors, 1 or 4 for its failures)\n"
       "  3    a plugin failed to load or negotiate, or a required plugin is missing (site policy)\n"
       "  4    the backend is unavailable (e.g. sbatch missing, controller down)\n"
       "  130  interrupted by Ctrl-C (the app is cancelled)\n"
       "\nSee 'torchx help <command>' for the help of one command.\n";
  return s;
}

int dispatch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  // Arguments reach plugins as JSON: refuse bytes that are not UTF-8 here, naming the argument.
  if (auto problem = runner::arguments_problem(args); !problem.empty()) throw UsageError(problem);
  const std::size_t verb_at = verb_index(args);
  const std::vector<std::string> globals(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(verb_at));

  bool help = false;
  bool version = false;
  std::optional<std::string> log_level;
  std::vector<std::string> plugin_paths;
  if (args.size() == 1 && (args[0] == "--version" || args[0] == "--help" || args[0] == "-h")) {
    // `torchx --version` and `torchx --help` alone, what start-up is measured by: the parser
    // would make the same of them, and skipping it saves ~35K instructions and the pages of its
    // code (bench/README.md "Start-up"; the CLI test "... alone mean what the parser makes of them").
    version = args[0] == "--version";
    help = !version;
  } else {
    po::variables_map vm;
    try {
      po::store(po::command_line_parser(globals).options(global_options()).run(), vm);
    } catch (const po::unknown_option& e) {
      throw UsageError(unknown_option_message(e.get_option_name()));
    } catch (const po::error& e) {
      throw UsageError(std::string(e.what()) + " (see: torchx --help)");
    }
    help = vm.count("help") != 0U;
    version = vm.count("version") != 0U;
    if (vm.count("log_level") != 0U) log_level = vm["log_level"].as<std::string>();
    if (vm.count("plugin-path") != 0U) plugin_paths = vm["plugin-path"].as<std::vector<std::string>>();
  }
  if (version && !help) {
    out << "torchx-" << TORCHX_VERSION << "\n";
    return k_exit_ok;
  }
  std::string level = log_level ? *log_level : default_log_level(err);
  if (!is_log_level(level)) {
    throw UsageError("invalid --log_level '" + level + "': expected DEBUG, INFO, WARNING, ERROR or CRITICAL");
  }
  Session session(std::move(plugin_paths), plugin_debug_enabled() ? &err : nullptr);
  if (help && !logs_debug(level)) {
    // The plugins' commands from the discovery cache when it can tell (Session::quick_commands:
    // nothing to warn about, no debug lines): no logger, no registry. Else discovery below.
    if (const auto lines = session.quick_commands()) {
      out << help_text(plugin_commands_help(*lines));
      return k_exit_ok;
    }
  }
  init_logging(level);
  if (help) {
    out << global_help(&session);  // the plugins' commands from their manifests: nothing is loaded
    return k_exit_ok;
  }

  if (verb_at >= args.size()) {
    err << k_usage_line << "torchx: error: no command given (see: torchx --help)\n";
    return k_exit_usage;
  }
  const std::string& verb = args[verb_at];
  // The hidden verb of `plugins check` (plugin_probe.hpp), not in the table so not in --help.
  static const Command probe{k_plugin_probe_verb, "", &cmd_plugin_probe};
  const Command* command = verb == k_plugin_probe_verb ? &probe : find_command(verb);
  std::vector<std::string> verb_args(args.begin() + static_cast<std::ptrdiff_t>(verb_at) + 1, args.end());
  if (command == nullptr) {
    // A plugin's command (a built-in verb always wins: the registry refuses a plugin verb that
    // takes one). Reads the manifests; loads only the plugin that provides `verb`.
    if (const auto code = run_plugin_command(verb, verb_args, out, err, session)) return *code;
    throw UsageError("unknown command '" + verb + "'" + util::did_you_mean(verb, all_verbs(session)) +
                     " (see: torchx --help)");
  }
  const Invocation invocation{std::move(verb_args), out, err, session};
  return command->run(invocation);
}

}  // namespace

std::string global_help(Session* session) {
  return help_text(session != nullptr ? plugin_commands_help(*session) : "");
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    return dispatch(args, out, err);
  } catch (const UsageError& e) {
    err << k_error_prefix << e.what() << "\n";
    return k_exit_usage;
  } catch (const runner::ComponentArgsError& e) {
    err << k_error_prefix << e.what() << "\n";
    return k_exit_usage;
  } catch (const runner::InvalidLogRegexError& e) {
    err << k_error_prefix << e.what() << "\n";
    return k_exit_usage;
  } catch (const loader::PluginLoadError& e) {
    err << k_error_prefix << e.what() << "\n";
    return k_exit_plugin;
  } catch (const loader::PluginPolicyError& e) {
    for (const auto& problem : e.problems()) err << k_error_prefix << problem << "\n";
    return k_exit_plugin;
  } catch (const loader::PluginCallError& e) {
    err << k_error_prefix << e.what() << "\n";
    return e.status() == TX_E_UNAVAILABLE ? k_exit_backend_unavailable : k_exit_failure;
  } catch (const std::exception& e) {
    err << k_error_prefix << e.what() << "\n";
    return k_exit_failure;
  }
}

int run(int argc, char** argv) {
  // stdout and stderr as streams of our own (fd_stream.hpp), not std::cout and std::cerr: those
  // wrote through stdio unless sync_with_stdio(false), which allocates six stream buffers on every
  // command. stdout is buffered (the buffer is static storage: only the pages written are
  // touched), stderr unit-buffered as std::cerr. Static, so that their buffers are flushed by
  // exit() too.
  static char out_buffer[64 * 1024];
  static char err_buffer[4096];
  static FdStreamBuf out_buf(STDOUT_FILENO, out_buffer, sizeof out_buffer);
  static FdStreamBuf err_buf(STDERR_FILENO, err_buffer, sizeof err_buffer);
  static std::ostream out(&out_buf);
  static std::ostream err(&err_buf);
  err.setf(std::ios::unitbuf);
  err.tie(&out);  // as std::cerr to std::cout: what was printed comes before an error about it
  std::vector<std::string> args;
  args.reserve(argc > 0 ? static_cast<std::size_t>(argc - 1) : 0);
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  const int code = run(args, out, err);
  out.flush();
  if (!out && code == 0) {
    // The output did not reach its destination (a full disk, /dev/full, a closed pipe with
    // SIGPIPE ignored): not a success.
    err << k_error_prefix << "cannot write the output: " << std::strerror(out_buf.error()) << "\n";
    return k_exit_failure;
  }
  return code;
}

}  // namespace torchx::cli
