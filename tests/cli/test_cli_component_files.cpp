// SPDX-License-Identifier: BSD-3-Clause
// Component files: YAML components run without compiling; every error points at file:line:column.
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

namespace json = boost::json;

namespace {

const std::string k_data = TORCHX_TEST_DATA_DIR "/components";

torchx::util::ProcessResult torchx_run(std::vector<std::string> args) {
  static const torchx::test::TempDir tmp;
  std::vector<std::string> argv{TORCHX_EXE, "--plugin-path", std::string(TORCHX_TEST_PLUGIN_DIR) + "/plugins.d", "run",
                                "-s", "test_sched"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto options = torchx::test::hermetic_cli_options(tmp.path(), std::nullopt);
  options.cwd = k_data;
  return torchx::util::run_process(argv, options);
}

json::object app_of(const std::vector<std::string>& args) {
  std::vector<std::string> all{"--dryrun", "--json"};
  all.insert(all.end(), args.begin(), args.end());
  const auto r = torchx_run(all);
  INFO("stderr: ", r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out).as_object().at("app").as_object();
}

}  // namespace

TEST_SUITE_BEGIN("component files");

TEST_CASE("a YAML component: typed parameters, defaults, varargs spliced, macros left for the scheduler") {
  const auto app = app_of({"./train.yaml:train", "--script", "t.py", "-n", "2", "--lr", "0.25", "--", "--epochs", "3"});
  CHECK(app.at("name") == "train-2");
  const auto& trainer = app.at("roles").as_array()[0].as_object();
  CHECK(json::serialize(trainer.at("args")) == R"(["t.py","--lr","0.25","--id","${app_id}","--epochs","3"])");
  CHECK(trainer.at("num_replicas") == 2);
  CHECK(trainer.at("env").at("LR") == "0.25");
  CHECK(trainer.at("env").at("NODES") == "n=2");
  CHECK(trainer.at("resource").at("memMB") == 2048);  // h: cpu.small, the default
  CHECK(app.at("roles").as_array().size() == 2);
  // A file with one component needs no name; -h picks another named resource.
  const auto other = app_of({"train.yaml", "--script", "t.py", "-h", "gpu.small"});
  CHECK(other.at("roles").at(0).at("resource").at("gpu") == 1);
  CHECK(other.at("roles").at(0).at("args").at(2) == "0.1");
}

TEST_CASE("a YAML component runs through the scheduler and shows its help") {
  auto r = torchx_run({"--wait", "train.yaml:train", "--script", "t.py"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("test_sched://torchx/train-1-"));
  r = torchx_run({"train.yaml", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("usage: torchx run [run options] train.yaml --script script [script_args ...]\n\n"
                          "Trains a model on one or more nodes.\n"));
  CHECK(r.out.find("  --lr (float)\n      learning rate (default: 0.1)\n") != std::string::npos);
}

TEST_CASE("component file mistakes name the file, line and column") {
  const std::string f = "./broken.yaml";
  auto r = torchx_run({f + ":bad_type"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: " + f + ":4:15: argument 'n': unknown type 'integr' (expected str, int, float, bool, list or dict)\n");
  r = torchx_run({f + ":bad_key"});
  CHECK(r.err == "torchx: error: " + f + ":8:20: unknown key 'defualt' in argument 'n': did you mean 'default'?\n");
  r = torchx_run({f + ":macro_name"});
  CHECK(r.err == "torchx: error: " + f + ":12:5: argument 'app_id' has the name of a scheduler macro (${app_id})\n");
  r = torchx_run({f + ":no_app"});
  CHECK(r.err == "torchx: error: " + f + ":15:3: component 'no_app' has no 'app'\n");
  r = torchx_run({f + ":extra"});
  CHECK(r.err == "torchx: error: " + f + ":18:3: unknown key 'rolez' (expected doc, args, app)\n");
  r = torchx_run({f + ":bad_field"});
  CHECK(r.err == "torchx: error: " + f + ":28:23: roles[0].num_replicas: expected an integer, found a string\n");
  r = torchx_run({f + ":nope"});
  CHECK(r.err.starts_with("torchx: error: component 'nope' not found in './broken.yaml'"));
  r = torchx_run({"./broken.yaml"});
  CHECK(r.err.starts_with("torchx: error: component file './broken.yaml' holds 6 components (bad_type, bad_key, "));
  r = torchx_run({"./syntax.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("torchx: error: ./syntax.yaml:2:1: "));
  r = torchx_run({"./missing.yaml"});
  CHECK(r.err == "torchx: error: component file './missing.yaml' cannot be read\n");
  r = torchx_run({"./train.yaml", "--script"});
  CHECK(r.exit_code == 2);
}

TEST_SUITE_END();
