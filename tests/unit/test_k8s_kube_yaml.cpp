// SPDX-License-Identifier: BSD-3-Clause
// yaml::parse (plugins/kubernetes/kube_yaml.hpp): the tree kubeconfigs are read into.
#include "kube_yaml.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace torchx::k8s;
using yaml::Node;

TEST_CASE("yaml::parse: mappings, sequences, lines, and quoted versus plain scalars") {
  const Node root = yaml::parse("a: 1\nb:\n  - x\n  - 'null'\n  - ~\nc: {d: \"yes\", e: yes}\n");
  REQUIRE(root.kind == Node::Kind::mapping);
  CHECK(root.line == 1);
  REQUIRE(root.find("a") != nullptr);
  CHECK(root.find("a")->value == "1");
  CHECK(root.find("a")->plain);
  const Node& b = *root.find("b");
  REQUIRE(b.kind == Node::Kind::sequence);
  REQUIRE(b.items.size() == 3);
  CHECK(b.line == 3);
  CHECK(b.items[0].value == "x");
  CHECK_FALSE(b.items[1].is_null());  // quoted: the string "null"
  CHECK(b.items[2].is_null());
  CHECK(b.items[2].line == 5);
  CHECK_FALSE(root.find("c")->find("d")->plain);
  CHECK(root.find("c")->find("e")->plain);
  CHECK(root.find("missing") == nullptr);
  CHECK(b.find("x") == nullptr);  // not a mapping
}

TEST_CASE("yaml::parse: empty input, the first document only, aliases expanded") {
  CHECK(yaml::parse("").is_null());
  CHECK(yaml::parse("# only a comment\n").is_null());
  CHECK(yaml::parse("a: 1\n---\nb: 2\n").find("b") == nullptr);
  const Node root = yaml::parse("base: &b {server: https://x}\ncopy: *b\n");
  REQUIRE(root.find("copy") != nullptr);
  CHECK(root.find("copy")->find("server")->value == "https://x");
}

TEST_CASE("yaml::parse: malformed, deep and exploding documents are a ParseError with a line") {
  try {
    (void)yaml::parse("a: 1\nb: [1, 2\nc: 3\n");
    FAIL("no error");
  } catch (const yaml::ParseError& e) {
    CHECK(e.line >= 2);
    CHECK(std::string(e.what()).find("did not find expected") != std::string::npos);
  }
  CHECK_THROWS_AS((void)yaml::parse(std::string(100000, '[')), yaml::ParseError);
  CHECK_THROWS_AS((void)yaml::parse("a: *nowhere\n"), yaml::ParseError);
  CHECK_THROWS_AS((void)yaml::parse(std::string("a: b\0c\n", 7)), yaml::ParseError);
  // A billion laughs: 10 levels of 10 aliases each.
  std::string laughs = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    laughs += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) laughs += (j != 0 ? ", *l" : "*l") + std::to_string(i - 1);
    laughs += "]\n";
  }
  try {
    (void)yaml::parse(laughs);
    FAIL("no error");
  } catch (const yaml::ParseError& e) {
    CHECK(std::string(e.what()).find("more than 1,000,000 nodes") != std::string::npos);
  }
  // 500 levels are fine.
  CHECK(yaml::parse(std::string(500, '[') + std::string(500, ']')).kind == Node::Kind::sequence);
}
