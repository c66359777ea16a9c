// SPDX-License-Identifier: BSD-3-Clause
// Command plugins (ABI revision 1.1): the manifest's `provides.commands`, the table's validation,
// the registry's clashes, and a command run through the real boundary with the host's services.
#include "host_services.hpp"
#include "registry.hpp"
#include "runner.hpp"

#include <torchx/abi_check.hpp>

#include <doctest/doctest.h>

using namespace torchx::loader;

namespace {

const std::filesystem::path k_fixtures = TORCHX_FIXTURE_DIR;

Registry registry_of(const std::vector<std::string>& variants, std::vector<std::string> reserved = {}) {
  RegistryOptions options;
  std::string dirs;
  for (const auto& v : variants) dirs += (dirs.empty() ? "" : ":") + (k_fixtures / v / "plugins.d").string();
  options.search.getenv = [dirs](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "TORCHX_PLUGIN_SYSTEM_PATH") return dirs;
    return std::nullopt;
  };
  options.search.secure = false;
  options.policy = PluginPolicy{};
  options.reserved_commands = std::move(reserved);
  return Registry::discover(options);
}

std::string load_error(const std::string& variant) {
  const Registry r = registry_of({variant});
  REQUIRE(r.plugins().size() == 1);
  try {
    (void)r.load(r.plugins()[0]);
  } catch (const PluginLoadError& e) {
    return e.reason();
  }
  return "(loaded)";
}

void append(void* ctx, const char* data, size_t len) { static_cast<std::string*>(ctx)->append(data, len); }

struct Run {
  tx_status status;
  int exit_code;
  std::string out, diag, err;
};

Run run_command(const tx_command_api* api, const tx_host_services* services, std::vector<std::string> args) {
  std::vector<const char*> argv{api->name};
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  Run r{TX_E_INTERNAL, 0, {}, {}, {}};
  const tx_sink out{&r.out, &append}, diag{&r.diag, &append}, err{&r.err, &append};
  r.status =
      api->run(api, static_cast<uint32_t>(argv.size() - 1), argv.data(), services, &out, &diag, &r.exit_code, &err);
  return r;
}

std::string messages(const std::vector<torchx::abi::TableProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += (out.empty() ? "" : "; ") + p.message;
  return out;
}

}  // namespace

TEST_SUITE_BEGIN("abi");

TEST_CASE("abi: the revision 1.1 members start after the v1 layout, never in its tail padding") {
  CHECK(offsetof(tx_plugin_info, commands) >= TX_PLUGIN_INFO_V1_SIZE);
  CHECK(offsetof(tx_plugin_info, commands) % alignof(void*) == 0);
  CHECK(TX_COMMAND_V1_SIZE == offsetof(tx_command_api, run) + sizeof(void*));
  CHECK(TX_HOST_SERVICES_V1_SIZE == offsetof(tx_host_services, log_message) + sizeof(void*));
}

TEST_CASE("abi: check_tables refuses a command table without run, a short one and a NULL list") {
  tx_command_api command{};
  command.struct_size = static_cast<uint32_t>(sizeof command);
  command.name = "verb";
  const tx_command_api* list[] = {&command};
  tx_plugin_info info{};
  info.struct_size = static_cast<uint32_t>(sizeof info);
  info.commands = list;
  info.num_commands = 1;
  CHECK(messages(torchx::abi::check_tables(info)) == "command 'verb' has no run");
  command.struct_size = 8;
  CHECK(messages(torchx::abi::check_tables(info)) == "command #0 table is 8 bytes, ABI 1 needs at least " +
                                                         std::to_string(TX_COMMAND_V1_SIZE) + " (TX_COMMAND_V1_SIZE)");
  info.commands = nullptr;
  CHECK(messages(torchx::abi::check_tables(info)) == "command list is NULL with 1 entries");
  // An answer whose struct_size ends before the commands (a host of v1.0's layout): not read.
  info.struct_size = static_cast<uint32_t>(TX_PLUGIN_INFO_V1_SIZE);
  CHECK(messages(torchx::abi::check_tables(info)) == "");
}

TEST_CASE("abi: a command table without run is refused when the plugin loads") {
  CHECK(load_error("command_no_run") == "command 'fxcmd' has no run");
}

TEST_CASE("abi: a manifest declaring a command its library lacks is refused, and the reverse") {
  CHECK(load_error("command_missing") == "its manifest lists command 'fxmissing', which the plugin does not provide");
  CHECK(load_error("command_unlisted") ==
        "provides command 'fxextra', which its manifest does not list (it lists 'fxcmd'; rebuild after renaming)");
}

TEST_CASE("abi: a plugin built against the frozen v1.0 header has no commands") {
  const Registry r = registry_of({"frozen_v1_0"});
  CHECK(r.commands().empty());
  const auto library = r.load(r.plugins()[0]);
  CHECK(library->command("fxcmd") == nullptr);
  CHECK(library->scheduler("fx_frozen_v1_0") != nullptr);
}

TEST_CASE("abi: a command runs through the boundary and reaches the runner through the host's services") {
  const Registry r = registry_of({"command"});
  const auto entry = r.command("fxcmd");
  REQUIRE(entry.has_value());
  CHECK(entry->decl.description == "fixture command");
  const auto library = r.load(*entry->plugin);
  const tx_command_api* api = library->command("fxcmd");
  REQUIRE(api != nullptr);
  torchx::runner::Runner runner(r);
  torchx::runner::HostServices services([&]() -> torchx::runner::Runner& { return runner; }, "fxcmd");

  auto ok = run_command(api, services.table(), {"a b", "$(x)", ";|&"});
  CHECK(ok.status == TX_OK);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "argv[0]=fxcmd\nargv[1]=a b\nargv[2]=$(x)\nargv[3]=;|&\n");

  CHECK(run_command(api, services.table(), {"status", "fx_command://torchx/fx-1"})
            .out.starts_with("status: ok {\"state\":\"SUCCEEDED\""));
  CHECK(run_command(api, services.table(), {"status", "fx_command://torchx/nope"}).out ==
        "status: 2 app 'fx_command://torchx/nope' not found (it does not exist or was removed)\n");
  CHECK(run_command(api, services.table(), {"status", "not a handle"}).out.starts_with("status: 1 "));
  CHECK(run_command(api, services.table(), {"list", "{\"scheduler\": \"fx_command\"}"}).out ==
        "list: 3 scheduler 'fx_command' does not support list\n");
  CHECK(run_command(api, services.table(), {"list", "[]"}).out == "list: 1 list query must be a JSON object\n");
  CHECK(run_command(api, services.table(), {"list", "{}"}).out ==
        "list: 1 list query needs \"scheduler\" (a non-empty string)\n");
  CHECK(run_command(api, services.table(), {"list", "{\"scheduler\": \"nope\"}"}).out.starts_with("list: 2 "));
  CHECK(run_command(api, services.table(), {"cancel", "fx_command://torchx/fx-1"}).out ==
        "cancel: ok {\"state\":\"SUCCEEDED\"}\n");
  CHECK(run_command(api, services.table(), {"delete", "fx_command://torchx/fx-1"}).out ==
        "delete: 3 scheduler 'fx_command' does not support delete\n");
  CHECK(run_command(api, services.table(),
                    {"log", "{\"app_handle\": \"fx_command://torchx/fx-1\", \"role_name\": \"r\"}"})
            .out == "log: 3 scheduler 'fx_command' does not support logs\n");
  CHECK(run_command(api, services.table(), {"log", "{\"app_handle\": \"fx_command://torchx/fx-1\"}"}).out ==
        "log: 1 log query needs \"role_name\" (a non-empty string)\n");

  auto failed = run_command(api, services.table(), {"fail"});
  CHECK(failed.status == TX_E_UNAVAILABLE);
  CHECK(failed.err == "the fixture command failed");
  CHECK(failed.diag == "about to fail\n");
}

TEST_CASE("abi: Registry reports a command taking a reserved verb and a verb two plugins declare") {
  const Registry r = registry_of({"command", "command_dup", "command_builtin"}, {"list", "run"});
  REQUIRE(r.commands().size() == 1);
  CHECK(r.commands()[0].plugin->manifest.name == "fx_command");
  CHECK_FALSE(r.command("list").has_value());
  std::vector<std::string> reasons;
  for (const auto& s : r.skipped()) reasons.push_back(s.plugin + ": " + s.reason);
  const std::string first = (k_fixtures / "command/plugins.d/fx_command.json").string();
  CHECK(reasons ==
        std::vector<std::string>{
            "fx_command_dup: command 'fxcmd' not used: plugin 'fx_command' (" + first + ") provides it first",
            "fx_command_builtin: command 'list' not used: it is a built-in torchx command, which a plugin "
            "cannot replace (rename it in fx_command_builtin.json)"});
}

namespace {

std::string manifest_with_commands(const std::string& commands, bool library = true) {
  return std::string(R"({"file_format_version": "1.2.0", "plugin": {"name": "p", "version": "1",)") +
         (library ? R"("library_path": "libp.so", "abi_versions": [1],)" : R"("python_components": {"a.b": "m:f"},)") +
         R"("provides": {"commands": )" + commands + "}}}";
}

std::string manifest_error(const std::string& commands, bool library = true) {
  try {
    (void)parse_manifest_text(manifest_with_commands(commands, library), "/m/p.json");
  } catch (const ManifestError& e) {
    return e.what();
  }
  return "(parsed)";
}

}  // namespace

TEST_CASE("loader::parse_manifest reads provides.commands in order") {
  const Manifest m = parse_manifest_text(
      manifest_with_commands(
          R"([{"name": "prune", "description": "delete old apps"}, {"name": "a-b_2", "description": "x"}])"),
      "/m/p.json");
  CHECK(m.commands == std::vector<CommandDecl>{{"prune", "delete old apps"}, {"a-b_2", "x"}});
  CHECK(parse_manifest_text(manifest_with_commands("[]"), "/m/p.json").commands.empty());
}

TEST_CASE("loader::parse_manifest rejects each malformed command with its reason") {
  CHECK(manifest_error("{}") == "\"plugin.provides.commands\" must be an array of {\"name\", \"description\"}");
  CHECK(manifest_error("[1]") == "\"plugin.provides.commands[0]\" must be an object {\"name\", \"description\"}");
  CHECK(manifest_error(R"([{"description": "x"}])") == "missing \"plugin.provides.commands[0].name\"");
  CHECK(manifest_error(R"([{"name": "x"}])") == "missing \"plugin.provides.commands[0].description\"");
  CHECK(manifest_error(R"([{"name": "Prune", "description": "x"}])") ==
        "\"plugin.provides.commands[0].name\": 'Prune' is not a command name (1 to 64 lowercase letters, digits, '-' "
        "and '_', starting with a letter)");
  CHECK(manifest_error(R"([{"name": "-x", "description": "x"}])").find("'-x' is not a command name") !=
        std::string::npos);
  CHECK(manifest_error(R"([{"name": "x;rm", "description": "x"}])").find("is not a command name") != std::string::npos);
  CHECK(manifest_error(R"([{"name": "x", "description": "two\nlines"}])") ==
        "\"plugin.provides.commands[0].description\" of 'x' must be one non-empty line of at most 200 bytes");
  CHECK(manifest_error(R"([{"name": "x", "description": ""}])").find("one non-empty line") != std::string::npos);
  CHECK(manifest_error(R"([{"name": "x", "description": ")" + std::string(201, 'a') + R"("}])")
            .find("at most 200 bytes") != std::string::npos);
  CHECK(manifest_error(R"([{"name": "x", "description": "a"}, {"name": "x", "description": "b"}])") ==
        "\"plugin.provides.commands\" lists 'x' twice");
  CHECK(manifest_error(R"([{"name": "x", "description": "a"}])", false) ==
        "\"plugin.provides.commands\" needs \"plugin.library_path\" (a plugin without a library provides only "
        "\"plugin.python_components\")");
}
