// SPDX-License-Identifier: BSD-3-Clause
// The builtin components: for each, command-line arguments -> the AppDef TorchX builds (the `app`
// object of `run --dryrun --json`, against the test scheduler), and every error with its message.
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

namespace json = boost::json;

namespace {

const std::string k_image = "ghcr.io/pytorch/torchx:0.8.0dev0";

torchx::util::ProcessResult dryrun(const std::vector<std::string>& component_args,
                                   std::vector<std::pair<std::string, std::optional<std::string>>> env = {}) {
  static const torchx::test::TempDir tmp;
  std::vector<std::string> argv{TORCHX_EXE, "--plugin-path", std::string(TORCHX_TEST_PLUGIN_DIR) + "/plugins.d", "run",
                                "-s",       "test_sched",    "--dryrun",                                     "--json"};
  argv.insert(argv.end(), component_args.begin(), component_args.end());
  auto options = torchx::test::hermetic_cli_options(tmp.path(), std::nullopt);
  options.env.insert(options.env.end(), env.begin(), env.end());
  return torchx::util::run_process(argv, options);
}

/// The AppDef of a dryrun, without the env the runner injects (checked elsewhere).
json::object app_of(const std::vector<std::string>& component_args) {
  const auto r = dryrun(component_args);
  INFO("stderr: ", r.err);
  REQUIRE(r.exit_code == 0);
  json::object app = json::parse(r.out).as_object().at("app").as_object();
  for (auto& role : app.at("roles").as_array()) {
    auto& env = role.as_object().at("env").as_object();
    env.erase("TORCHX_JOB_ID");
    env.erase("TORCHX_INTERNAL_SESSION_ID");
  }
  return app;
}

/// A full Role JSON: TorchX's defaults overridden by `fields`.
json::value role(const json::object& fields) {
  json::object r{{"name", ""},
                 {"image", k_image},
                 {"min_replicas", nullptr},
                 {"base_image", nullptr},
                 {"entrypoint", "<MISSING>"},
                 {"args", json::array{}},
                 {"env", json::object{}},
                 {"num_replicas", 1},
                 {"max_retries", 0},
                 {"retry_policy", "APPLICATION"},
                 {"resource", json::object{{"cpu", 1}, {"gpu", 0}, {"memMB", 1024}, {"capabilities", json::object{}},
                                           {"devices", json::object{}}, {"tags", json::object{}}}},
                 {"port_map", json::object{}},
                 {"metadata", json::object{}},
                 {"mounts", json::array{}},
                 {"overrides", json::object{}}};
  for (const auto& kv : fields) r[kv.key()] = kv.value();
  return r;
}

json::object resource(int cpu, int gpu, int mem) {
  return {{"cpu", cpu}, {"gpu", gpu}, {"memMB", mem}, {"capabilities", json::object{}}, {"devices", json::object{}},
          {"tags", json::object{}}};
}

json::object app(const std::string& name, const json::value& r) {
  return json::object{{"name", name}, {"roles", json::array{r}}, {"metadata", json::object{}}};
}

void check_app(const std::vector<std::string>& args, const json::object& expected) {
  const auto actual = app_of(args);
  INFO("actual:   ", json::serialize(actual));
  INFO("expected: ", json::serialize(expected));
  CHECK(actual == expected);
}

/// The exit code and the error line of a failing dryrun.
std::pair<int, std::string> failure(const std::vector<std::string>& args) {
  const auto r = dryrun(args);
  return {r.exit_code, r.err};
}

const json::object k_warning_env{{"LOGLEVEL", "WARNING"}};

}  // namespace

TEST_SUITE_BEGIN("components");

TEST_CASE("utils.echo, utils.touch, utils.copy and utils.booth build TorchX's AppDefs") {
  check_app({"utils.echo"}, app("echo", role({{"name", "echo"}, {"entrypoint", "echo"}, {"args", {"hello world"}}})));
  check_app({"utils.echo", "--msg", "hi there", "--num_replicas", "3", "--image", "/img"},
            app("echo", role({{"name", "echo"}, {"image", "/img"}, {"entrypoint", "echo"}, {"args", {"hi there"}},
                              {"num_replicas", 3}})));
  check_app({"utils.touch", "--file", "/tmp/x"},
            app("touch", role({{"name", "touch"}, {"entrypoint", "touch"}, {"args", {"/tmp/x"}}})));
  check_app({"utils.copy", "--src", "a.txt", "--dst", "file:///b.txt"},
            app("torchx-utils-copy", role({{"name", "torchx-utils-copy"},
                                           {"entrypoint", "python"},
                                           {"args", {"-m", "torchx.apps.utils.copy_main", "--src", "a.txt", "--dst",
                                                     "file:///b.txt"}}})));
  check_app({"utils.booth", "--x1", "1", "--x2", "2.5"},
            app("torchx-utils-booth",
                role({{"name", "torchx-utils-booth"},
                      {"entrypoint", "python"},
                      {"args", {"-m", "torchx.apps.utils.booth_main", "--x1", "1.0", "--x2", "2.5", "--trial_idx", "0",
                                "--tracker_base", "/tmp/torchx-util-booth"}}})));
}

TEST_CASE("utils.sh quotes its arguments and takes resources, env, retries and mounts") {
  check_app({"utils.sh", "echo", "a b", "$HOME", "it's"},
            app("sh", role({{"name", "sh"},
                            {"entrypoint", "sh"},
                            {"args", {"-c", "echo 'a b' '$HOME' 'it'\"'\"'s'"}},
                            {"env", k_warning_env}})));
  check_app({"utils.sh", "--entrypoint", "bash", "-h", "gpu.small", "--env", "A=1,B='x=y'", "--max_retries", "2", "--mounts",
             "type=bind,src=/a,dst=/b,readonly", "--", "-x", "y z"},
            app("sh", role({{"name", "sh"},
                            {"entrypoint", "bash"},
                            {"args", {"-x", "'y z'"}},
                            {"env", {{"A", "1"}, {"B", "x=y"}, {"LOGLEVEL", "WARNING"}}},
                            {"max_retries", 2},
                            {"resource", resource(8, 1, 32768)},
                            {"mounts", json::array{{{"type", "bind"}, {"src_path", "/a"}, {"dst_path", "/b"},
                                                    {"read_only", true}}}}})));
  // LOGLEVEL follows the launching shell, as in TorchX.
  const auto r = dryrun({"utils.sh", "true"}, {{"LOGLEVEL", "DEBUG"}});
  CHECK(json::parse(r.out).at("app").at("roles").at(0).at("env").at("LOGLEVEL") == "DEBUG");
}

TEST_CASE("utils.python runs a module, a script or a command, exactly one") {
  check_app({"utils.python", "-m", "foo.bar", "--", "--arg", "1"},
            app("torchx_utils_python", role({{"name", "python"},
                                             {"entrypoint", "python"},
                                             {"args", {"-m", "foo.bar", "--arg", "1"}},
                                             {"env", {{"HYDRA_MAIN_MODULE", "foo.bar"}}}})));
  check_app({"utils.python", "--script", "main.py", "--name", "job", "--cpu", "4", "x"},
            app("job", role({{"name", "python"}, {"entrypoint", "python"}, {"args", {"main.py", "x"}},
                             {"resource", resource(4, 0, 1024)}})));
  check_app({"utils.python", "-c", "print(1)"},
            app("torchx_utils_python", role({{"name", "python"}, {"entrypoint", "python"}, {"args", {"-c", "print(1)"}}})));
  CHECK(failure({"utils.python"}) ==
        std::pair<int, std::string>{2, "torchx: error: component 'utils.python': exactly one of `-m`, `-c` and `--script` "
                                       "needs to be specified\n"});
  CHECK(failure({"utils.python", "-m", "a", "-c", "b"}).first == 2);
}

TEST_CASE("utils.binary runs an entrypoint on the <NONE> image") {
  check_app({"utils.binary", "--entrypoint", "/bin/ls", "--", "-l", "/"},
            app("torchx_utils_binary",
                role({{"name", "binary"}, {"image", "<NONE>"}, {"entrypoint", "/bin/ls"}, {"args", {"-l", "/"}}})));
  CHECK(failure({"utils.binary"}) ==
        std::pair<int, std::string>{2, "torchx: error: component 'utils.binary': missing required argument --entrypoint\n"});
}

TEST_CASE("serve.torchserve and metrics.tensorboard build TorchX's AppDefs") {
  check_app({"serve.torchserve", "--model_path", "/m.mar", "--management_api", "http://localhost:8081", "--params",
             "initial_workers=1", "--dryrun", "true"},
            app("torchx-torchserve",
                role({{"name", "worker"},
                      {"entrypoint", "python"},
                      {"args", {"-m", "torchx.apps.serve.serve", "--model_path", "/m.mar", "--management_api",
                                "http://localhost:8081", "--initial_workers", "1", "--dryrun"}},
                      {"port_map", {{"model-download", 8222}}}})));
  check_app({"metrics.tensorboard", "--logdir", "/logs"},
            app("tensorboard", role({{"name", "tensorboard"},
                                     {"entrypoint", "python"},
                                     {"args", {"-m", "torchx.apps.utils.process_monitor", "--timeout", "3600.0",
                                               "--start_on_file", "", "--exit_on_file", "", "--", "tensorboard",
                                               "--bind_all", "--port", "6006", "--logdir", "/logs"}},
                                     {"port_map", {{"http", 6006}}},
                                     {"resource", resource(-1, -1, -1)}})));
}

TEST_CASE("dist.ddp builds TorchX's torchrun command for each -j form") {
  const auto ddp_role = [](const std::string& name, const std::string& cmd, int min, int num) {
    return role({{"name", name},
                 {"entrypoint", "bash"},
                 {"args", {"-c", cmd}},
                 {"min_replicas", min},
                 {"num_replicas", num},
                 {"env", {{"LOGLEVEL", "WARNING"}, {"TORCHX_TRACKING_EXPERIMENT_NAME", "default-experiment"},
                          {"TORCHX_TRACKING_RUN_NAME", name}}},
                 {"resource", resource(2, 0, 1024)},
                 {"port_map", {{"c10d", 29500}}}});
  };
  check_app({"dist.ddp", "-j", "1x2", "--script", "main.py", "--", "--lr", "0.1"},
            app("main", ddp_role("main",
                                 "torchrun --rdzv_backend c10d --rdzv_endpoint localhost:0 --rdzv_id '${app_id}' "
                                 "--nnodes 1 --nproc_per_node 2 --tee 3 --role '' main.py --lr 0.1",
                                 1, 1)));
  check_app({"dist.ddp", "-j", "2x4", "--script", "main.py", "--", "--lr", "0.1"},
            app("main", ddp_role("main",
                                 "torchrun --rdzv_backend c10d --rdzv_endpoint $${${rank0_env}:=localhost}:29500 "
                                 "--rdzv_id '${app_id}' --nnodes 2 --nproc_per_node 4 --tee 3 --role '' main.py --lr 0.1",
                                 2, 2)));
  check_app({"dist.ddp", "-j", "1:2x4", "--script", "main.py", "--", "--lr", "0.1"},
            app("main", ddp_role("main",
                                 "torchrun --rdzv_backend c10d --rdzv_endpoint $${${rank0_env}:=localhost}:29500 "
                                 "--rdzv_id '${app_id}' --nnodes 1:2 --nproc_per_node 4 --tee 3 --role '' main.py --lr 0.1",
                                 1, 2)));
  check_app({"dist.ddp", "-j", "4", "-m", "pkg.trainer"},
            app("trainer", ddp_role("trainer",
                                    "torchrun --rdzv_backend c10d --rdzv_endpoint localhost:0 --rdzv_id '${app_id}' "
                                    "--nnodes 1 --nproc_per_node 4 --tee 3 --role '' -m pkg.trainer",
                                    1, 1)));
}

TEST_CASE("dist.ddp: static rendezvous, rdzv_conf, tee, debug, name, port and resources") {
  auto a = app_of({"dist.ddp", "-j", "2x1", "--script", "t.py", "--rdzv_backend", "static", "--rdzv_port", "1234",
                   "--rdzv_conf", "read_timeout=600", "--tee", "1"});
  const auto& r = a.at("roles").as_array()[0].as_object();
  CHECK(r.at("args").as_array()[1] ==
        "torchrun --rdzv_backend static --rdzv_conf read_timeout=600 --rdzv_endpoint $${${rank0_env}:=localhost}:1234 "
        "--rdzv_id '${app_id}' --nnodes 2 --nproc_per_node 1 --tee 1 --role '' --node_rank '${replica_id}' t.py");
  CHECK(r.at("port_map") == json::object{{"c10d", 1234}});

  a = app_of({"dist.ddp", "--script", "t.py", "--debug", "true", "--name", "exp/run1", "-h", "aws_p4d.24xlarge",
              "--max_retries", "3", "--env", "X=1"});
  const auto& d = a.at("roles").as_array()[0].as_object();
  CHECK(a.at("name") == "run1");
  CHECK(d.at("name") == "t");
  CHECK(d.at("env") == json::object{{"X", "1"},
                                    {"LOGLEVEL", "WARNING"},
                                    {"CUDA_LAUNCH_BLOCKING", "1"},
                                    {"NCCL_DESYNC_DEBUG", "1"},
                                    {"TORCH_DISTRIBUTED_DEBUG", "DETAIL"},
                                    {"TORCH_SHOW_CPP_STACKTRACES", "1"},
                                    {"TORCHX_TRACKING_EXPERIMENT_NAME", "exp"},
                                    {"TORCHX_TRACKING_RUN_NAME", "run1"}});
  CHECK(d.at("resource").at("memMB") == 1132416);
  CHECK(d.at("resource").at("devices") == json::object{{"vpc.amazonaws.com/efa", 4}});
  CHECK(d.at("max_retries") == 3);
  CHECK(app_of({"dist.ddp", "--script", "t.py", "--name", "/r"}).at("name") == "r");
  CHECK(app_of({"dist.ddp", "--script", "t.py", "--name", "e/"}).at("roles").at(0).at("env").at(
            "TORCHX_TRACKING_EXPERIMENT_NAME") == "e");
  CHECK(app_of({"dist.ddp", "--script", "t.py", "--name", "plain"}).at("name") == "plain");
}

TEST_CASE("dist.ddp and dist.spmd report bad arguments in TorchX's words") {
  CHECK(failure({"dist.ddp", "-j", "2x", "--script", "t.py"}) ==
        std::pair<int, std::string>{2, "torchx: error: component 'dist.ddp': Invalid format for -j, usage example: "
                                       "1:2x4 or 1x4 or 4. Given: 2x\n"});
  CHECK(failure({"dist.ddp", "--script", "t.py", "-m", "x"}) ==
        std::pair<int, std::string>{2, "torchx: error: component 'dist.ddp': exactly one of --script and -m must be specified\n"});
  CHECK(failure({"dist.ddp"}).first == 2);
  CHECK(failure({"dist.ddp", "--script", "t.py", "-h", "gpu.smal"}) ==
        std::pair<int, std::string>{1, "torchx: error: no named resource 'gpu.smal': did you mean 'gpu.small'? (see: "
                                       "torchx resources)\n"});
  CHECK(failure({"dist.spmd", "--script", "t.py", "-j", "2", "-h", "cpu.small"}) ==
        std::pair<int, std::string>{2, "torchx: error: component 'dist.spmd': nproc_per_node cannot be inferred from GPU "
                                       "count. `cpu.small` is not a GPU instance. You must specify `-j "
                                       "$NNODESx$NPROCS_PER_NODE` (e.g. `-j 1x8`)\n"});
  CHECK(failure({"dist.spmd", "--script", "t.py", "-j", "1x2x3"}).first == 2);
}

TEST_CASE("dist.spmd is ddp on the named host type") {
  auto a = app_of({"dist.spmd", "--script", "t.py"});
  const auto& r = a.at("roles").as_array()[0].as_object();
  CHECK(r.at("args").as_array()[1] ==
        "torchrun --rdzv_backend c10d --rdzv_endpoint localhost:0 --rdzv_id '${app_id}' --nnodes 1 --nproc_per_node 1 "
        "--tee 3 --role '' t.py");
  CHECK(r.at("resource") == json::value(resource(8, 1, 32768)));
  a = app_of({"dist.spmd", "-m", "a.b", "-j", "2", "-h", "aws_p4d.24xlarge"});
  CHECK(a.at("roles").at(0).at("args").at(1).as_string().find("--nnodes 2 --nproc_per_node 8") != std::string::npos);
  CHECK(a.at("roles").at(0).at("num_replicas") == 2);
}

TEST_CASE("-h takes named resources from named-resource plugins") {
  const auto a = app_of({"utils.sh", "-h", "test.big", "true"});
  CHECK(a.at("roles").at(0).at("resource") ==
        json::object{{"cpu", 3}, {"gpu", 1}, {"memMB", 3000}, {"capabilities", json::object{}},
                     {"devices", json::object{{"example.com/fpga", 2}}}, {"tags", json::object{}}});
}

TEST_CASE("torchx builtins --print shows a component's arguments and what it builds") {
  std::vector<std::string> argv{TORCHX_EXE, "builtins", "--print", "utils.echo"};
  torchx::util::ProcessOptions options;
  options.env = {{"TORCHX_PLUGIN_SYSTEM_PATH", std::nullopt}, {"LOGLEVEL", std::nullopt}};
  auto r = torchx::util::run_process(argv, options);
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("usage: torchx run [run options] utils.echo\n\nEchos a message to stdout (calls echo).\n"));
  CHECK(r.out.find("  --msg (str)\n      message to echo (default: hello world)\n") != std::string::npos);
  CHECK(r.out.find("With its defaults it builds:\n{\n  \"name\": \"echo\",") != std::string::npos);
  argv.back() = "utils.touch";
  r = torchx::util::run_process(argv, options);
  CHECK(r.out.ends_with("It builds its AppDef once given --file.\n"));
  argv.back() = "utils.ech";
  r = torchx::util::run_process(argv, options);
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: component 'utils.ech' not found: did you mean 'utils.echo'? (see: torchx builtins)\n");
}

TEST_SUITE_END();
