// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>
#include <torchx/specs/run_opts.hpp>

#include <doctest/doctest.h>

#include <stdexcept>

using namespace torchx::specs;

namespace {

RunOpts slurm_like() {
  RunOpts opts;
  opts.add("partition", CfgType::str, "the partition to run on");
  opts.add("nodes", CfgType::integer, "node count", std::int64_t{1});
  opts.add("queue", CfgType::str, "the queue", {}, true);
  opts.add("priority", CfgType::floating, "priority", 0.5);
  opts.add("exclusive", CfgType::boolean, "exclusive nodes", false);
  opts.add("mounts", CfgType::list_of_str, "mounts");
  opts.add("labels", CfgType::dict_of_str, "labels");
  return opts;
}

}  // namespace

TEST_SUITE_BEGIN("specs");

TEST_CASE("specs::cast_cfg_value casts to each type") {
  CHECK(std::get<std::string>(cast_cfg_value("k", " a b ", CfgType::str)) == " a b ");
  CHECK(std::get<std::int64_t>(cast_cfg_value("k", "42", CfgType::integer)) == 42);
  CHECK(std::get<std::int64_t>(cast_cfg_value("k", "-7", CfgType::integer)) == -7);
  CHECK(std::get<double>(cast_cfg_value("k", "0.25", CfgType::floating)) == 0.25);
  CHECK(std::get<double>(cast_cfg_value("k", "3", CfgType::floating)) == 3.0);
  for (const char* t : {"true", "True", "TRUE", "1", "yes", "on"}) CHECK(std::get<bool>(cast_cfg_value("k", t, CfgType::boolean)));
  for (const char* f : {"false", "False", "0", "no", "off"}) CHECK_FALSE(std::get<bool>(cast_cfg_value("k", f, CfgType::boolean)));
  CHECK(std::get<std::vector<std::string>>(cast_cfg_value("k", "a,b;c,,", CfgType::list_of_str)) ==
        std::vector<std::string>{"a", "b", "c"});
  const auto d = std::get<Dict<std::string>>(cast_cfg_value("k", "k1:v1;k2:v2:x", CfgType::dict_of_str));
  CHECK(*d.get("k1") == "v1");
  CHECK(*d.get("k2") == "v2:x");
}

TEST_CASE("specs::cast_cfg_value rejects values that do not fit the type") {
  CHECK_THROWS_WITH_AS(cast_cfg_value("nodes", "two", CfgType::integer), "run option 'nodes' must be an int, but was 'two'",
                       InvalidRunConfigError);
  CHECK_THROWS_AS(cast_cfg_value("nodes", "2x", CfgType::integer), InvalidRunConfigError);
  CHECK_THROWS_AS(cast_cfg_value("nodes", "", CfgType::integer), InvalidRunConfigError);
  CHECK_THROWS_AS(cast_cfg_value("p", "1.5.2", CfgType::floating), InvalidRunConfigError);
  CHECK_THROWS_WITH_AS(cast_cfg_value("x", "maybe", CfgType::boolean),
                       "run option 'x' must be a bool (true or false), but was 'maybe'", InvalidRunConfigError);
  CHECK_THROWS_WITH_AS(cast_cfg_value("labels", "a:b,c", CfgType::dict_of_str),
                       "run option 'labels' must be a dict of 'key:value' items, but was 'a:b,c'", InvalidRunConfigError);
}

TEST_CASE("specs::RunOpts::add rejects inconsistent options") {
  RunOpts opts;
  CHECK_THROWS_AS(opts.add("q", CfgType::str, "", std::string("x"), true), std::invalid_argument);
  CHECK_THROWS_AS(opts.add("n", CfgType::integer, "", std::string("1")), std::invalid_argument);
  opts.add("f", CfgType::floating, "", std::int64_t{1});  // an int default is fine for a float
  CHECK(std::get<double>(opts.get("f")->default_value) == 1.0);
  opts.add("f", CfgType::str, "replaced");
  CHECK(opts.size() == 1);
  CHECK(opts.get("f")->type == CfgType::str);
}

TEST_CASE("specs::RunOpts::cfg_from_str casts known keys and rejects unknown ones") {
  const auto opts = slurm_like();
  const Cfg cfg = opts.cfg_from_str("partition=gpu,nodes=4,mounts=a,b,exclusive=true,labels=x:1;y:2");
  CHECK(std::get<std::string>(*cfg.get("partition")) == "gpu");
  CHECK(std::get<std::int64_t>(*cfg.get("nodes")) == 4);
  CHECK(std::get<std::vector<std::string>>(*cfg.get("mounts")) == std::vector<std::string>{"a", "b"});
  CHECK(std::get<bool>(*cfg.get("exclusive")));
  CHECK(std::get<Dict<std::string>>(*cfg.get("labels")).size() == 2);
  CHECK_FALSE(cfg.contains("queue"));  // defaults are not applied here

  CHECK_THROWS_WITH_AS(opts.cfg_from_str("partiton=gpu", "slurm"),
                       "unknown run option 'partiton' of scheduler 'slurm': did you mean 'partition'?", InvalidRunConfigError);
  CHECK_THROWS_WITH_AS(opts.cfg_from_str("zzz=1"), "unknown run option 'zzz'", InvalidRunConfigError);
  CHECK_THROWS_AS(opts.cfg_from_str("nodes"), KeyValueParseError);
}

TEST_CASE("specs::RunOpts::resolve fills defaults and checks required options and types") {
  const auto opts = slurm_like();
  Cfg cfg;
  cfg.set("queue", std::string("q1"));
  cfg.set("priority", std::int64_t{2});
  const Cfg resolved = opts.resolve(cfg, "slurm");
  CHECK(resolved.size() == opts.size());
  CHECK(std::holds_alternative<std::monostate>(*resolved.get("partition")));
  CHECK(std::get<std::int64_t>(*resolved.get("nodes")) == 1);
  CHECK(std::get<double>(*resolved.get("priority")) == 2.0);
  CHECK(std::get<bool>(*resolved.get("exclusive")) == false);
  CHECK(to_json(resolved) ==
        R"({"partition":null,"nodes":1,"queue":"q1","priority":2E0,"exclusive":false,"mounts":null,"labels":null})");

  CHECK_THROWS_WITH_AS(opts.resolve(Cfg{}, "kubernetes"), "required run option 'queue' of scheduler 'kubernetes' was not given",
                       InvalidRunConfigError);
  Cfg none_queue;
  none_queue.set("queue", CfgValue{});
  CHECK_THROWS_AS(opts.resolve(none_queue), InvalidRunConfigError);

  Cfg wrong;
  wrong.set("queue", std::string("q"));
  wrong.set("nodes", std::string("4"));
  CHECK_THROWS_WITH_AS(opts.resolve(wrong), "run option 'nodes' must be of type int, but was 4 (str)", InvalidRunConfigError);
  Cfg unknown;
  unknown.set("queue", std::string("q"));
  unknown.set("qeue", std::string("q"));
  try {
    (void)opts.resolve(unknown, "k8s");
    FAIL("expected InvalidRunConfigError");
  } catch (const InvalidRunConfigError& e) {
    CHECK(std::string(e.what()) == "unknown run option 'qeue' of scheduler 'k8s': did you mean 'queue'?");
    CHECK(e.cfg_key() == "qeue");
  }
}

TEST_CASE("specs::RunOpts::format prints TorchX's runopts text") {
  RunOpts opts;
  opts.add("log_dir", CfgType::str, "dir to write stdout/stderr log files of replicas");
  opts.add("prepend_cwd", CfgType::boolean, "if set, prepends CWD to replica's PATH env", false);
  opts.add("queue", CfgType::str, "Volcano queue", {}, true);
  opts.add("tags", CfgType::list_of_str, "tags", std::vector<std::string>{"a", "b"});
  CHECK(opts.format() ==
        "    usage:\n"
        "        queue=QUEUE,[log_dir=LOG_DIR],[prepend_cwd=PREPEND_CWD],[tags=TAGS]\n"
        "\n"
        "    required arguments:\n"
        "        queue=QUEUE (str)\n"
        "            Volcano queue\n"
        "\n"
        "    optional arguments:\n"
        "        log_dir=LOG_DIR (str, None)\n"
        "            dir to write stdout/stderr log files of replicas\n"
        "        prepend_cwd=PREPEND_CWD (bool, False)\n"
        "            if set, prepends CWD to replica's PATH env\n"
        "        tags=TAGS (typing.List[str], ['a', 'b'])\n"
        "            tags");
}

TEST_CASE("specs::to_display prints values as TorchX does") {
  CHECK(to_display(CfgValue{}) == "None");
  CHECK(to_display(true) == "True");
  CHECK(to_display(std::int64_t{3}) == "3");
  CHECK(to_display(0.5) == "0.5");
  CHECK(to_display(2.0) == "2.0");
  Dict<std::string> d;
  d.set("k", "v");
  CHECK(to_display(d) == "{'k': 'v'}");
}

TEST_SUITE_END();
