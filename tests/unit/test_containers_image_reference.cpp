// SPDX-License-Identifier: BSD-3-Clause
// containers::parse_repository / parse_image_name: image_repo as the distribution grammar reads
// it, and every hostile string refused with one line.
#include <torchx/containers/image_reference.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

using namespace torchx;

namespace {

/// The message parse_repository throws for `text` ("" when it accepts it).
std::string refusal(std::string_view text) {
  try {
    containers::parse_repository(text);
    return {};
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("parse_repository: domain, port and path as docker reads them") {
  struct Row {
    const char* text;
    const char* domain;
    const char* path;
    const char* registry;
  };
  for (const Row& r :
       {Row{"localhost:5000/torchx-test/ws", "localhost:5000", "torchx-test/ws", "localhost:5000"},
        Row{"localhost/app", "localhost", "app", "localhost"},
        Row{"registry.example.com/team/app", "registry.example.com", "team/app", "registry.example.com"},
        Row{"123456789012.dkr.ecr.us-west-2.amazonaws.com/trainer", "123456789012.dkr.ecr.us-west-2.amazonaws.com",
            "trainer", "123456789012.dkr.ecr.us-west-2.amazonaws.com"},
        Row{"127.0.0.1:5000/a/b/c", "127.0.0.1:5000", "a/b/c", "127.0.0.1:5000"},
        Row{"Registry.Example.com/x", "Registry.Example.com", "x", "Registry.Example.com"},
        Row{"team/app", "", "team/app", "docker.io"}, Row{"app", "", "app", "docker.io"},
        Row{"team/a__b.c-d---e_f", "", "team/a__b.c-d---e_f", "docker.io"}}) {
    CAPTURE(r.text);
    const auto repo = containers::parse_repository(r.text);
    CHECK(repo.domain == r.domain);
    CHECK(repo.path == r.path);
    CHECK(repo.registry() == r.registry);
    CHECK(repo.str() == r.text);
  }
}

TEST_CASE("parse_repository: each malformed or hostile image_repo gets one line saying why") {
  struct Row {
    std::string text;
    const char* says;
  };
  for (const Row& r : {Row{"", "'' is empty"},
                       Row{"localhost:5000/ws:v1", "has a tag (':')"},
                       Row{"app:latest", "has a tag (':')"},
                       Row{"localhost:5000/ws@sha256:abc", "has a digest ('@')"},
                       Row{"https://registry.example.com/app", "is a URL"},
                       Row{"localhost:5000/", "names a registry but no repository in it"},
                       Row{"localhost:5000//x", "has an empty path component"},
                       Row{"team/App", "has an uppercase letter"},
                       Row{"team/-app", "does not start and end with a lowercase letter or a digit"},
                       Row{"team/a..b", "separators in a row"},
                       Row{"team/a_-b", "separators in a row"},
                       Row{"localhost:0/x", "port that is not a number from 1 to 65535"},
                       Row{"localhost:99999/x", "port that is not a number from 1 to 65535"},
                       Row{"localhost:50a0/x", "port that is not a number from 1 to 65535"},
                       Row{"bad_host.com/x", "registry host that is not a DNS name"},
                       Row{"-x.com/y", "registry host that is not a DNS name"},
                       Row{"a.com/x y", "has a character a repository cannot hold (' '"},
                       Row{"a.com/x;rm -rf /", "has a character a repository cannot hold (';'"},
                       Row{"a.com/$(id)", "has a character a repository cannot hold ('$'"},
                       Row{"a.com/x\ny", "has a character a repository cannot hold ('?'"},
                       Row{std::string("a.com/x\0y", 9), "has a character a repository cannot hold ('?'"},
                       Row{"a.com/../etc", "does not start and end with a lowercase letter or a digit"},
                       Row{"a.com/caf\xc3\xa9", "has a character a repository cannot hold"},
                       Row{"a.com/x/", "has an empty path component"},
                       Row{"a.com/a.-b", "separators in a row"}}) {
    CAPTURE(r.text);
    const std::string message = refusal(r.text);
    CHECK(message.find(r.says) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.find('\0') == std::string::npos);
  }
}

TEST_CASE("parse_repository: huge input is refused quickly and quoted short") {
  const std::string huge(1 << 20, 'a');
  const std::string message = refusal(huge);
  CHECK(message.find("is longer than 255 characters (1048576)") != std::string::npos);
  CHECK(message.size() < 300);
  // 255 characters is the limit, not 254.
  CHECK(refusal(std::string(255, 'a')).empty());
  CHECK_FALSE(refusal(std::string(256, 'a')).empty());
  // Many separators: linear, and refused for the right reason.
  std::string dashes = "a";
  for (int i = 0; i < 100; ++i) dashes += "-a";
  CHECK(refusal(dashes).empty());
}

TEST_CASE("parse_image_name: repository and a required tag") {
  const auto n = containers::parse_image_name("localhost:5000/torchx-test/ws:0123456789abcdef");
  CHECK(n.repository.domain == "localhost:5000");
  CHECK(n.repository.path == "torchx-test/ws");
  CHECK(n.tag == "0123456789abcdef");
  CHECK(n.str() == "localhost:5000/torchx-test/ws:0123456789abcdef");
  CHECK_THROWS_WITH_AS(containers::parse_image_name("localhost:5000/ws"),
                       "'localhost:5000/ws' has no tag (expected repository:tag)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(containers::parse_image_name("ws:.bad"),
                       "'ws:.bad' has a tag that is not 1-128 of [A-Za-z0-9_.-] starting with a letter, a digit or '_'",
                       std::invalid_argument);
  CHECK_THROWS_AS(containers::parse_image_name("ws:" + std::string(129, 'a')), std::invalid_argument);
  CHECK_THROWS_AS(containers::parse_image_name("Ws:v1"), std::invalid_argument);
}

TEST_CASE("printable: control characters shown as '?', long text cut") {
  CHECK(containers::printable("a\x1b[31mb\n") == "a?[31mb?");
  CHECK(containers::printable(std::string(120, 'x')) == std::string(100, 'x') + "...");
}
