// SPDX-License-Identifier: BSD-3-Clause
#include "engine_json.hpp"

#include <doctest/doctest.h>

using namespace torchx;
using docker::ContainerInfo;

namespace {

ContainerInfo with(const std::string& status, int code, bool oom = false) {
  ContainerInfo c;
  c.status = status;
  c.exit_code = code;
  c.oom_killed = oom;
  return c;
}

std::string frame(char stream, const std::string& payload) {
  std::string h{stream, 0, 0, 0, 0, 0, 0, 0};
  h[4] = static_cast<char>((payload.size() >> 24) & 0xff);
  h[5] = static_cast<char>((payload.size() >> 16) & 0xff);
  h[6] = static_cast<char>((payload.size() >> 8) & 0xff);
  h[7] = static_cast<char>(payload.size() & 0xff);
  return h + payload;
}

std::vector<std::pair<int, std::string>> lines_of(docker::LogDemux& d) {
  std::vector<std::pair<int, std::string>> out;
  while (auto l = d.next()) out.emplace_back(l->stream, l->text);
  return out;
}

}  // namespace

TEST_CASE("parse_inspect: state, exit code, labels and command of a container") {
  const auto c = docker::parse_inspect(R"({"Id":"abc","Name":"/echo-x-echo-0","RestartCount":2,
    "State":{"Status":"stopped","Running":false,"ExitCode":3,"OOMKilled":false,"Error":""},
    "Config":{"Image":"localhost/busybox","Cmd":["echo","hi"],"Env":["A=1"],
      "Labels":{"torchx.pytorch.org/app-id":"echo-x","torchx.pytorch.org/role-name":"echo","torchx.pytorch.org/replica-id":"0"}}})");
  CHECK(c.name == "echo-x-echo-0");
  CHECK(c.app_id == "echo-x");
  CHECK(c.restart_count == 2);
  CHECK(c.cmd == std::vector<std::string>{"echo", "hi"});
  CHECK(docker::replica_state(c) == specs::AppState::FAILED);  // Podman's "stopped" reads as "exited"
  CHECK(docker::exit_text(c) == "exited with code 3");
}

TEST_CASE("parse_inspect: what is not the documented shape is an EngineJsonError") {
  CHECK_THROWS_AS(docker::parse_inspect("not json"), docker::EngineJsonError);
  CHECK_THROWS_AS(docker::parse_inspect("[]"), docker::EngineJsonError);
  CHECK_THROWS_WITH_AS(docker::parse_inspect(R"({"Id":"a"})"), "the engine's container description has no State",
                       docker::EngineJsonError);
  CHECK_THROWS_AS(docker::parse_inspect(R"({"State":{"ExitCode":"x"}})"), docker::EngineJsonError);
}

TEST_CASE("parse_list: containers with TorchX's labels, others skipped") {
  const auto l = docker::parse_list(R"([{"Id":"1","Labels":{"torchx.pytorch.org/app-id":"a","torchx.pytorch.org/role-name":"r",
    "torchx.pytorch.org/replica-id":"3"}},{"Id":"2","Labels":{}},{"Id":"3","Labels":null},
    {"Id":"4","Labels":{"torchx.pytorch.org/app-id":"a","torchx.pytorch.org/replica-id":"x"}}])");
  REQUIRE(l.size() == 1);
  CHECK(l[0].replica_id == 3);
  CHECK(l[0].role == "r");
}

TEST_CASE("parse_volumes: cancel's records, by their labels") {
  const auto v = docker::parse_volumes(R"({"Volumes":[{"Name":"torchx-a-cancelled","Labels":{"torchx.pytorch.org/app-id":"a",
    "torchx.pytorch.org/app-name":"n","torchx.pytorch.org/cancelled":"1"}},{"Name":"other","Labels":{}}],"Warnings":[]})");
  REQUIRE(v.size() == 1);
  CHECK(v[0].app_name == "n");
  CHECK(docker::parse_volumes(R"({"Volumes":null})").empty());
  CHECK_THROWS_AS(docker::parse_volumes("[]"), docker::EngineJsonError);
}

TEST_CASE("replica_state and exit_text: exit codes and signals told apart") {
  CHECK(docker::replica_state(with("created", 0)) == specs::AppState::SUBMITTED);
  CHECK(docker::replica_state(with("restarting", 1)) == specs::AppState::PENDING);
  CHECK(docker::replica_state(with("running", 0)) == specs::AppState::RUNNING);
  CHECK(docker::replica_state(with("exited", 0)) == specs::AppState::SUCCEEDED);
  CHECK(docker::replica_state(with("dead", 0)) == specs::AppState::FAILED);
  CHECK(docker::replica_state(with("something-new", 0)) == specs::AppState::UNKNOWN);
  CHECK(docker::exit_text(with("exited", 0)).empty());
  CHECK(docker::exit_text(with("exited", 137)) == "killed by signal 9 (SIGKILL, exit code 137)");
  CHECK(docker::exit_text(with("exited", 143)) == "killed by signal 15 (SIGTERM, exit code 143)");
  CHECK(docker::exit_text(with("exited", 137, true)) == "killed: out of memory (exit code 137)");
  auto limited = with("exited", 137);
  limited.memory_limit = 16 * 1024 * 1024;
  CHECK(docker::exit_text(limited) == "killed by signal 9 (SIGKILL, exit code 137), perhaps for exceeding its memory limit of 16 MiB");
}

TEST_CASE("app_state: TorchX's rule over the replicas") {
  using S = specs::AppState;
  CHECK(docker::app_state({S::SUCCEEDED, S::SUCCEEDED}) == S::SUCCEEDED);
  CHECK(docker::app_state({S::SUCCEEDED, S::FAILED}) == S::FAILED);
  CHECK(docker::app_state({S::SUCCEEDED, S::RUNNING}) == S::RUNNING);
  CHECK(docker::app_state({}) == S::UNKNOWN);
}

TEST_CASE("engine_message: the message of an error body, else its first line") {
  CHECK(docker::engine_message(R"({"cause":"x","message":"no such image","response":404})") == "no such image");
  CHECK(docker::engine_message("plain\nmore") == "plain");
}

TEST_CASE("LogDemux: frames split anywhere give whole lines per stream, in order") {
  const std::string stream = frame(1, "out one\nout ") + frame(2, "err one\n") + frame(1, "two\n") + frame(2, "no newline");
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    docker::LogDemux d;
    std::vector<std::pair<int, std::string>> got;
    d.feed(stream.substr(0, cut));
    for (auto& l : lines_of(d)) got.push_back(l);
    d.feed(stream.substr(cut));
    for (auto& l : lines_of(d)) got.push_back(l);
    d.finish();
    for (auto& l : lines_of(d)) got.push_back(l);
    CHECK(got == std::vector<std::pair<int, std::string>>{{1, "out one"}, {2, "err one"}, {1, "out two"}, {2, "no newline"}});
  }
}

TEST_CASE("LogDemux: a stream that is not multiplexed (a TTY) is all stdout") {
  docker::LogDemux d;
  d.feed("hello\nwor");
  d.feed("ld");
  d.finish();
  CHECK(lines_of(d) == std::vector<std::pair<int, std::string>>{{1, "hello"}, {1, "world"}});
  docker::LogDemux shorter;
  shorter.feed("hi");
  shorter.finish();
  CHECK(lines_of(shorter) == std::vector<std::pair<int, std::string>>{{1, "hi"}});
}

TEST_CASE("LogDemux: a line longer than k_max_line comes in pieces") {
  docker::LogDemux d;
  d.feed(frame(1, std::string(docker::LogDemux::k_max_line + 5, 'x') + "\n"));
  const auto lines = lines_of(d);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].second.size() == docker::LogDemux::k_max_line);
  CHECK(lines[1].second == "xxxxx");
}

TEST_CASE("parse_created_id: the id of a created container, and anything else is an EngineJsonError saying so") {
  CHECK(docker::parse_created_id(R"({"Id":"abc123","Warnings":[]})") == "abc123");
  CHECK_THROWS_WITH_AS(docker::parse_created_id(R"({"Id": [1,2,)"),
                       "the engine's answer to a container create is not JSON: incomplete JSON", docker::EngineJsonError);
  CHECK_THROWS_WITH_AS(docker::parse_created_id("[7]"), "the engine's answer to a container create is not a JSON object",
                       docker::EngineJsonError);
  CHECK_THROWS_WITH_AS(docker::parse_created_id("{}"), "the engine's answer to a container create has no 'Id'",
                       docker::EngineJsonError);
}
