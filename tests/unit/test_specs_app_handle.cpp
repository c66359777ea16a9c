// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/app_handle.hpp>
#include <torchx/specs/errors.hpp>

#include <doctest/doctest.h>

using namespace torchx::specs;

TEST_SUITE_BEGIN("specs");

TEST_CASE("specs::parse_app_handle splits scheduler, session and app id") {
  CHECK(parse_app_handle("local_cwd://torchx/echo-x1") == AppHandle{"local_cwd", "torchx", "echo-x1"});
  CHECK(parse_app_handle("k8s://default/foo_bar") == AppHandle{"k8s", "default", "foo_bar"});
}

TEST_CASE("specs::parse_app_handle accepts an empty session") {
  CHECK(parse_app_handle("k8s:///foo_bar") == AppHandle{"k8s", "", "foo_bar"});
}

TEST_CASE("specs::parse_app_handle is greedy like TorchX's regex") {
  CHECK(parse_app_handle("k8s://a/b/c") == AppHandle{"k8s", "a/b", "c"});
  CHECK(parse_app_handle("kubernetes://default/ns:app-123") == AppHandle{"kubernetes", "default", "ns:app-123"});
  // The scheduler part is greedy too: the last "://" that still leaves session/app_id wins.
  CHECK(parse_app_handle("a://b://c/d") == AppHandle{"a://b", "c", "d"});
  // A trailing '/' belongs to the app id, as `.+` after the last usable '/' takes it.
  CHECK(parse_app_handle("s://a/b/") == AppHandle{"s", "a", "b/"});
}

TEST_CASE("specs::parse_app_handle rejects malformed handles with TorchX's wording") {
  for (const char* bad : {"", "local_cwd", "local_cwd://", "local_cwd://torchx", "local_cwd://torchx/", "://s/a",
                          "no-scheme/s/a", "local_cwd:/s/a"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(parse_app_handle(bad),
                         ("'" + std::string(bad) + "' is not of the form <scheduler_backend>://<session_name>/<app_id>").c_str(),
                         MalformedAppHandleError);
  }
  CHECK_THROWS_AS(parse_app_handle("s://a/b\nc"), MalformedAppHandleError);
}

TEST_CASE("specs::parse_app_handle quotes a malformed handle on one line, bounded") {
  const std::string suffix = "' is not of the form <scheduler_backend>://<session_name>/<app_id>";
  CHECK_THROWS_WITH_AS(parse_app_handle("s://a/b\nc"), ("'s://a/b\\x0ac" + suffix).c_str(), MalformedAppHandleError);
  CHECK_THROWS_WITH_AS(parse_app_handle(std::string("s://a/\0b", 8)), ("'s://a/\\x00b" + suffix).c_str(),
                       MalformedAppHandleError);
  const std::string huge(1 << 20, 'a');
  CHECK_THROWS_WITH_AS(parse_app_handle(huge), ("'" + std::string(200, 'a') + "... (1048576 bytes)" + suffix).c_str(),
                       MalformedAppHandleError);
}

TEST_CASE("specs::AppHandle::str makes the handle back") {
  CHECK(AppHandle{"slurm", "", "1234"}.str() == "slurm:///1234");
  for (const char* h : {"local_cwd://torchx/echo-x1", "k8s://a/b/c", "k8s:///x"}) {
    CHECK(parse_app_handle(h).str() == h);
  }
}

TEST_SUITE_END();
