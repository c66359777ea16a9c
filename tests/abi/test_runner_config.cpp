// SPDX-License-Identifier: BSD-3-Clause
#include "config.hpp"

#include "../support/temp_dir.hpp"

#include <torchx/specs/errors.hpp>

#include <doctest/doctest.h>

using namespace torchx;
using runner::Config;
using runner::ConfigError;
using runner::ConfigInputs;

namespace {

specs::RunOpts opts() {
  specs::RunOpts o;
  o.add("partition", specs::CfgType::str, "partition");
  o.add("nodes", specs::CfgType::integer, "nodes", std::int64_t{1});
  o.add("exclusive", specs::CfgType::boolean, "exclusive", false);
  o.add("tags", specs::CfgType::list_of_str, "tags");
  o.add("labels", specs::CfgType::dict_of_str, "labels");
  return o;
}

}  // namespace

TEST_SUITE_BEGIN("config");

TEST_CASE("runner::Config::parse reads sections, keeps key case, comments and multi-line values") {
  const Config c = Config::parse(
      "# a comment\n; another\n[slurm]\npartition = gpu\nmemMB = 1024\ntags = a;b\n  c\n\n[component:dist.ddp]\n"
      "j = 2x4\nscript_args = --lr 0.1\n",
      "/x/.torchxconfig");
  CHECK(c.get("slurm", "partition")->value == "gpu");
  CHECK(c.get("slurm", "memMB")->value == "1024");
  CHECK_FALSE(c.get("slurm", "memmb").has_value());
  CHECK(c.get("slurm", "tags")->value == "a;b\nc");
  CHECK(c.get("slurm", "partition")->file == "/x/.torchxconfig");
  CHECK(c.keys("slurm") == std::vector<std::string>{"partition", "memMB", "tags"});
  CHECK(c.component_defaults("dist.ddp") == std::map<std::string, std::string>{{"j", "2x4"}, {"script_args", "--lr 0.1"}});
  // No inline comments, as Python's configparser: ';' belongs to the value.
  CHECK(Config::parse("[s]\ntags = a ; b\n", "f").get("s", "tags")->value == "a ; b");
  const std::string long_value(5000, 'x');
  CHECK(Config::parse("[s]\nk = " + long_value + "\n", "f").get("s", "k")->value == long_value);
}

TEST_CASE("runner::Config::parse reports a syntax error with the file and line") {
  CHECK_THROWS_WITH_AS(Config::parse("[ok]\na = 1\nthis line has no equals\n", "/p/.torchxconfig"),
                       "/p/.torchxconfig:3: syntax error (expected [section] or key = value)", ConfigError);
  CHECK_THROWS_AS(Config::parse("[unclosed\n", "f"), ConfigError);
  // A line longer than inih's buffer: named, not split in two and the wrong line blamed.
  const std::string huge = "[s]\nk = " + std::string((1 << 20) - 5, 'a') + "\nok = 1\n";
  CHECK_THROWS_WITH_AS(Config::parse(huge, "/p/.torchxconfig"), "/p/.torchxconfig:2: line is longer than 1048574 bytes",
                       ConfigError);
  const std::string fits = "[s]\nk = " + std::string((1 << 20) - 6, 'a') + "\nok = 1\n";
  const Config c = Config::parse(fits, "f");
  CHECK(c.get("s", "k")->value.size() == (1 << 20) - 6);
  CHECK(c.get("s", "ok")->value == "1");
  // A NUL byte: named, not the end of the file without a word.
  CHECK_THROWS_WITH_AS(Config::parse(std::string("[s]\na = 1\n\0x\n[t]\nb = 2\n", 23), "/p/.torchxconfig"),
                       "/p/.torchxconfig:3: a NUL byte (is this a text file?)", ConfigError);
}

TEST_CASE("runner::Config::scheduler_cfg types values by run option, warns about unknown keys") {
  const Config c = Config::parse(
      "[slurm]\npartition = gpu\nnodes = 4\nexclusive = yes\ntags = a;b\nlabels = k:v,k2:v2\nbogus = 1\n", "/f");
  std::vector<std::string> warnings;
  const specs::Cfg cfg = c.scheduler_cfg("slurm", opts(), warnings);
  CHECK(std::get<std::string>(*cfg.get("partition")) == "gpu");
  CHECK(std::get<std::int64_t>(*cfg.get("nodes")) == 4);
  CHECK(std::get<bool>(*cfg.get("exclusive")));
  CHECK(std::get<std::vector<std::string>>(*cfg.get("tags")) == std::vector<std::string>{"a", "b"});
  CHECK(std::get<specs::Dict<std::string>>(*cfg.get("labels")).size() == 2);
  CHECK(warnings == std::vector<std::string>{"/f: [slurm] bogus: not a run option of scheduler 'slurm', ignored (see: "
                                             "torchx runopts slurm)"});
  CHECK(c.scheduler_cfg("other", opts(), warnings).empty());
  const Config none = Config::parse("[slurm]\npartition = None\n", "/f");
  CHECK_FALSE(none.scheduler_cfg("slurm", opts(), warnings).contains("partition"));
  const Config bad = Config::parse("[slurm]\nnodes = many\n", "/f");
  CHECK_THROWS_WITH_AS(bad.scheduler_cfg("slurm", opts(), warnings),
                       "/f: [slurm] run option 'nodes' must be an int, but was 'many'", specs::InvalidRunConfigError);
}

TEST_CASE("runner::Config::load: the project's file beats the user's, TORCHXCONFIG replaces both") {
  test::TempDir tmp;
  tmp.write("home/.torchxconfig", "[slurm]\npartition = user\nnodes = 2\n");
  tmp.write("proj/.torchxconfig", "[slurm]\npartition = project\n");
  tmp.write("one.ini", "[slurm]\npartition = explicit\n");
  ConfigInputs in;
  in.home = tmp.path() / "home";
  in.cwd = tmp.path() / "proj";
  Config c = Config::load(in);
  CHECK(c.get("slurm", "partition")->value == "project");
  CHECK(c.get("slurm", "nodes")->value == "2");
  CHECK(c.files().size() == 2);

  in.torchxconfig = (tmp.path() / "one.ini").string();
  c = Config::load(in);
  CHECK(c.get("slurm", "partition")->value == "explicit");
  CHECK_FALSE(c.get("slurm", "nodes").has_value());

  in.torchxconfig = (tmp.path() / "missing.ini").string();
  CHECK_THROWS_WITH_AS(Config::load(in), ("TORCHXCONFIG='" + (tmp.path() / "missing.ini").string() +
                                          "' does not exist or is not a file").c_str(),
                       ConfigError);
  in.torchxconfig.reset();
  // The project is the home directory, or a link to it: the file is read once.
  in.cwd = in.home.value();
  CHECK(Config::load(in).files().size() == 1);
  std::filesystem::create_directory_symlink(tmp.path() / "home", tmp.path() / "home-link");
  in.cwd = tmp.path() / "home-link";
  c = Config::load(in);
  CHECK(c.files().size() == 1);
  CHECK(c.get("slurm", "partition")->value == "user");
  // A directory named .torchxconfig is no file.
  std::filesystem::create_directories(tmp.path() / "dirproj" / ".torchxconfig");
  in.cwd = tmp.path() / "dirproj";
  CHECK(Config::load(in).files().size() == 1);
  in.home = tmp.path() / "nothing";
  in.cwd = tmp.path() / "nothing";
  CHECK(Config::load(in).sections().empty());
}

TEST_CASE("runner::Config::named_resources reads presets") {
  const Config c = Config::parse(
      "[named_resource:site.gpu8]\ncpu = 64\ngpu = 8\nmemMB = 500000\ndevices = vpc.amazonaws.com/efa:4\n"
      "capabilities = node.kubernetes.io/instance-type:p4d.24xlarge\n",
      "/f");
  const auto presets = c.named_resources();
  REQUIRE(presets.size() == 1);
  const specs::Resource& r = *presets.get("site.gpu8");
  CHECK((r.cpu == 64 && r.gpu == 8 && r.memMB == 500000));
  CHECK(*r.devices.get("vpc.amazonaws.com/efa") == 4);
  CHECK(r.capabilities.get("node.kubernetes.io/instance-type")->as_string() == "p4d.24xlarge");
  CHECK_THROWS_WITH_AS(Config::parse("[named_resource:x]\ncpus = 1\n", "/f").named_resources(),
                       "/f: [named_resource:x] cpus: unknown key (expected cpu, gpu, memMB, devices, capabilities)",
                       ConfigError);
  CHECK_THROWS_WITH_AS(Config::parse("[named_resource:x]\ncpu = lots\n", "/f").named_resources(),
                       "/f: [named_resource:x] cpu: expected an integer, found 'lots'", ConfigError);
  // An item without ':' escaped as InvalidRunConfigError about a "run option" (fuzz_torchxconfig).
  CHECK_THROWS_WITH_AS(Config::parse("[named_resource:x]\ncapabilities = a:b,nope\n", "/f").named_resources(),
                       "/f: [named_resource:x] capabilities: expected 'key:value' items separated by ',' or ';', "
                       "found 'a:b,nope'",
                       ConfigError);
}

TEST_CASE("runner::Config::unknown_sections warns about what torchx does not read") {
  const Config c = Config::parse("[slurm]\na = 1\n[slrum]\nb = 2\n[cli:run]\nschedular = x\n[component:x]\n"
                                 "c = 3\n[torchx:tracker]\nfsspec =\n",
                                 "/f");
  CHECK(c.unknown_sections({"slurm", "local_cwd"}) ==
        std::vector<std::string>{"/f: [slrum]: unknown section, ignored (not a scheduler, and not component:, cli:, "
                                 "named_resource:, torchx:tracker or tracker:)",
                                 "/f: [cli:run] schedular: unknown key, ignored (expected scheduler, component, workspace)"});
}

TEST_CASE("runner::Config::unknown_sections warns about a value holding an inline ' #' comment") {
  const Config c = Config::parse("[slurm]\npartition = gpu   # the big one\n# a comment line\ntime = 1:00\n", "/f");
  CHECK(c.get("slurm", "partition")->value == "gpu   # the big one");  // configparser keeps it too
  CHECK(c.unknown_sections({"slurm"}) ==
        std::vector<std::string>{"/f: [slurm] partition: the value 'gpu   # the big one' contains ' #': comments must "
                                 "be on their own line (the text after '#' is part of the value)"});
}

TEST_CASE("runner::Config::all_component_defaults reads every [component:NAME] section") {
  const Config c = Config::parse("[component:a]\nx = 1\n[component:]\ny = 2\n[component:b.c]\nz = 3 4\n", "/f");
  CHECK(c.all_component_defaults() == std::map<std::string, std::map<std::string, std::string>>{
                                          {"a", {{"x", "1"}}}, {"b.c", {{"z", "3 4"}}}});
}

TEST_CASE("runner::dump_config marks required options and lists defaults with --all") {
  specs::RunOpts o = opts();
  o.add("queue", specs::CfgType::str, "the queue to submit to", {}, true);
  o.add("tags2", specs::CfgType::list_of_str, "tags", std::vector<std::string>{"a", "b"});
  CHECK(runner::dump_config({{"k8s", o}}, false) == "[k8s]\nqueue = #FIXME:(str) the queue to submit to\n\n");
  CHECK(runner::dump_config({{"k8s", o}}, true) ==
        "[k8s]\npartition = None\nnodes = 1\nexclusive = False\ntags = None\nlabels = None\n"
        "queue = #FIXME:(str) the queue to submit to\ntags2 = a;b\n\n");
}

TEST_SUITE_END();
