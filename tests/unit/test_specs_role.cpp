// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/errors.hpp>
#include <torchx/specs/role.hpp>

#include <doctest/doctest.h>

using namespace torchx::specs;

namespace {

AppDef valid_app() {
  Role role;
  role.name = "trainer";
  role.image = "/tmp";
  role.entrypoint = "python";
  role.args = {"-m", "train"};
  role.num_replicas = 2;
  role.resource.cpu = 1;
  role.resource.gpu = 0;
  role.resource.memMB = 1024;
  role.port_map.set("c10d", 29500);
  return AppDef{"train", {role}, {}};
}

}  // namespace

TEST_SUITE_BEGIN("specs");

TEST_CASE("specs::RetryPolicy names round-trip") {
  for (auto p : {RetryPolicy::replica, RetryPolicy::application, RetryPolicy::role}) {
    CHECK(retry_policy_from_string(to_string(p)) == p);
  }
  CHECK_FALSE(retry_policy_from_string("replica").has_value());
  CHECK(Role{}.retry_policy == RetryPolicy::application);
  CHECK(Role{}.entrypoint == "<MISSING>");
  CHECK(Role{}.resource.is_null());
}

TEST_CASE("specs::validate accepts a valid app and the NULL resource") {
  AppDef app = valid_app();
  CHECK(validation_problems(app).empty());
  app.roles[0].resource = Resource::null();
  app.roles[0].min_replicas = 0;
  CHECK_NOTHROW(validate(app));
}

TEST_CASE("specs::validate reports every problem at once") {
  AppDef app = valid_app();
  app.name = "my app";
  Role& r = app.roles[0];
  r.entrypoint = "";
  r.num_replicas = 0;
  r.min_replicas = 3;
  r.max_retries = -1;
  r.resource.cpu = -2;
  r.resource.devices.set("vpc.amazonaws.com/efa", -1);
  r.port_map.set("http", 70000);
  r.env.set("A=B", "x");
  r.args.push_back(std::string("a\0b", 3));
  r.mounts.push_back(BindMount{"/src", "relative", false});
  r.mounts.push_back(DeviceMount{"/dev/x", "/dev/x", "rwx"});
  Role dup = valid_app().roles[0];
  Role bad_name = dup;
  bad_name.name = "a/b";
  app.roles.push_back(dup);
  app.roles.push_back(bad_name);

  const auto problems = validation_problems(app);
  CHECK(problems == std::vector<std::string>{
                        "app name 'my app' contains whitespace or a control character",
                        "role 'trainer': no entrypoint",
                        "role 'trainer': num_replicas is 0, expected 1 or more",
                        "role 'trainer': min_replicas is 3, expected 0 to num_replicas (0)",
                        "role 'trainer': max_retries is -1, expected 0 or more",
                        "role 'trainer': resource cpu is -2, expected 0 or more (or -1 for cpu, gpu and memMB together: no "
                        "resource)",
                        "role 'trainer': resource device 'vpc.amazonaws.com/efa' count is -1",
                        "role 'trainer': port 'http' is 70000, expected 1 to 65535",
                        "role 'trainer': args[2] contains a NUL byte",
                        "role 'trainer': env name 'A=B' is empty or contains '=' or a NUL byte",
                        "role 'trainer': mounts[0] (bind): dst_path 'relative' is not an absolute path",
                        "role 'trainer': mounts[1] (device): permissions 'rwx' must be made of r, w, m",
                        "role 'trainer' is defined more than once",
                        "role name 'a/b' contains '/'",
                    });
  try {
    validate(app);
    FAIL("expected AppDefValidationError");
  } catch (const AppDefValidationError& e) {
    CHECK(e.problems().size() == problems.size());
    CHECK(std::string(e.what()).starts_with("invalid app 'my app': app name 'my app' contains whitespace"));
  }
}

TEST_CASE("specs::validate rejects an app without roles, and unusable names") {
  CHECK(validation_problems(AppDef{"x", {}, {}}) ==
        std::vector<std::string>{"no roles (did you forget to add roles to the AppDef?)"});
  AppDef app = valid_app();
  app.name = "";
  app.roles[0].name = "..";
  app.roles[0].entrypoint = "<MISSING>";
  CHECK(validation_problems(app) == std::vector<std::string>{"app name is empty", "role name '..' is not a usable name",
                                                             "role '..': no entrypoint"});
}

TEST_SUITE_END();

TEST_CASE("specs::validate bounds num_replicas and refuses text that is not UTF-8, naming the field") {
  AppDef app = valid_app();
  app.roles[0].num_replicas = 10000000;
  CHECK(validation_problems(app) ==
        std::vector<std::string>{"role 'trainer': num_replicas is 10000000, more than 10000 (the most one role may have)"});
  app.roles[0].num_replicas = k_max_num_replicas;
  CHECK(validation_problems(app).empty());

  app = valid_app();
  app.name = "caf\xe9";
  app.metadata.set("k", "\xff");
  app.roles[0].image = "img\xc3";
  app.roles[0].args.push_back("a\xe9");
  app.roles[0].env.set("V", "\x80");
  CHECK(validation_problems(app) == std::vector<std::string>{
                                        "app name 'caf\\xe9' is not valid UTF-8",
                                        "metadata 'k' is not valid UTF-8 ('\\xff')",
                                        "role 'trainer': image is not valid UTF-8 ('img\\xc3')",
                                        "role 'trainer': args[" + std::to_string(app.roles[0].args.size() - 1) +
                                            "] is not valid UTF-8 ('a\\xe9')",
                                        "role 'trainer': env 'V' is not valid UTF-8 ('\\x80')",
                                    });
}
