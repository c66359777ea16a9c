// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/app_status.hpp>
#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

using namespace torchx::specs;

namespace {

struct UtcClock {
  UtcClock() {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

std::string error_json(const std::string& message, int code = 1) {
  return R"({"message": {"message": ")" + message + R"(", "errorCode": )" + std::to_string(code) +
         R"(, "extraInfo": {"timestamp": 1700000000}}})";
}

AppStatus sample() {
  AppStatus s;
  s.state = AppState::FAILED;
  s.msg = "oops";
  s.ui_url = "file:///tmp/x";
  s.roles = {RoleStatus{"trainer",
                        {ReplicaStatus{1, AppState::CANCELLED, "trainer", "host1"},
                         ReplicaStatus{0, AppState::FAILED, "trainer", "host0", error_json("RuntimeError: boom")}}},
             RoleStatus{"ps", {ReplicaStatus{0, AppState::RUNNING, "ps", "host2"}}}};
  return s;
}

}  // namespace

TEST_SUITE_BEGIN("specs");

TEST_CASE("specs::AppState names, values and predicates match TorchX") {
  CHECK(std::string(to_string(AppState::RUNNING)) == "RUNNING");
  CHECK(to_repr(AppState::FAILED) == "FAILED (5)");
  CHECK(app_state_from_string("CANCELLED") == AppState::CANCELLED);
  CHECK(app_state_from_string("3") == AppState::RUNNING);
  CHECK_FALSE(app_state_from_string("running").has_value());
  CHECK_FALSE(app_state_from_string("8").has_value());
  CHECK(is_terminal(AppState::SUCCEEDED));
  CHECK(is_terminal(AppState::FAILED));
  CHECK(is_terminal(AppState::CANCELLED));
  CHECK_FALSE(is_terminal(AppState::RUNNING));
  CHECK_FALSE(is_terminal(AppState::UNKNOWN));
  CHECK(is_started(AppState::RUNNING));
  CHECK(is_started(AppState::SUCCEEDED));
  CHECK_FALSE(is_started(AppState::PENDING));
}

TEST_CASE("specs::AppStatus::format prints TorchX's block") {
  UtcClock utc;
  CHECK(sample().format() ==
        "AppStatus:\n"
        "    State: FAILED\n"
        "    Num Restarts: 0\n"
        "    Roles: \n"
        " *trainer[0]:FAILED (exitcode: 1)\n"
        "        timestamp: 2023-11-14 22:13:20\n"
        "        hostname: host0\n"
        "        error_msg: RuntimeError: boom\n"
        "  trainer[1]:CANCELLED (no reply file)\n"
        " *ps[0]:RUNNING\n"
        "    Msg: oops\n"
        "    Structured Error Msg: <NONE>\n"
        "    UI URL: file:///tmp/x\n"
        "    ");
}

TEST_CASE("specs::AppStatus::format filters roles and prints None for no url") {
  AppStatus s = sample();
  s.ui_url.reset();
  const std::string text = s.format({"ps"});
  CHECK(text.find("trainer") == std::string::npos);
  CHECK(text.find(" *ps[0]:RUNNING\n") != std::string::npos);
  CHECK(text.find("    UI URL: None\n") != std::string::npos);
}

TEST_CASE("specs::AppStatus::format wraps and trims error messages as TorchX") {
  UtcClock utc;
  AppStatus s;
  s.state = AppState::FAILED;
  const std::string long_message =
      "word word word word word word word word word word word word word word word word word word word word end";
  s.roles = {RoleStatus{"r", {ReplicaStatus{0, AppState::FAILED, "r", "h", error_json(long_message, 0)}}}};
  const std::string text = s.format();
  CHECK(text.find("FAILED (exitcode: <N/A>)") != std::string::npos);
  CHECK(text.find("        error_msg: word word word word word word word word word word word word word word word word "
                  "word\n" + std::string(16, ' ') + "word word word end\n") != std::string::npos);

  s.roles[0].replicas[0].structured_error_msg =
      error_json("c10::Error: CUDA error: illegal memory access\\nException raised from create_event at x.cpp:1");
  CHECK(s.format().find("error_msg: c10::Error: CUDA error: illegal memory access\n    Msg") != std::string::npos);

  s.roles[0].replicas[0].structured_error_msg =
      error_json("noise\\nValueError('On WorkerInfo(id=1, name=trainer:0:0):\\nTraceback\\n')\\ntrailer");
  CHECK(s.format().find("error_msg: ValueError('On WorkerInfo(id=1, name=trainer:0:0):\nTraceback\n')\n    Msg") !=
        std::string::npos);
}

TEST_CASE("specs::AppStatus::format shows a malformed structured error as it is") {
  AppStatus s;
  s.state = AppState::FAILED;
  s.roles = {RoleStatus{"r", {ReplicaStatus{0, AppState::FAILED, "r", "h", "not json {"}}}};
  CHECK(s.format().find(" *r[0]:not json {\n") != std::string::npos);
  s.roles[0].replicas[0].structured_error_msg = R"({"message": "flat"})";
  CHECK(s.format().find(R"( *r[0]:{"message": "flat"})") != std::string::npos);
}

TEST_CASE("specs::to_json(AppStatus) has TorchX's keys and round-trips") {
  const AppStatus s = sample();
  const std::string json = to_json(s, {"ps"});
  CHECK(json == R"({"state":"FAILED","num_restarts":0,"roles":[{"role":"ps","replicas":[{"id":0,"state":3,"role":"ps",)"
                R"("hostname":"host2","structured_error_msg":"<NONE>"}]}],"msg":"oops","structured_error_msg":"<NONE>",)"
                R"("url":"file:///tmp/x"})");
  CHECK(app_status_from_json(to_json(s)) == s);
  AppStatus no_url;
  no_url.state = AppState::PENDING;
  CHECK(to_json(no_url).find(R"("url":null)") != std::string::npos);
  CHECK(app_status_from_json(to_json(no_url)) == no_url);
}

TEST_CASE("specs::app_status_from_json reports every problem") {
  CHECK_THROWS_WITH_AS(app_status_from_json(R"({"state": "SLEEPING", "num_restarts": "x", "roles": [{"replicas": []}]})"),
                       "invalid AppStatus JSON: state: unknown app state \"SLEEPING\"; num_restarts: expected an integer, "
                       "found a string; roles[0].role: is required",
                       JsonDecodeError);
}

TEST_SUITE_END();
