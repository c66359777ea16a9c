// SPDX-License-Identifier: BSD-3-Clause
// libtorchx_runtime.so through its C API (torchx/runner_c.h), over the test scheduler plugin:
// what every caller sees at the boundary (codes, error objects, ownership), whatever the language.
#include <torchx/runner_c.h>

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <string>

namespace json = boost::json;

namespace {

/// Takes a string the library returned (freeing it).
std::string take(char* text) {
  std::string out = text == nullptr ? std::string() : std::string(text);
  tx_free(text);
  return out;
}

struct Fixture {
  torchx::test::TempDir tmp;
  tx_runner* runner = nullptr;
  Fixture() {
    ::setenv("TORCHX_TEST_SCHEDULER_STATE", (tmp.path() / "apps.json").c_str(), 1);
    ::setenv("TORCHX_PLUGIN_SYSTEM_PATH", "/nonexistent", 1);  // the test plugin only
    ::setenv("TORCHX_PLUGIN_POLICY", "", 1);
    const std::string options = json::serialize(json::object{
        {"plugin_path", json::array{std::string(TORCHX_TEST_PLUGIN_DIR) + "/plugins.d"}}, {"config", "none"}});
    char* error = nullptr;
    REQUIRE(tx_runner_open(options.c_str(), &runner, &error) == TX_RUNNER_OK);
    CHECK(error == nullptr);
  }
  ~Fixture() {
    tx_runner_close(runner);
    ::unsetenv("TORCHX_PLUGIN_SYSTEM_PATH");
    ::unsetenv("TORCHX_PLUGIN_POLICY");
  }
  /// The whole answer object of a call, and its status.
  std::pair<tx_runner_status, json::object> call(const char* method, const std::string& request) const {
    char* out = nullptr;
    const tx_runner_status status = tx_runner_call(runner, method, request.c_str(), &out);
    return {status, json::parse(take(out)).as_object()};
  }
};

}  // namespace

TEST_SUITE_BEGIN("capi");

TEST_CASE("tx_runner_call: dryrun_component, schedule, status, and a log stream that outlives its runner") {
  Fixture f;
  CHECK(tx_runner_api_version() == TX_RUNNER_C_API_VERSION);
  CHECK(std::string(tx_runtime_version()) == TORCHX_TEST_VERSION);

  auto [status, answer] = f.call("scheduler_backends", "");
  REQUIRE(status == TX_RUNNER_OK);
  CHECK(answer.at("result") == json::array{"test_sched"});
  CHECK(answer.at("warnings") == json::array{});

  auto [dry_status, dry] =
      f.call("dryrun_component", R"({"component": "test.echo", "args": ["--msg", "hi"], "scheduler": "test_sched"})");
  REQUIRE(dry_status == TX_RUNNER_OK);
  const json::value dryrun = dry.at("result");
  CHECK(dryrun.at("scheduler") == "test_sched");
  auto [sched_status, scheduled] = f.call("schedule", json::serialize(json::object{{"dryrun", dryrun}}));
  REQUIRE(sched_status == TX_RUNNER_OK);
  const std::string handle(scheduled.at("result").as_string());
  CHECK(handle.starts_with("test_sched://torchx/"));

  auto [st, s] = f.call("status", json::serialize(json::object{{"app_handle", handle}}));
  CHECK(st == TX_RUNNER_OK);
  CHECK(s.at("result").at("state") == "SUCCEEDED");

  // A stream outlives its runner: closing the runner keeps the scheduler instance until it closes.
  tx_log_stream* stream = nullptr;
  char* error = nullptr;
  const std::string query = json::serialize(json::object{{"app_handle", handle}, {"role_name", "echo"}, {"k", 0}});
  REQUIRE(tx_log_open(f.runner, query.c_str(), &stream, &error) == TX_RUNNER_OK);
  tx_runner_close(f.runner);
  f.runner = nullptr;
  char* line = nullptr;
  size_t length = 0;
  REQUIRE(tx_log_next(stream, &line, &length, &error) == TX_RUNNER_OK);
  CHECK(length == 2);
  CHECK(take(line) == "hi");
  CHECK(tx_log_next(stream, &line, &length, &error) == TX_RUNNER_END);
  CHECK(line == nullptr);
  tx_log_close(stream);
}

TEST_CASE("tx_runner_call: errors are objects with TorchX's type names, never a crash") {
  Fixture f;
  auto [s1, unknown_method] = f.call("no_such", "{}");
  CHECK(s1 == TX_RUNNER_ERROR);
  CHECK(unknown_method.at("type") == "InvalidRequest");
  CHECK(std::string(unknown_method.at("message").as_string())
            .starts_with("unknown method 'no_such' (methods: build_component, "));

  auto [s2, not_json] = f.call("status", "{not json");
  CHECK(s2 == TX_RUNNER_ERROR);
  CHECK(not_json.at("type") == "InvalidRequest");
  CHECK(not_json.at("message") == "status: the request is not JSON: syntax error");  // not the parser's source line
  auto [s3, missing] = f.call("status", "{}");
  CHECK(missing.at("message") == "status: 'app_handle' is required");
  auto [s4, mistyped] = f.call("log_lines_not_here", "[]");
  CHECK(mistyped.at("type") == "InvalidRequest");

  auto [s5, malformed] = f.call("status", R"({"app_handle": "nope"})");
  CHECK(malformed.at("type") == "MalformedAppHandleException");
  auto [s6, unknown_scheduler] = f.call("status", R"({"app_handle": "slurn://torchx/x"})");
  CHECK(unknown_scheduler.at("type") == "UnknownSchedulerException");
  auto [s7, unknown_app] = f.call("status", R"({"app_handle": "test_sched://torchx/x"})");
  CHECK(s7 == TX_RUNNER_OK);
  CHECK(unknown_app.at("result").is_null());
  auto [s8, cancel_unknown] = f.call("cancel", R"({"app_handle": "test_sched://torchx/x"})");
  CHECK(cancel_unknown.at("type") == "UnknownAppException");
  auto [s9, bad_cfg] = f.call("dryrun_component",
                              R"({"component": "test.echo", "scheduler": "test_sched", "cfg": {"x": {"nested": {}}}})");
  CHECK(bad_cfg.at("type") == "JsonDecodeError");
  auto [s10, not_found] = f.call("build_component", R"({"component": "test.eho"})");
  CHECK(not_found.at("type") == "ComponentNotFoundException");
  CHECK(not_found.at("message") == "component 'test.eho' not found: did you mean 'test.echo'? (see: torchx builtins)");
  auto [s11, bad_args] = f.call("build_component", R"({"component": "test.echo", "args": ["--nope"]})");
  CHECK(bad_args.at("type") == "ComponentArgsError");

  tx_log_stream* stream = nullptr;
  char* error = nullptr;
  CHECK(tx_log_open(f.runner, R"({"app_handle": "test_sched://torchx/x", "role_name": "echo"})", &stream, &error) ==
        TX_RUNNER_ERROR);
  CHECK(stream == nullptr);
  CHECK(json::parse(take(error)).at("type") == "UnknownAppException");
}

TEST_CASE("tx_runner_call: a Python component file is evaluated with the package found from the library") {
  Fixture f;
  const auto file = f.tmp.path() / "comp.py";
  {
    std::ofstream out(file);
    out << "import torchx.specs as specs\n\n"
           "def echo(msg: str = 'hi') -> specs.AppDef:\n"
           "    return specs.AppDef(name='py', roles=[specs.Role(name='r', image='/tmp', entrypoint='echo', args=[msg])])\n";
  }
  const std::string request =
      json::serialize(json::object{{"component", file.string() + ":echo"}, {"args", json::array{"--msg", "from c"}}});
  auto [status, answer] = f.call("build_component", request);
  INFO(json::serialize(answer));
  REQUIRE(status == TX_RUNNER_OK);
  CHECK(answer.at("result").at("roles").at(0).at("args") == json::array{"from c"});
}

TEST_CASE("tx_runner_open and NULL pointers") {
  tx_runner* runner = nullptr;
  char* error = nullptr;
  CHECK(tx_runner_open("{}", nullptr, &error) == TX_RUNNER_MISUSE);
  CHECK(tx_runner_open("[1]", &runner, &error) == TX_RUNNER_ERROR);
  CHECK(runner == nullptr);
  CHECK(json::parse(take(error)).at("message") == "runner options must be a JSON object");
  CHECK(tx_runner_open("{x", &runner, &error) == TX_RUNNER_ERROR);
  CHECK(json::parse(take(error)).at("message") == "runner options are not JSON: syntax error");
  CHECK(tx_runner_open(R"({"config": "most"})", &runner, &error) == TX_RUNNER_ERROR);
  CHECK(json::parse(take(error)).at("message") == R"(runner option 'config' must be "library", "all" or "none")");
  char* out = nullptr;
  CHECK(tx_runner_call(nullptr, "status", "{}", &out) == TX_RUNNER_MISUSE);
  size_t length = 0;
  CHECK(tx_log_next(nullptr, &out, &length, &error) == TX_RUNNER_MISUSE);
  tx_runner_close(nullptr);
  tx_log_close(nullptr);
  tx_free(nullptr);
}

TEST_SUITE_END();
