// SPDX-License-Identifier: BSD-3-Clause
// The runner as another program embeds it: discover plugins, run, watch, log, cancel, delete.
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

TEST_SUITE_END();
