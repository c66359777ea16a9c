// SPDX-License-Identifier: BSD-3-Clause
// containers::Engine::call and check against a fake engine: Podman before 4.4 answers a list or inspect
// with HTTP 500 "read /proc/N/cgroup: no such process" when a container's process exits while it
// reads it (containers/podman#16383); a read is asked again, anything else is one error at once.
#include <torchx/containers/engine.hpp>
#include <torchx/plugin.hpp>

#include "../support/fake_engine.hpp"
#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace torchx;

namespace {

const std::string k_ping = test::answer(200, "OK");
const std::string k_cgroup_race = test::answer(500, R"({"cause":"no such process","message":"read /proc/30921/cgroup: no such process","response":500})");

}  // namespace

TEST_CASE("Engine::call: a GET that meets Podman's exited-process race is asked again and succeeds") {
  test::TempDir tmp;
  const auto sock = tmp.path() / "engine.sock";
  test::FakeEngine fake(sock, {k_ping, k_cgroup_race, k_cgroup_race, test::answer(200, "[]")});
  auto engine = containers::Engine::connect("unix://" + sock.string());
  const auto r = engine.check("GET", "/containers/json?all=1", {}, "cannot list the containers of 'x'");
  CHECK(r.status == 200);
  CHECK(r.body == "[]");
  CHECK(fake.requests().size() == 4);
}

TEST_CASE("Engine::call: the race that persists is one error naming it, and other 500s and writes are not retried") {
  test::TempDir tmp;
  const auto sock = tmp.path() / "engine.sock";
  SUBCASE("persisting race") {
    test::FakeEngine fake(sock, {k_ping, k_cgroup_race});
    auto engine = containers::Engine::connect("unix://" + sock.string());
    try {
      engine.check("GET", "/containers/json?all=1", {}, "cannot list the containers of 'x'");
      FAIL("no error");
    } catch (const plugin::Error& e) {
      CHECK(std::string(e.what()) ==
            "cannot list the containers of 'x': read /proc/30921/cgroup: no such process (HTTP 500 from unix://" +
                sock.string() + ")");
    }
    const auto n = fake.requests().size();
    CHECK(n > 2);
    CHECK(n <= 8);
  }
  SUBCASE("another 500") {
    test::FakeEngine fake(sock, {k_ping, test::answer(500, R"({"message":"disk full"})")});
    auto engine = containers::Engine::connect("unix://" + sock.string());
    CHECK_THROWS_WITH_AS(engine.check("GET", "/containers/json", {}, "cannot list"), doctest::Contains("disk full"), plugin::Error);
    CHECK(fake.requests().size() == 2);
  }
  SUBCASE("a POST") {
    test::FakeEngine fake(sock, {k_ping, k_cgroup_race});
    auto engine = containers::Engine::connect("unix://" + sock.string());
    CHECK_THROWS_AS(engine.check("POST", "/containers/x/stop", {}, "cannot stop"), plugin::Error);
    CHECK(fake.requests().size() == 2);
  }
}
