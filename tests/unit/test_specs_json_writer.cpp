// SPDX-License-Identifier: BSD-3-Clause
// The direct JSON writers (to_json of Role, Resource, AppDef, DescribeAppResponse; append_json_string):
// the same bytes as serializing the boost::json value that encode() builds, which they replaced.
#include "../../plugin-api/specs/json_detail.hpp"

#include <torchx/specs/json.hpp>
#include <torchx/specs/json_text.hpp>
#include <torchx/specs/mounts.hpp>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace torchx::specs;

namespace {

Role full_role(const std::string& name) {
  Role r;
  r.name = name;
  r.image = "img \"quoted\" \\ \t\x01 \xc3\xa9";
  r.min_replicas = 2;
  r.base_image = "base";
  r.entrypoint = "python";
  r.args = {"-m", "a\nb", ""};
  r.env.set("A", "1");
  r.env.set("B\"", "two\x1f");
  r.num_replicas = 3;
  r.max_retries = -1;
  r.retry_policy = RetryPolicy::role;
  r.resource.cpu = 4;
  r.resource.gpu = 0;
  r.resource.memMB = -2147483647 - 1;
  r.resource.capabilities.set("x", JsonText{R"({ "a" : [1, 2.5, "s"] })"});  // not compact: written compact
  r.resource.capabilities.set("bad", JsonText{"not json"});                 // written as null, as encode did
  r.resource.devices.set("vpc.amazonaws.com/efa", 2);
  r.resource.tags.set("t", JsonText::string("v"));
  r.port_map.set("http", 8080);
  r.metadata.set("m", JsonText{"null"});
  r.mounts = {BindMount{"/src", "/dst", true}, VolumeMount{"vol", "/v", false}, DeviceMount{"/dev/fuse", "/dev/fuse", "rwm"}};
  r.overrides.set("num_replicas", JsonText{"4"});
  return r;
}

/// to_json(DescribeAppResponse) as it was: a boost::json object, serialized.
std::string reference_describe_json(const DescribeAppResponse& r) {
  boost::json::array roles;
  for (const auto& role : r.roles) roles.push_back(detail::encode(role));
  boost::json::object metadata;
  for (const auto& [k, v] : r.metadata) metadata[k] = v;
  return boost::json::serialize(boost::json::object{
      {"app_id", r.app_id},
      {"state", to_string(r.state)},
      {"num_restarts", r.num_restarts},
      {"msg", r.msg},
      {"structured_error_msg", r.structured_error_msg},
      {"ui_url", r.ui_url ? boost::json::value(*r.ui_url) : boost::json::value(nullptr)},
      {"metadata", std::move(metadata)},
      {"roles_statuses", detail::encode(r.roles_statuses, {})},
      {"roles", std::move(roles)}});
}

}  // namespace

TEST_CASE("append_json_string escapes as boost::json::serialize does, every byte and every offset") {
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte += static_cast<char>(c);
  std::vector<std::string> texts{"", "plain", every_byte};
  for (const char special : {'"', '\\', '\n', '\x00', '\x1f', '\x7f'}) {
    for (std::size_t at = 0; at < 20; ++at) {
      std::string text(20, 'a');
      text[at] = special;
      texts.push_back(text);
    }
  }
  for (const auto& text : texts) {
    std::string out = "x";
    append_json_string(out, text);
    CHECK(out == "x" + boost::json::serialize(boost::json::string_view(text)));
  }
}

TEST_CASE("to_json of Role, Resource and AppDef writes the bytes encode() serialized to") {
  const Role full = full_role("trainer");
  Role bare;  // defaults: no min_replicas, no base_image, empty lists and dicts
  CHECK(to_json(full) == boost::json::serialize(detail::encode(full)));
  CHECK(to_json(bare) == boost::json::serialize(detail::encode(bare)));
  CHECK(to_json(full.resource) == boost::json::serialize(detail::encode(full.resource)));
  CHECK(to_json(Resource{}) == boost::json::serialize(detail::encode(Resource{})));
  AppDef app{"app \"x\"", {full, bare, full_role("second")}, {}};
  app.metadata.set("k", "v\n");
  CHECK(to_json(app) == boost::json::serialize(detail::encode(app)));
  CHECK(to_json(AppDef{}) == boost::json::serialize(detail::encode(AppDef{})));
  CHECK(app_def_from_json(to_json(app)) == app_def_from_json(boost::json::serialize(detail::encode(app))));
}

TEST_CASE("to_json of DescribeAppResponse writes the bytes the boost::json object made") {
  DescribeAppResponse r;
  r.app_id = "echo-123";
  r.state = AppState::FAILED;
  r.num_restarts = 2;
  r.msg = "exit \"1\"\n";
  r.structured_error_msg = R"({"message": "boom"})";
  r.metadata.set("a", "b");
  r.roles = {full_role("trainer"), full_role("ps")};
  r.roles_statuses = {RoleStatus{"trainer", {ReplicaStatus{0, AppState::FAILED, "trainer", "host-1", "<NONE>"},
                                             ReplicaStatus{1, AppState::SUCCEEDED, "trainer", "host-2", "{\"x\":1}"}}},
                      RoleStatus{"ps", {}}};
  CHECK(to_json(r) == reference_describe_json(r));
  r.ui_url = "file:///tmp/x";
  CHECK(to_json(r) == reference_describe_json(r));
  CHECK(to_json(DescribeAppResponse{}) == reference_describe_json(DescribeAppResponse{}));
  // What the host decodes from it is what it decoded from the old text.
  CHECK(to_json(describe_app_response_from_json(to_json(r))) ==
        to_json(describe_app_response_from_json(reference_describe_json(r))));
}
