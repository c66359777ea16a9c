// SPDX-License-Identifier: BSD-3-Clause
// The runner as another program embeds it: discover plugins, run, watch, log, cancel, delete.
#include "config.hpp"
#include "errors.hpp"
#include "registry.hpp"
#include "runner.hpp"

#include "../support/temp_dir.hpp"

#include <torchx/specs/json.hpp>

#include <doctest/doctest.h>

#include <cstdlib>

using namespace torchx;

namespace {

struct Fixture {
  test::TempDir tmp;
  loader::Registry registry;
  Fixture() {
    ::setenv("TORCHX_TEST_SCHEDULER_STATE", (tmp.path() / "apps.json").c_str(), 1);
    loader::RegistryOptions options;
    options.search.cli_dirs = {std::string(TORCHX_TEST_PLUGIN_DIR) + "/plugins.d"};
    options.search.getenv = [](const char* name) -> std::optional<std::string> {
      if (std::string(name) == "TORCHX_PLUGIN_SYSTEM_PATH") return "/nonexistent";
      return std::nullopt;
    };
    options.policy = loader::PluginPolicy{};  // not this machine's /etc/torchx/plugins.conf
    registry = loader::Registry::discover(options);
  }
};

specs::AppDef echo_app() {
  specs::Role role;
  role.name = "trainer";
  role.image = "/img";
  role.entrypoint = "echo";
  role.args = {"${app_id}", "${replica_id}", "${img_root}"};
  role.num_replicas = 2;
  return specs::AppDef{"train", {role}, {}};
}

}  // namespace

TEST_SUITE_BEGIN("runner");

TEST_CASE("runner::Runner runs an AppDef and reports it through the plugin") {
  Fixture f;
  runner::Runner r(f.registry);
  CHECK(r.scheduler_backends() == std::vector<std::string>{"test_sched"});

  const std::string handle = r.run(echo_app(), "test_sched");
  CHECK(handle.starts_with("test_sched://torchx/train-"));
  const auto status = r.status(handle);
  REQUIRE(status.has_value());
  CHECK(status->state == specs::AppState::SUCCEEDED);
  REQUIRE(status->roles.size() == 1);
  CHECK(status->roles[0].replicas.size() == 2);

  const auto app = r.describe(handle);
  REQUIRE(app.has_value());
  CHECK(app->roles[0].env.get("TORCHX_JOB_ID") != nullptr);
  CHECK(*app->roles[0].env.get("TORCHX_JOB_ID") == "test_sched://torchx/${app_id}");

  const std::string app_id = handle.substr(handle.rfind('/') + 1);
  auto log = r.log_lines(handle, "trainer", 1);
  CHECK(log->next() == app_id);
  CHECK(log->next() == "1");
  CHECK(log->next() == "/img");
  CHECK_FALSE(log->next().has_value());

  const auto apps = r.list("test_sched");
  REQUIRE(apps.size() == 1);
  CHECK(apps[0].app_handle == handle);
  CHECK(apps[0].name == "train");

  r.delete_app(handle);
  CHECK_FALSE(r.status(handle).has_value());
  CHECK_THROWS_AS(r.delete_app(handle), runner::UnknownAppError);
}

TEST_CASE("runner::Runner::wait polls until terminal, and cancel stops a running app") {
  Fixture f;
  runner::Runner r(f.registry);
  specs::Cfg cfg;
  cfg.set("running_polls", std::int64_t{3});
  const std::string handle = r.run(echo_app(), "test_sched", cfg);
  int polls = 0;
  const auto final_status = r.wait(handle, std::chrono::milliseconds(1), [&](const specs::AppStatus&) { ++polls; });
  CHECK(final_status->state == specs::AppState::SUCCEEDED);
  CHECK(polls == 3);

  cfg.set("running_polls", std::int64_t{100});
  const std::string running = r.run(echo_app(), "test_sched", cfg);
  CHECK(r.status(running)->state == specs::AppState::RUNNING);
  r.cancel(running);
  CHECK(r.status(running)->state == specs::AppState::CANCELLED);
  CHECK_NOTHROW(r.cancel(running));  // idempotent
  CHECK_THROWS_AS(r.cancel("test_sched://torchx/nope-1"), runner::UnknownAppError);
}

TEST_CASE("runner::Runner::dryrun validates, injects env and resolves cfg before the plugin sees it") {
  Fixture f;
  runner::Runner r(f.registry);
  ::setenv("TORCHX_PARENT_RUN_ID", "parent-7", 1);
  const auto d = r.dryrun(echo_app(), "test_sched");
  ::unsetenv("TORCHX_PARENT_RUN_ID");
  CHECK(*d.app.roles[0].env.get("TORCHX_PARENT_RUN_ID") == "parent-7");
  CHECK(d.app.roles[0].env.get("TORCHX_INTERNAL_SESSION_ID") != nullptr);
  CHECK(std::get<std::string>(*d.cfg.get("final_state")) == "SUCCEEDED");  // default filled in
  CHECK(d.request_text == "trainer/0: echo ${app_id} 0 /img\ntrainer/1: echo ${app_id} 1 /img\n");
  CHECK(d.to_json().starts_with(R"({"app":{"name":"train")"));

  specs::AppDef bad = echo_app();
  bad.roles[0].num_replicas = 0;
  CHECK_THROWS_AS(r.dryrun(bad, "test_sched"), specs::AppDefValidationError);
  specs::Cfg cfg;
  cfg.set("final_state", std::int64_t{3});
  CHECK_THROWS_WITH_AS(r.dryrun(echo_app(), "test_sched", cfg),
                       "run option 'final_state' must be of type str, but was 3 (int)", specs::InvalidRunConfigError);
  CHECK_THROWS_WITH_AS(r.dryrun(echo_app(), "slurn"),
                       "unknown scheduler 'slurn' (available: test_sched; see: torchx plugins)", runner::UnknownSchedulerError);
}

TEST_CASE("runner::Runner::dryrun_component builds the AppDef through the component plugin") {
  Fixture f;
  runner::Runner r(f.registry);
  const auto d = r.dryrun_component("test.args", {"--name", "exp", "-j", "2x4", "--count=3", "--tags", "a,b", "--env",
                                                  "A=1,B='x=y'", "--debug", "true", "train.py", "--lr", "0.1"},
                                    "test_sched");
  CHECK(d.app.name == "exp");
  CHECK(d.app.roles[0].args == std::vector<std::string>{"train.py", "--lr", "0.1"});
  CHECK(d.app.roles[0].metadata.get("test.args")->text ==
        R"({"name":"exp","j":"2x4","count":3,"tags":["a","b"],"env":{"A":"1","B":"x=y"},"debug":true,"ratio":5E-1})");
  CHECK_THROWS_WITH_AS(r.dryrun_component("test.args", {"--nmae", "x"}, "test_sched"),
                       "component 'test.args': unknown argument '--nmae': did you mean '--name'?", runner::ComponentArgsError);
  CHECK_THROWS_WITH_AS(r.dryrun_component("test.args", {}, "test_sched"),
                       "component 'test.args': missing required argument --name", runner::ComponentArgsError);
  CHECK_THROWS_WITH_AS(r.dryrun_component("test.args", {"--name", "a", "--count", "many"}, "test_sched"),
                       "component 'test.args': argument --count must be an int, given 'many'", runner::ComponentArgsError);
  CHECK_THROWS_WITH_AS(r.dryrun_component("test.args", {"--name", "a", "--name", "b"}, "test_sched"),
                       "component 'test.args': argument --name given more than once", runner::ComponentArgsError);
  CHECK_THROWS_WITH_AS(r.dryrun_component("test.eho", {}, "test_sched"),
                       "component 'test.eho' not found: did you mean 'test.echo'? (see: torchx builtins)",
                       runner::ComponentNotFoundError);
}

TEST_CASE("runner::Runner::dryrun: an explicit parent_run_id wins over TORCHX_PARENT_RUN_ID") {
  Fixture f;
  runner::Runner r(f.registry);
  ::setenv("TORCHX_PARENT_RUN_ID", "from-env", 1);
  const auto explicit_parent = r.dryrun(echo_app(), "test_sched", {}, std::nullopt, "explicit");
  const auto env_parent = r.dryrun(echo_app(), "test_sched");
  const auto no_parent = r.dryrun(echo_app(), "test_sched", {}, std::nullopt, "");  // explicitly none
  ::unsetenv("TORCHX_PARENT_RUN_ID");
  CHECK(*explicit_parent.app.roles[0].env.get("TORCHX_PARENT_RUN_ID") == "explicit");
  CHECK(*env_parent.app.roles[0].env.get("TORCHX_PARENT_RUN_ID") == "from-env");
  CHECK(no_parent.app.roles[0].env.get("TORCHX_PARENT_RUN_ID") == nullptr);
}

TEST_CASE("runner::Runner::use_config gives an embedder the CLI's .torchxconfig layering") {
  Fixture f;
  const runner::Config config = runner::Config::parse(
      "[test_sched]\nfinal_state = FAILED\npriority = 0.25\nbogus = 1\n\n[component:test.echo]\nmsg = from config\n"
      "mgs = typo\n\n[torchx:tracker]\nfile = /store\n\n[named_resource:site.one]\ncpu = 1\n\n[nonsense]\na = b\n",
      "/p/.torchxconfig");
  std::vector<std::string> warnings;
  auto collect = [&](const std::string& w) { warnings.push_back(w); };

  runner::Runner cli(f.registry);  // what `torchx` does: every part of the config
  cli.set_warning_handler(collect);
  cli.use_config(config);
  CHECK(warnings.empty());  // said at the first dryrun, not when a runner only reads statuses
  specs::Cfg overrides;
  overrides.set("final_state", std::string("CANCELLED"));
  auto d = cli.dryrun_component("test.echo", {}, "test_sched", overrides);
  CHECK(std::get<std::string>(*d.cfg.get("final_state")) == "CANCELLED");  // the caller's cfg wins
  CHECK(std::get<double>(*d.cfg.get("priority")) == 0.25);                // ... over the file
  CHECK(d.app.roles[0].args == std::vector<std::string>{"from config"});
  CHECK(*d.app.roles[0].env.get("TORCHX_TRACKERS") == "file");
  CHECK(*d.app.roles[0].env.get("TORCHX_TRACKER_FILE_CONFIG") == "/store");
  CHECK(cli.named_resource("site.one").cpu == 1);
  CHECK(std::get<double>(*cli.resolve_cfg("test_sched").get("priority")) == 0.25);
  CHECK(warnings == std::vector<std::string>{
                        "/p/.torchxconfig: [component:test.echo] mgs: component 'test.echo' has no argument 'mgs', ignored: did you mean "
                        "'msg'? (see: torchx run test.echo --help)",
                        "/p/.torchxconfig: [nonsense]: unknown section, ignored (not a scheduler, and not component:, "
                        "cli:, named_resource:, torchx:tracker or tracker:)",
                        "/p/.torchxconfig: [test_sched] bogus: not a run option of scheduler 'test_sched', ignored (see: "
                        "torchx runopts test_sched)",
                        "/p/.torchxconfig: [test_sched] bogus: not a run option of scheduler 'test_sched', ignored (see: "
                        "torchx runopts test_sched)"});

  runner::Runner library(f.registry);  // TorchX's get_runner(): trackers (and presets) only
  library.set_warning_handler(collect);
  library.use_config(config, runner::ConfigUse::library());
  d = library.dryrun_component("test.echo", {}, "test_sched");
  CHECK(std::get<std::string>(*d.cfg.get("final_state")) == "SUCCEEDED");
  CHECK(d.app.roles[0].args == std::vector<std::string>{"hello world"});
  CHECK(*d.app.roles[0].env.get("TORCHX_TRACKERS") == "file");

  runner::Runner bare(f.registry);  // no config at all
  d = bare.dryrun_component("test.echo", {}, "test_sched");
  CHECK(d.app.roles[0].env.get("TORCHX_TRACKERS") == nullptr);
  CHECK(bare.cfg_from_str("test_sched", "priority=2").size() == 1);
}

TEST_CASE("runner::Runner::dryrun: the workspace travels to the scheduler, absolute, and must be a directory") {
  Fixture f;
  runner::Runner r(f.registry);
  const auto ws = f.tmp.path() / "ws";
  std::filesystem::create_directories(ws);
  auto d = r.dryrun(echo_app(), "test_sched", {}, (ws / "." / "").string());
  REQUIRE(d.workspace.has_value());
  CHECK(*d.workspace == ws.string());
  CHECK(d.request_json.find("\"workspace\":\"" + ws.string() + "\"") != std::string::npos);
  CHECK(d.to_json().find(",\"workspace\":\"" + ws.string() + "\",\"request\":") != std::string::npos);
  CHECK_FALSE(r.dryrun(echo_app(), "test_sched", {}, "").workspace.has_value());
  d = r.dryrun(echo_app(), "test_sched");
  CHECK_FALSE(d.workspace.has_value());
  CHECK(d.to_json().find(",\"workspace\":null,") != std::string::npos);
  const std::string missing = (f.tmp.path() / "missing").string();
  CHECK_THROWS_WITH_AS(r.dryrun(echo_app(), "test_sched", {}, missing),
                       ("workspace '" + missing + "' does not exist").c_str(),
                       runner::WorkspaceError);
  f.tmp.write("file", "x");
  CHECK_THROWS_AS(r.dryrun(echo_app(), "test_sched", {}, (f.tmp.path() / "file").string()), runner::WorkspaceError);
}

TEST_CASE("runner::Runner::dryrun reports what the scheduler declares: runs_locally") {
  Fixture f;
  runner::Runner r(f.registry);
  CHECK_FALSE(r.dryrun(echo_app(), "test_sched").runs_locally);
  specs::Cfg cfg;
  cfg.set("runs_locally", true);
  CHECK(r.dryrun(echo_app(), "test_sched", cfg).runs_locally);
}

TEST_CASE("runner::select_trackers and runner::app_run_from_env: what torchx tracker uses, from the runner") {
  Fixture f;
  const runner::GetEnv no_env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  std::vector<std::string> warnings;
  auto warn = [&](const std::string& w) { warnings.push_back(w); };
  CHECK_THROWS_AS(runner::select_trackers(f.registry, runner::Config{}, std::nullopt, warn, no_env), runner::UnknownTrackerError);
  const runner::Config config = runner::Config::parse("[torchx:tracker]\nmlflow =\n", "/f");
  // No plugin provides it: returned alone, for open_tracker to report with "did you mean".
  const auto chosen = runner::select_trackers(f.registry, config, std::nullopt, warn, no_env);
  REQUIRE(chosen.size() == 1);
  CHECK(chosen[0].name == "mlflow");
  CHECK(runner::select_trackers(f.registry, config, std::string("file"), warn, no_env)[0].origin == "--tracker");
  CHECK_THROWS_AS(runner::open_tracker(f.registry, chosen[0]), runner::UnknownTrackerError);

  CHECK_FALSE(runner::app_run_from_env(no_env).has_value());
  const runner::GetEnv job_env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "TORCHX_JOB_ID") return "local_cwd://torchx/child";
    if (name == "TORCHX_PARENT_RUN_ID") return "local_cwd://torchx/parent";
    return std::nullopt;
  };
  const auto run = runner::app_run_from_env(job_env);
  REQUIRE(run.has_value());
  CHECK(run->run_id == "local_cwd://torchx/child");
  CHECK(run->parent_run_id == "local_cwd://torchx/parent");
}

TEST_CASE("runner::Runner::cancel returns the state the app was in") {
  Fixture f;
  runner::Runner r(f.registry);
  const std::string done = r.run(echo_app(), "test_sched");
  CHECK(r.cancel(done) == specs::AppState::SUCCEEDED);
  specs::Cfg cfg;
  cfg.set("running_polls", std::int64_t{100});
  const std::string running = r.run(echo_app(), "test_sched", cfg);
  CHECK(r.cancel(running) == specs::AppState::RUNNING);
  CHECK(r.cancel(running) == specs::AppState::CANCELLED);
}

TEST_SUITE_END();
