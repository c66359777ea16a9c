// SPDX-License-Identifier: BSD-3-Clause
// torchx-plugin-conformance: loads one plugin through the real C ABI and checks what every plugin
// must do. Exit 0 when every check passes (or is skipped), 1 when one fails, 2 on a usage error.
#include "checks.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace conf = torchx::conformance;
namespace manifests = torchx::manifests;

namespace {

constexpr const char* k_usage =
    "usage: torchx-plugin-conformance [--json] [--timeout SECONDS] [--unknown-app-id ID] [--state-dir DIR]\n"
    "                                 [--log-query JSON] [--verbose] (MANIFEST | --library PATH --name NAME)\n";

constexpr const char* k_help =
    "\n"
    "Loads a torchx plugin through its C ABI and checks what every plugin must do: negotiation,\n"
    "names and versions against the manifest, table sizes, not-found answers for unknown apps,\n"
    "idempotent cancel, valid JSON payloads, messages on every error, and repeatable answers.\n"
    "Nothing is ever scheduled. See plugin-api/conformance/README.md.\n"
    "\n"
    "arguments:\n"
    "  MANIFEST              the plugin's manifest (<dir>/plugins.d/<name>.json); its library_path is\n"
    "                        relative to the manifest's directory\n"
    "  --library PATH        check this library without a manifest (version and provides unchecked)\n"
    "  --name NAME           the plugin name the library must answer (with --library)\n"
    "  --json                print the report as one JSON object instead of lines\n"
    "  --timeout SECONDS     how long one check may run before it fails (default 120; 0: no limit)\n"
    "  --unknown-app-id ID   the app id no scheduler knows (default torchx-conformance-no-such-app)\n"
    "  --log-query JSON      the log query of an app the scheduler has ({\"app_id\", \"role_name\", \"k\"}):\n"
    "                        its logs read with log_read (ABI 1.1) must be log_next's lines\n"
    "  --state-dir DIR       run in DIR and point the plugins' state there (default: a new temporary\n"
    "                        directory, removed afterwards)\n"
    "  --verbose             print the plugin's log messages on stderr\n"
    "  -h, --help            show this help\n"
    "\n"
    "output: one line per check, 'PASS|FAIL|SKIP <check>: <reason>', then a summary line.\n"
    "exit codes: 0 every check passed or was skipped, 1 a check failed, 2 usage error.\n";

int usage_error(const std::string& message) {
  std::cerr << k_usage << "torchx-plugin-conformance: error: " << message << '\n';
  return 2;
}

/// The command line, parsed.
struct Arguments {
  std::optional<std::string> manifest;
  std::optional<std::string> library;
  std::optional<std::string> name;
  std::optional<std::string> state_dir;
  bool json = false;
  conf::Options options;
};

/// Parses argv into `args`; returns an error message, or empty.
std::string parse(int argc, char** argv, Arguments& args) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    const auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= words.size()) return std::nullopt;
      return words[++i];
    };
    if (w == "--json") {
      args.json = true;
    } else if (w == "--verbose") {
      args.options.verbose = true;
    } else if (w == "--library" || w == "--name" || w == "--state-dir" || w == "--unknown-app-id" || w == "--timeout" ||
               w == "--log-query") {
      const auto v = value();
      if (!v || v->empty()) return "argument " + w + ": expected a value";
      if (w == "--library") args.library = *v;
      if (w == "--name") args.name = *v;
      if (w == "--state-dir") args.state_dir = *v;
      if (w == "--unknown-app-id") args.options.unknown_app_id = *v;
      if (w == "--log-query") args.options.log_query = *v;
      if (w == "--timeout") {
        char* end = nullptr;
        const long t = std::strtol(v->c_str(), &end, 10);
        if (*end != '\0' || t < 0 || t > 86400)
          return "argument --timeout: expected seconds (0..86400), given '" + *v + "'";
        args.options.timeout_s = static_cast<int>(t);
      }
    } else if (!w.empty() && w[0] == '-') {
      return "unknown flag '" + w + "'";
    } else if (args.manifest) {
      return "one manifest at a time (given '" + *args.manifest + "' and '" + w + "')";
    } else {
      args.manifest = w;
    }
  }
  if (args.manifest && args.library) return "give a MANIFEST or --library, not both";
  if (!args.manifest && !args.library) return "no plugin given: a MANIFEST or --library PATH --name NAME";
  if (args.library && !args.name) return "--library needs --name (the plugin name it must answer)";
  if (args.name && !args.library) return "--name goes with --library (a manifest names its plugin)";
  return {};
}

/// Points the state of the first-party plugins and of XDG-following ones at `dir`, so that no
/// check reads or writes the user's real state.
void redirect_state(const std::filesystem::path& dir) {
  const std::vector<std::pair<const char*, const char*>> vars = {{"TORCHX_LOCAL_DIR", "local"},
                                                                 {"TORCHX_SLURM_DIR", "slurm"},
                                                                 {"TORCHX_TEST_SCHEDULER_STATE", "test_scheduler.json"},
                                                                 {"XDG_STATE_HOME", "state"},
                                                                 {"XDG_DATA_HOME", "data"},
                                                                 {"XDG_CACHE_HOME", "cache"}};
  for (const auto& [var, sub] : vars) {
    const auto path = dir / sub;
    if (std::string(sub).find('.') == std::string::npos) std::filesystem::create_directories(path);
    ::setenv(var, path.c_str(), 1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0) {
      std::cout << k_usage << k_help;
      return 0;
    }
  }
  Arguments args;
  if (auto error = parse(argc, argv, args); !error.empty()) return usage_error(error);

  manifests::Manifest manifest;
  conf::Report report;
  std::error_code ec;
  if (args.manifest) {
    const std::filesystem::path path = std::filesystem::absolute(*args.manifest);
    if (!std::filesystem::is_regular_file(path, ec))
      return usage_error("manifest '" + *args.manifest + "' does not exist");
    try {
      manifest = manifests::parse_manifest(path);
      if (!manifest.has_library()) {
        return usage_error("manifest '" + *args.manifest +
                           "' has no library: it names Python components only, which this harness does not check");
      }
      report.add("manifest", conf::pass(path.string()));
    } catch (const manifests::ManifestError& e) {
      report.add("manifest", conf::fail(path.string() + ": " + e.what()));
    }
  } else {
    const std::filesystem::path path = std::filesystem::absolute(*args.library);
    if (!std::filesystem::is_regular_file(path, ec))
      return usage_error("library '" + *args.library + "' does not exist");
    manifest.name = *args.name;
    manifest.library_path = path;
    manifest.abi_versions = {TX_ABI_VERSION};
    args.options.have_manifest = false;
  }
  const std::string subject = "plugin '" + (manifest.name.empty() ? std::string("?") : manifest.name) + "'";

  bool remove_scratch = false;
  if (args.state_dir) {
    args.options.scratch_dir = std::filesystem::absolute(*args.state_dir);
    std::filesystem::create_directories(args.options.scratch_dir, ec);
    if (ec) return usage_error("cannot create --state-dir '" + *args.state_dir + "': " + ec.message());
  } else {
    std::string pattern = (std::filesystem::temp_directory_path() / "torchx-conformance-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::cerr << "torchx-plugin-conformance: error: cannot create a temporary directory: " << std::strerror(errno)
                << '\n';
      return 2;
    }
    args.options.scratch_dir = pattern;
    remove_scratch = true;
  }
  redirect_state(args.options.scratch_dir);
  std::filesystem::current_path(args.options.scratch_dir);

  if (report.ok()) conf::run_checks(manifest, args.options, report);

  if (args.json)
    report.print_json(std::cout, subject);
  else
    report.print_text(std::cout, subject);
  std::cout.flush();
  if (remove_scratch) std::filesystem::remove_all(args.options.scratch_dir, ec);
  return report.ok() ? 0 : 1;
}
