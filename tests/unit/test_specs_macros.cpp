// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/json.hpp>
#include <torchx/specs/macros.hpp>

#include <doctest/doctest.h>

using namespace torchx::specs;

namespace {
macros::Values values() { return {"/root", "app-x1", "2", "TORCHX_RANK0_HOST"}; }
}  // namespace

TEST_SUITE_BEGIN("specs");

TEST_CASE("macros::Values::substitute replaces the known names in both forms") {
  const auto v = values();
  CHECK(v.substitute("${img_root}/main.py") == "/root/main.py");
  CHECK(v.substitute("$app_id-$replica_id") == "app-x1-2");
  CHECK(v.substitute("${rank0_env}") == "TORCHX_RANK0_HOST");
  CHECK(v.substitute("${base_img_root}") == "DEPRECATED");
  CHECK(v.substitute(std::string(macros::app_id)) == "app-x1");
}

TEST_CASE("macros::Values::substitute leaves unknown names as they are") {
  const auto v = values();
  CHECK(v.substitute("$HOME ${USER} ${app_id}") == "$HOME ${USER} app-x1");
  CHECK(v.substitute("${not closed") == "${not closed");
  CHECK(v.substitute("cost: 5$") == "cost: 5$");
  CHECK(v.substitute("$ {app_id}") == "$ {app_id}");
  CHECK(v.substitute("${1abc}") == "${1abc}");
}

TEST_CASE("macros::Values::substitute turns $$ into $") {
  const auto v = values();
  CHECK(v.substitute("$$") == "$");
  CHECK(v.substitute("$$app_id") == "$app_id");
  CHECK(v.substitute("$${${rank0_env}:=localhost}:29500") == "${TORCHX_RANK0_HOST:=localhost}:29500");
}

TEST_CASE("macros::Values::apply substitutes args, env values and metadata strings only") {
  Role role;
  role.name = "${app_id}";
  role.image = "${img_root}";
  role.entrypoint = "${img_root}/bin";
  role.args = {"--id", "${app_id}", "--rank=${replica_id}"};
  role.env.set("${app_id}", "${replica_id}");
  role.metadata.set("nested", JsonText::parse(R"({"a": ["${app_id}", 1, {"b": "$replica_id"}], "n": null})"));
  role.metadata.set("plain", JsonText::string("${img_root}"));

  const Role out = values().apply(role);
  CHECK(out.args == std::vector<std::string>{"--id", "app-x1", "--rank=2"});
  CHECK(*out.env.get("${app_id}") == "2");  // keys are not substituted
  CHECK(out.name == "${app_id}");
  CHECK(out.image == "${img_root}");
  CHECK(out.entrypoint == "${img_root}/bin");
  CHECK(out.metadata.get("nested")->text == R"({"a":["app-x1",1,{"b":"2"}],"n":null})");
  CHECK(out.metadata.get("plain")->text == R"("/root")");
  CHECK(role.args[1] == "${app_id}");  // the input is not changed
}

TEST_SUITE_END();
