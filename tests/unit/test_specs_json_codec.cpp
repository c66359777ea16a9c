// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>
#include <torchx/specs/named_resources.hpp>

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace torchx::specs;

namespace {

AppDef full_app() {
  Role r;
  r.name = "trainer";
  r.image = "ghcr.io/pytorch/torchx:0.1.0";
  r.min_replicas = 1;
  r.entrypoint = "bash";
  r.args = {"-c", "torchrun --rdzv_id '${app_id}' main.py"};
  r.env.set("LOGLEVEL", "WARNING");
  r.env.set("A", "1");
  r.num_replicas = 2;
  r.max_retries = 3;
  r.retry_policy = RetryPolicy::replica;
  r.resource = builtin_named_resource("aws_p4d.24xlarge");
  r.resource.tags.set("team", JsonText::string("ml"));
  r.port_map.set("c10d", 29500);
  r.metadata.set("slurm.partition", JsonText::string("gpu"));
  r.metadata.set("k8s", JsonText::parse(R"({"labels": ["a", 1]})"));
  r.mounts = {BindMount{"/data", "/mnt/data", true}, VolumeMount{"pvc", "/vol", false},
              DeviceMount{"/dev/fuse", "/dev/fuse", "rw"}};
  Role ps;
  ps.name = "ps";
  ps.image = "/tmp";
  ps.entrypoint = "echo";
  AppDef app{"train", {r, ps}, {}};
  app.metadata.set("owner", "me");
  return app;
}

}  // namespace

TEST_SUITE_BEGIN("specs");

TEST_CASE("specs::to_json(AppDef) uses TorchX's attribute names and round-trips") {
  const AppDef app = full_app();
  const std::string text = to_json(app);
  const auto v = boost::json::parse(text).as_object();
  CHECK(v.at("name") == "train");
  const auto& role = v.at("roles").as_array().at(0).as_object();
  std::vector<std::string> keys;
  for (const auto& kv : role) keys.emplace_back(kv.key());
  CHECK(keys == std::vector<std::string>{"name", "image", "min_replicas", "base_image", "entrypoint", "args", "env",
                                         "num_replicas", "max_retries", "retry_policy", "resource", "port_map",
                                         "metadata", "mounts", "overrides"});
  CHECK(role.at("retry_policy") == "REPLICA");
  CHECK(role.at("base_image").is_null());
  CHECK(role.at("resource").as_object().at("memMB") == 1132416);
  CHECK(boost::json::serialize(role.at("mounts")) ==
        R"([{"type":"bind","src_path":"/data","dst_path":"/mnt/data","read_only":true},)"
        R"({"type":"volume","src":"pvc","dst_path":"/vol","read_only":false},)"
        R"({"type":"device","src_path":"/dev/fuse","dst_path":"/dev/fuse","permissions":"rw"}])");
  CHECK(boost::json::serialize(role.at("env")) == R"({"LOGLEVEL":"WARNING","A":"1"})");  // order kept
  CHECK(app_def_from_json(text) == app);
}

TEST_CASE("specs::app_def_from_json fills TorchX's defaults for missing keys") {
  const AppDef app = app_def_from_json(R"({"name": "echo", "roles": [{"name": "echo", "image": "/tmp"}]})");
  const Role& r = app.roles.at(0);
  CHECK(r.entrypoint == "<MISSING>");
  CHECK(r.num_replicas == 1);
  CHECK(r.max_retries == 0);
  CHECK(r.retry_policy == RetryPolicy::application);
  CHECK(r.resource.is_null());
  CHECK_FALSE(r.min_replicas.has_value());
  CHECK(app.metadata.empty());
}

TEST_CASE("specs::app_def_from_json ignores unknown keys") {
  const AppDef app = app_def_from_json(
      R"({"name": "a", "future_field": 1, "roles": [{"name": "r", "image": "i", "entrypoint": "e", "workspace": {}}]})");
  CHECK(app.roles.at(0).entrypoint == "e");
}

TEST_CASE("specs::role_from_json applies overrides to the fields they name") {
  const Role r = role_from_json(R"({"name": "r", "image": "i", "entrypoint": "e", "num_replicas": 1,)"
                                R"( "overrides": {"num_replicas": 4, "env": {"X": "1"}}})");
  CHECK(r.num_replicas == 4);
  CHECK(*r.env.get("X") == "1");
  CHECK(r.overrides.size() == 2);
  CHECK_THROWS_WITH_AS(role_from_json(R"({"name": "r", "image": "i", "overrides": {"nope": 1}})"),
                       "invalid Role JSON: overrides.nope: not a Role field that can be overridden", JsonDecodeError);
}

TEST_CASE("specs::app_def_from_json reports every problem with its path") {
  CHECK_THROWS_WITH_AS(
      app_def_from_json(R"({"roles": [{"name": 3, "image": "i", "num_replicas": "2", "args": ["a", 1],)"
                        R"( "env": {"A": 1}, "retry_policy": "SOMETIMES", "resource": {"cpu": 1.5},)"
                        R"( "mounts": [{"type": "nfs"}, {"type": "bind"}], "port_map": {"p": 1e10}}]})"),
      "invalid AppDef JSON: name: is required; roles[0].name: expected a string, found an integer; "
      "roles[0].args[1]: expected a string, found an integer; roles[0].env.A: expected a string, found an integer; "
      "roles[0].num_replicas: expected an integer, found a string; roles[0].retry_policy: unknown retry policy "
      "'SOMETIMES', expected REPLICA, APPLICATION or ROLE; roles[0].resource.cpu: expected an integer, found a number; "
      "roles[0].port_map.p: expected an integer, found a number; roles[0].mounts[0].type: unknown mount type 'nfs', "
      "expected bind, volume or device; roles[0].mounts[1].src_path: is required; roles[0].mounts[1].dst_path: is "
      "required",
      JsonDecodeError);
}

TEST_CASE("specs::app_def_from_json keeps what is valid and names what is not, with paths built only for problems") {
  // Empty overrides decode like none; the good items of a list or dict stay, in order.
  const AppDef ok = app_def_from_json(
      R"({"name": "a", "roles": [{"name": "r", "image": "i", "args": ["x", "y"], "env": {"B": "2", "A": "1"},)"
      R"( "num_replicas": 2147483647, "port_map": {"p": -2147483648}, "overrides": {}}]})");
  REQUIRE(ok.roles.size() == 1);
  CHECK(ok.roles[0].args == std::vector<std::string>{"x", "y"});
  std::vector<std::string> env_keys;
  for (const auto& [k, v] : ok.roles[0].env) env_keys.push_back(k + "=" + v);
  CHECK(env_keys == std::vector<std::string>{"B=2", "A=1"});
  CHECK(ok.roles[0].num_replicas == 2147483647);
  CHECK(*ok.roles[0].port_map.get("p") == -2147483648);
  CHECK(ok.roles[0].overrides.empty());
  CHECK_THROWS_WITH_AS(
      app_def_from_json(R"({"name": "a", "roles": [{"name": "r", "image": "i", "num_replicas": 2147483648,)"
                        R"( "max_retries": -2147483649, "port_map": {"p": 2147483648, "q": "1"}, "args": "x",)"
                        R"( "env": ["A"], "metadata": 1}]})"),
      "invalid AppDef JSON: roles[0].args: expected an array of strings, found a string; roles[0].env: expected an "
      "object, found an array; roles[0].num_replicas: integer out of range; roles[0].max_retries: integer out of "
      "range; roles[0].port_map.p: integer out of range; roles[0].port_map.q: expected an integer, found a string; "
      "roles[0].metadata: expected an object, found an integer",
      JsonDecodeError);
}

TEST_CASE("specs::app_def_from_json returns values that outlive the parse, small or beyond the stack arena") {
  for (const std::size_t roles : {1, 200}) {  // 200 roles: far more than the 4 KiB buffer, blocks from the heap
    AppDef app{"big", {}, {}};
    for (std::size_t i = 0; i < roles; ++i) {
      Role r;
      r.name = "role-" + std::to_string(i) + std::string(40, 'x');
      r.image = "image";
      r.args = {std::string(64, 'a'), "b"};
      r.env.set("K" + std::to_string(i), std::string(50, 'v'));
      r.metadata.set("m", JsonText{R"({"deep": [1, {"x": "y"}]})"});
      app.roles.push_back(r);
    }
    const AppDef back = app_def_from_json(to_json(app));
    REQUIRE(back.roles.size() == roles);
    CHECK(back.roles.back().name == app.roles.back().name);
    CHECK(back.roles.back().args == app.roles.back().args);
    CHECK(*back.roles.back().env.get("K" + std::to_string(roles - 1)) == std::string(50, 'v'));
    CHECK(back.roles.back().metadata.get("m")->text == R"({"deep":[1,{"x":"y"}]})");
    CHECK(to_json(back) == to_json(app));
  }
}

TEST_CASE("specs::app_def_from_json rejects malformed JSON in one line") {
  for (const char* bad : {"", "{", R"({"name": "a",})", "[1, 2]", "null", "{\"name\": \"a\"} trailing"}) {
    CAPTURE(bad);
    try {
      (void)app_def_from_json(bad);
      FAIL("expected JsonDecodeError");
    } catch (const JsonDecodeError& e) {
      const std::string what = e.what();
      CHECK(what.starts_with("invalid AppDef JSON: "));
      CHECK(what.find('\n') == std::string::npos);
    }
  }
  CHECK_THROWS_WITH_AS(app_def_from_json(R"({"name": "a", "roles": {}})"),
                       "invalid AppDef JSON: roles: expected an array, found an object", JsonDecodeError);
  CHECK_THROWS_AS(app_def_from_json(R"({"name": "a", "roles": [{"name": "r", "image": "i", "num_replicas": 99999999999}]})"),
                  JsonDecodeError);
}

TEST_CASE("specs::JsonText holds any JSON value in compact form") {
  CHECK(JsonText::string("a\"b").text == R"("a\"b")");
  CHECK(JsonText::parse(" { \"a\" : [ 1 , 2 ] } ").text == R"({"a":[1,2]})");
  bool ok = false;
  CHECK(JsonText::string("x").as_string(&ok) == "x");
  CHECK(ok);
  CHECK(JsonText::parse("3").as_string(&ok).empty());
  CHECK_FALSE(ok);
  CHECK_THROWS_AS(JsonText::parse("{"), JsonDecodeError);
}

TEST_CASE("specs::to_json(Resource) and resource_from_json round-trip") {
  const Resource r = builtin_named_resource("aws_trn1.32xlarge");
  CHECK(to_json(r) == R"({"cpu":128,"gpu":0,"memMB":503296,"capabilities":{"node.kubernetes.io/instance-type":"trn1.32xlarge"},)"
                      R"("devices":{"vpc.amazonaws.com/efa":8,"aws.amazon.com/neurondevice":16},"tags":{}})");
  CHECK(resource_from_json(to_json(r)) == r);
}

TEST_SUITE_END();

TEST_CASE("specs::list_app_responses_from_json reads the optional finished_at, and to_json writes it only when known") {
  const auto apps = list_app_responses_from_json(
      R"([{"app_id": "a", "state": "SUCCEEDED", "finished_at": 1700000000.5},
          {"app_id": "b", "state": "RUNNING", "finished_at": null}, {"app_id": "c", "state": "FAILED"}])");
  REQUIRE(apps.size() == 3);
  CHECK(apps[0].finished_at == 1700000000.5);
  CHECK_FALSE(apps[1].finished_at.has_value());
  CHECK_FALSE(apps[2].finished_at.has_value());
  CHECK(to_json(apps[0]) == R"({"app_id":"a","state":"SUCCEEDED","app_handle":"","name":"","finished_at":1.7000000005E9})");
  CHECK(to_json(apps[2]) == R"({"app_id":"c","state":"FAILED","app_handle":"","name":""})");
  CHECK(list_app_responses_from_json(to_json(apps)) == apps);
  CHECK_THROWS_WITH_AS(list_app_responses_from_json(R"([{"app_id": "a", "state": "FAILED", "finished_at": "yesterday"}])"),
                       doctest::Contains("[0].finished_at: expected a number or null, found a string"), JsonDecodeError);
}

TEST_CASE("specs::cfg_from_json and log_query_from_json refuse a number beyond a double (fuzz finding: it read as infinity and did not read back)") {
  CHECK_THROWS_WITH_AS(cfg_from_json(R"({"s":33330e3333, "": null})"), doctest::Contains("s: number out of range"),
                       JsonDecodeError);
  CHECK_THROWS_WITH_AS(cfg_from_json(R"({"s":-1e400})"), doctest::Contains("number out of range"), JsonDecodeError);
  CHECK(std::get<double>(*cfg_from_json(R"({"s":1.5e300})").get("s")) == 1.5e300);
  CHECK_THROWS_WITH_AS(log_query_from_json(R"({"app_id":"a","role_name":"r","since":1e999})"),
                       doctest::Contains("since: number out of range"), JsonDecodeError);
}
