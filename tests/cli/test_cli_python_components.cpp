// SPDX-License-Identifier: BSD-3-Clause
// Python component files (`torchx run FILE.py:FN`), written the way TorchX's docs write them,
// evaluated by a python3 child process: under Debian's /usr/bin/python3 and the python3 on PATH.
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include <grp.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

const fs::path k_data = TORCHX_TEST_DATA_DIR "/python_components";

/// The interpreters the tests run the evaluator with: Debian's and the one on PATH (when they
/// are different programs).
std::vector<std::string> interpreters() {
  std::vector<std::string> out;
  if (fs::exists("/usr/bin/python3")) out.emplace_back("/usr/bin/python3");
  out.emplace_back("python3");
  return out;
}

/// A temporary working directory holding the component files of tests/data/python_components.
class Components {
public:
  Components() {
    fs::create_directories(m_tmp.path() / "cwd");
    for (const auto& entry : fs::directory_iterator(k_data)) fs::copy(entry.path(), cwd() / entry.path().filename());
  }
  [[nodiscard]] fs::path cwd() const { return m_tmp.path() / "cwd"; }
  void write(const std::string& name, const std::string& text) const { std::ofstream(cwd() / name) << text; }

  /// `torchx --plugin-path <test plugins> ARGS`, the evaluator run by `python`.
  torchx::util::ProcessResult torchx(const std::vector<std::string>& args, const std::string& python = "python3",
                                     std::vector<std::pair<std::string, std::optional<std::string>>> extra = {}) const {
    extra.emplace_back("TORCHX_PYTHON", python);
    return torchx::test::run_torchx(m_tmp.path(), std::nullopt, {std::string(TORCHX_TEST_PLUGIN_DIR) + "/plugins.d"},
                                    args, extra);
  }
  /// The AppDef of `run --dryrun --json -s test_sched ARGS`.
  json::object app(const std::vector<std::string>& args, const std::string& python = "python3") const {
    std::vector<std::string> all{"run", "--dryrun", "--json", "-s", "test_sched"};
    all.insert(all.end(), args.begin(), args.end());
    const auto r = torchx(all, python);
    INFO("stderr: ", r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out).as_object().at("app").as_object();
  }

private:
  torchx::test::TempDir m_tmp;
};

}  // namespace

TEST_SUITE_BEGIN("python component files");

TEST_CASE("the concepts page's component runs on local_cwd as TorchX runs it") {
  const Components c;
  for (const auto& python : interpreters()) {
    CAPTURE(python);
    const auto r = c.torchx({"run", "--scheduler", "local_cwd", "my_component.py:ddp", "--name", "demo", "--nnodes", "2",
                             "--image", "/tmp", "--entrypoint", "echo", "hello", "world"},
                            python);
    INFO("stderr: ", r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.starts_with("local_cwd://torchx/demo-"));
    CHECK(r.err.find("trainer/0 hello world\n") != std::string::npos);
    CHECK(r.err.find("trainer/1 hello world\n") != std::string::npos);
    CHECK(r.err.find("SUCCEEDED") != std::string::npos);
  }
}

TEST_CASE("a Python component's AppDef: the concepts page's ddp, --dryrun --json") {
  const Components c;
  for (const auto& python : interpreters()) {
    CAPTURE(python);
    const auto app = c.app({"my_component.py:ddp", "--name", "demo", "--nnodes", "2", "--image", "/tmp", "--entrypoint",
                            "echo", "hello", "world"},
                           python);
    CHECK(app.at("name") == "demo");
    const auto& role = app.at("roles").at(0).as_object();
    CHECK(role.at("name") == "trainer");
    CHECK(role.at("num_replicas") == 2);
    CHECK(json::serialize(role.at("args")) == R"(["hello","world"])");
    CHECK(json::serialize(role.at("resource")) ==
          R"({"cpu":4,"gpu":1,"memMB":1024,"capabilities":{},"devices":{},"tags":{}})");
  }
}

TEST_CASE("typed arguments by TorchX's rules: Optional, List, Dict, bool, named resources, mounts, macros") {
  const Components c;
  for (const auto& python : interpreters()) {
    CAPTURE(python);
    const auto app =
        c.app({"trainer.py:train", "--script", "main.py", "--nnodes=3", "--lr", "0.5", "-h", "gpu.small", "--env",
               "A=1,B=two", "--tags", "x,y", "--ports", "tb=7000,http=8080", "--mounts",
               "type=bind,src=/data,dst=/mnt/data,readonly", "--debug", "True", "--", "--epochs", "3"},
              python);
    const auto& role = app.at("roles").at(0).as_object();
    CHECK(json::serialize(role.at("args")) == R"(["main.py","--rank","${replica_id}","--epochs","3"])");
    CHECK(role.at("num_replicas") == 3);
    const auto& env = role.at("env").as_object();  // torchx adds TORCHX_JOB_ID and others after these
    CHECK(json::serialize(json::object(env.begin(), env.begin() + 5)) ==
          R"({"LR":"0.5","CKPT":"/tmp/ckpt/${app_id}","A":"1","B":"two","DEBUG":"1"})");
    CHECK(role.at("resource").at("cpu") == 8);
    CHECK(role.at("resource").at("memMB") == 32768);
    CHECK(json::serialize(role.at("port_map")) == R"({"tb":7000,"http":8080})");
    CHECK(role.at("metadata").at("tags") == "x,y");
    CHECK(json::serialize(role.at("mounts")) ==
          R"([{"type":"bind","src_path":"/data","dst_path":"/mnt/data","read_only":true}])");
  }
  // Defaults: no -h (cpu=2, memMB=2048), debug off, the declared dict default.
  const auto app = c.app({"trainer.py:train", "--script", "main.py"});
  const auto& role = app.at("roles").at(0).as_object();
  CHECK(json::serialize(role.at("resource")) == R"({"cpu":2,"gpu":0,"memMB":2048,"capabilities":{},"devices":{},"tags":{}})");
  CHECK(json::serialize(role.at("port_map")) == R"({"tb":6006})");
  CHECK(!role.at("env").as_object().contains("DEBUG"));
}

TEST_CASE("a named resource from a plugin and from .torchxconfig reaches a Python component through torchx") {
  const Components c;
  auto app = c.app({"trainer.py:train", "--script", "main.py", "-h", "test.big"});
  CHECK(json::serialize(app.at("roles").at(0).at("resource")) ==
        R"({"cpu":3,"gpu":1,"memMB":3000,"capabilities":{},"devices":{"example.com/fpga":2},"tags":{}})");
  c.write(".torchxconfig", "[named_resource:site.tiny]\ncpu = 1\ngpu = 0\nmemMB = 256\n");
  app = c.app({"trainer.py:train", "--script", "main.py", "-h", "site.tiny"});
  CHECK(app.at("roles").at(0).at("resource").at("memMB") == 256);
}

TEST_CASE("[component:FILE.py:FN] defaults in .torchxconfig apply under the command line") {
  const Components c;
  c.write(".torchxconfig", "[component:trainer.py:train]\nscript = from_config.py\nnnodes = 4\n");
  auto app = c.app({"trainer.py:train"});
  CHECK(app.at("roles").at(0).at("args").at(0) == "from_config.py");
  CHECK(app.at("roles").at(0).at("num_replicas") == 4);
  app = c.app({"trainer.py:train", "--nnodes", "2"});
  CHECK(app.at("roles").at(0).at("num_replicas") == 2);
}

TEST_CASE("a component that calls another and edits its result") {
  const Components c;
  const auto app = c.app({"trainer.py:wrapped", "--cpu", "3"});
  CHECK(app.at("name") == "wrapped");
  const auto& role = app.at("roles").at(0).as_object();
  CHECK(json::serialize(role.at("args")) == R"(["main.py","--rank","${replica_id}","--epochs","3","--wrapped"])");
  CHECK(role.at("num_replicas") == 2);
  CHECK(role.at("resource").at("cpu") == 3);
  CHECK(role.at("env").at("WRAPPED") == "yes");
}

TEST_CASE("print() while building, os.environ, __file__, the working directory and its modules") {
  const Components c;
  for (const auto& python : interpreters()) {
    CAPTURE(python);
    const auto r = c.torchx({"run", "--dryrun", "--json", "-s", "test_sched", "chatty.py:hello"}, python,
                            {{"TORCHX_TEST_MARK", "marked"}, {"USER", "tester"}});
    INFO("stderr: ", r.err);
    REQUIRE(r.exit_code == 0);
    // stdout is the JSON alone: what the component printed went to stderr.
    const auto app = json::parse(r.out).as_object().at("app").as_object();
    CHECK(r.err.find("loading chatty.py\n") != std::string::npos);
    CHECK(r.err.find(R"({"app": "not the protocol"})") != std::string::npos);
    CHECK(r.err.find("building hello for tester\n") != std::string::npos);
    CHECK(r.err.find("stderr too\n") != std::string::npos);
    const auto& role = app.at("roles").at(0).as_object();
    CHECK(json::serialize(role.at("args")) == R"(["hello from helper","tester"])");
    CHECK(role.at("image").as_string() == fs::canonical(c.cwd()).string());
    CHECK(role.at("env").at("HERE").as_string() == fs::canonical(c.cwd()).string());
    CHECK(role.at("env").at("MARK") == "marked");
    // --plugin-path reaches the evaluator (torchx used from inside it sees the same plugins).
    CHECK(role.at("env").at("PLUGINS").as_string() == std::string(TORCHX_TEST_PLUGIN_DIR) + "/plugins.d");
  }
}

TEST_CASE("torchx run FILE.py:FN --help shows the docstring and each argument") {
  const Components c;
  const auto r = c.torchx({"run", "trainer.py:train", "--help"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Trains a model on one or more nodes.\n\nWrites checkpoints under /tmp/ckpt/<app id>.") !=
        std::string::npos);
  CHECK(r.out.find("--script") != std::string::npos);
  CHECK(r.out.find("the training script (required)") != std::string::npos);
  CHECK(r.out.find("learning rate (default: 0.1)") != std::string::npos);
  CHECK(r.out.find("-h") != std::string::npos);
  CHECK(r.err.empty());
}

TEST_CASE("Python component mistakes: one line each, usage errors exit 2") {
  const Components c;
  auto r = c.torchx({"run", "-s", "test_sched", "my_component.py:ddp", "--name", "x", "--nnodes", "two", "--image", "i",
                     "--entrypoint", "e"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: component 'my_component.py:ddp': argument --nnodes must be an int, given 'two'\n");
  r = c.torchx({"run", "-s", "test_sched", "my_component.py:ddp", "--name", "x"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: component 'my_component.py:ddp': missing required arguments --nnodes, --image, "
                 "--entrypoint\n");
  r = c.torchx({"run", "-s", "test_sched", "broken.py:ints", "--values", "1,x"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: component 'broken.py:ints': argument --values: invalid value [\"1\", \"x\"] for type "
                 "'List[int]' (see: torchx run broken.py:ints --help)\n");
  r = c.torchx({"run", "-s", "test_sched", "my_component.py:dpp"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: my_component.py: no function 'dpp' (did you mean 'ddp'?)\n");
  r = c.torchx({"run", "-s", "test_sched", "missing.py:f"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: component file 'missing.py' does not exist\n");
  r = c.torchx({"run", "-s", "test_sched", "my_component.py"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: component 'my_component.py': a Python component file needs the function to run: "
                 "my_component.py:FUNCTION\n");
  r = c.torchx({"run", "-s", "test_sched", "syntax_error.py:f"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("torchx: error: syntax_error.py:3:"));
  CHECK(r.err.find("SyntaxError: ") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  r = c.torchx({"run", "-s", "test_sched", "broken.py:untyped", "--n", "1"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: broken.py: Missing type annotation for argument 'n' in function 'untyped'\n");
}

TEST_CASE("an exception raised by a Python component is one line with its file and line") {
  const Components c;
  for (const auto& python : interpreters()) {
    CAPTURE(python);
    auto r = c.torchx({"run", "-s", "test_sched", "broken.py:raises", "--n", "2"}, python);
    CHECK(r.exit_code == 1);
    CHECK(r.err == "torchx: error: broken.py:11: ValueError: n must be <= 0, got 2\n");
  }
  auto r = c.torchx({"run", "-s", "test_sched", "raises_on_import.py:f"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: raises_on_import.py:2: RuntimeError: cannot configure: no cluster\n");
  r = c.torchx({"run", "-s", "test_sched", "broken.py:bad_resource"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: broken.py:16: KeyError: no named resource 'gpu.smal': did you mean 'gpu.small'? "
                 "(see: torchx resources)\n");
  r = c.torchx({"run", "-s", "test_sched", "broken.py:not_an_appdef"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: broken.py: TypeError: Expected a component that returns `AppDef`, but got "
                 "`<class 'dict'>`\n");  // the component's file, not torchx's code that noticed
  r = c.torchx({"run", "-s", "test_sched", "broken.py:bad_args"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: broken.py: TypeError: the AppDef 'bad_args' returned cannot be used: roles[0].args[1]: "
                 "expected a string, found int 3\n");
  r = c.torchx({"run", "-s", "test_sched", "broken.py:exits"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: broken.py:32: SystemExit: the component called sys.exit(3)\n");
  // Text that is not UTF-8: in the AppDef (a lone surrogate), and in the file itself.
  r = c.torchx({"run", "-s", "test_sched", "broken.py:surrogate"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("torchx: error: component 'broken.py:surrogate': UnicodeEncodeError: the component's result "
                          "holds text that is not valid UTF-8: "));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  r = c.torchx({"run", "-s", "test_sched", "latin1.py:f"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("torchx: error: latin1.py:"));
  CHECK(r.err.find("SyntaxError: ") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  // TORCHX_PYTHON_TRACEBACK=1 adds the traceback (to stderr, before the one line).
  r = c.torchx({"run", "-s", "test_sched", "broken.py:raises"}, "python3", {{"TORCHX_PYTHON_TRACEBACK", "1"}});
  CHECK(r.err.find("Traceback (most recent call last):") != std::string::npos);
  CHECK(r.err.ends_with("torchx: error: broken.py:11: ValueError: n must be <= 0, got 1\n"));
}

TEST_CASE("a component that writes to, closes or passes on fd 3 cannot touch the evaluator's socket") {
  const Components c;
  for (const auto& python : interpreters()) {
    CAPTURE(python);
    for (const auto& [function, line] : {std::pair{"writes_fd3", "13"}, std::pair{"closes_fd3", "18"}}) {
      CAPTURE(function);
      const auto r = c.torchx({"run", "--dryrun", "--json", "-s", "test_sched", std::string("hostile.py:") + function}, python);
      CHECK(r.exit_code == 1);
      CHECK(r.err == std::string("torchx: error: hostile.py:") + line + ": OSError: [Errno 9] Bad file descriptor\n");
    }
    const auto r = c.torchx({"run", "--dryrun", "--json", "-s", "test_sched", "hostile.py:inherits_fd3"}, python);
    INFO("stderr: ", r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err == "");
    CHECK(json::parse(r.out).at("app").at("name") == "ok");
  }
}

TEST_CASE("what a component started and left running dies with its evaluator") {
  // Left alive, it would write to torchx's stderr after the command, and hold the pipe of a
  // caller that reads it to the end (`out=$(torchx run ... 2>&1)` would wait for it).
  const Components c;
  const auto started = std::chrono::steady_clock::now();
  const auto r = c.torchx({"run", "--dryrun", "--json", "-s", "test_sched", "hostile.py:leaves_a_child"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
  std::string pid;
  std::ifstream(c.cwd() / "child.pid") >> pid;
  REQUIRE(!pid.empty());
  auto alive = [&] {  // a zombie (dead, not yet reaped by whoever adopted it) is not alive
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(')');
    return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
  };
  for (int i = 0; i < 100 && alive(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_FALSE(alive());
}

TEST_CASE("a Python interpreter that is missing, or an evaluator that misbehaves, is one line") {
  const Components c;
  auto r = c.torchx({"run", "-s", "test_sched", "my_component.py:ddp"}, "no-such-python3");
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: component 'my_component.py:ddp': the Python interpreter 'no-such-python3' was not "
                 "found on PATH (set TORCHX_PYTHON to the python3 to use)\n");
  // A path that is not an executable program.
  c.write("not-executable", "#!/bin/sh\n");
  const std::string not_executable = (c.cwd() / "not-executable").string();
  r = c.torchx({"run", "-s", "test_sched", "my_component.py:ddp"}, not_executable);
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: component 'my_component.py:ddp': cannot run the Python interpreter '" + not_executable +
                     "': Permission denied (set TORCHX_PYTHON to the python3 to use)\n");
  // An interpreter older than 3.8 (pyenv's, where this machine has one) is refused in one line.
  const char* pyenv_root = std::getenv("PYENV_ROOT");
  const fs::path versions = fs::path(pyenv_root != nullptr ? pyenv_root : std::string(std::getenv("HOME")) + "/.pyenv") / "versions";
  std::error_code ec;
  for (const auto& v : fs::directory_iterator(versions, ec)) {
    const std::string name = v.path().filename().string();
    if (!(name.starts_with("2.") || name.starts_with("3.6.") || name.starts_with("3.7."))) continue;
    CAPTURE(name);
    r = c.torchx({"run", "-s", "test_sched", "my_component.py:ddp"}, (v.path() / "bin/python").string());
    CHECK(r.exit_code == 1);
    CHECK(r.err == "torchx: error: component 'my_component.py:ddp': torchx needs Python 3.8 or later to evaluate component "
                   "files; '" + (v.path() / "bin/python").string() + "' is Python " + name +
                   " (set TORCHX_PYTHON to a newer python3)\n");
  }
  // Fake interpreters: shell scripts that answer on fd 3 as a hostile evaluator might.
  auto fake = [&](const std::string& name, const std::string& body) {
    const fs::path p = c.cwd() / name;
    std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(p, fs::perms::owner_all);
    return p.string();
  };
  const std::vector<std::string> args{"run", "-s", "test_sched", "my_component.py:ddp"};
  r = c.torchx(args, fake("garbage", "printf 'not json\\n' >&3"));
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("torchx: error: component 'my_component.py:ddp': the Python evaluator sent a malformed "
                          "message (not valid JSON: "));
  r = c.torchx(args, fake("not_utf8", R"(printf '{"signature": {"doc": "\377"}}\n' >&3)"));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("malformed message (not valid JSON") != std::string::npos);
  CHECK(r.err.find("\\xff") != std::string::npos);
  r = c.torchx(args, fake("bad_signature", R"(printf '{"signature": {"args": [{"name": 5}]}}\n' >&3; sleep 30)"));
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: component 'my_component.py:ddp': the Python evaluator sent a malformed signature: "
                 "invalid component signature JSON: args: name missing\n");
  r = c.torchx(args, fake("killed", "kill -9 $$"));
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("torchx: error: component 'my_component.py:ddp': the Python evaluator stopped before "
                          "answering: '"));
  CHECK(r.err.ends_with("' was killed by signal 9 (Killed)\n"));
  r = c.torchx(args, fake("exits", "echo 'some python trouble' >&2; exit 7"));
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("some python trouble\ntorchx: error: component 'my_component.py:ddp': the Python evaluator "
                          "stopped before answering: '"));
  CHECK(r.err.ends_with("' exited with status 7 (its messages, if any, are above)\n"));
  // More than 64 MiB without a line break: refused, the child killed.
  r = c.torchx(args, fake("huge", "head -c 70000000 /dev/zero | tr '\\0' x >&3"));
  CHECK(r.exit_code == 1);
  CHECK(r.err.ends_with("component 'my_component.py:ddp': the Python evaluator sent a message of more than 64 MiB; "
                        "that is the most one may hold\n"));
  r = c.torchx(args, fake("wrong_key", R"(printf '{"app": {}}\n' >&3)"));
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: component 'my_component.py:ddp': the Python evaluator sent 'app' where 'signature' "
                 "was expected\n");
  // Killed while building, after its signature.
  r = c.torchx(args, fake("killed_later", R"(printf '{"signature": {"args": []}}\n' >&3; read line <&3; kill -9 $$)"));
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("torchx: error: component 'my_component.py:ddp': the Python evaluator stopped before "
                          "answering: '"));
  CHECK(r.err.ends_with("' was killed by signal 9 (Killed)\n"));
  // A signature, then an AppDef that does not decode.
  r = c.torchx(args, fake("bad_app", R"(printf '{"signature": {"args": []}}\n{"app": {"roles": 3}}\n' >&3; cat <&3 >/dev/null)"));
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("torchx: error: component 'my_component.py:ddp': the Python evaluator sent an AppDef that "
                          "does not decode: "));
}

TEST_CASE("only a Python component file starts Python: builtins, plugin and YAML components do not") {
  const Components c;
  const fs::path marker = c.cwd() / "python-started";
  const fs::path spy = c.cwd() / "spy-python";
  // An "interpreter" that records being started, then runs the real one.
  std::ofstream(spy) << "#!/bin/sh\ntouch '" << marker.string() << "'\nexec python3 \"$@\"\n";
  fs::permissions(spy, fs::perms::owner_all);
  c.write("c.yaml", "c:\n  app:\n    name: a\n    roles:\n      - {name: r, image: i, entrypoint: echo}\n");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"builtins"},
           {"run", "--dryrun", "-s", "test_sched", "utils.echo"},
           {"run", "utils.echo", "--help"},
           {"run", "--dryrun", "-s", "test_sched", "c.yaml"},
           {"resources"}}) {
    CAPTURE(args.front());
    const auto r = c.torchx(args, spy.string());
    CHECK(r.exit_code == 0);
    CHECK(!fs::exists(marker));
  }
  const auto r = c.torchx({"run", "my_component.py:ddp", "--help"}, spy.string());
  CHECK(r.exit_code == 0);
  CHECK(fs::exists(marker));
}

// As the loader ignores plugin overrides there: a setgid torchx (AT_SECURE) refuses to start
// the caller's Python. Set up as in test_cli_plugins.cpp's setgid test, checked, not assumed.
TEST_CASE("a setgid torchx refuses Python component files") {
  auto skip = [](const std::string& why) { std::cout << "TORCHX_TEST_SKIPPED: " << why << std::endl; };
  if (::geteuid() != 0) return skip("needs root to install a setgid wrapper");
  const group* nogroup = ::getgrnam("nogroup");
  if (nogroup == nullptr) nogroup = ::getgrnam("nobody");
  if (nogroup == nullptr || nogroup->gr_gid == ::getgid()) return skip("no group other than ours to setgid to");
  const fs::path dir = fs::path(TORCHX_BUILD_DIR) / "tests/secure-python";  // not /tmp: may be nosuid
  fs::create_directories(dir);
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) == 0 && (vfs.f_flag & ST_NOSUID) != 0) return skip(dir.string() + " is nosuid");
  const auto wrapper = dir / "setgid_exec";
  fs::copy_file(TORCHX_TEST_EXEC_WRAPPER, wrapper, fs::copy_options::overwrite_existing);
  REQUIRE(::chown(wrapper.c_str(), 0, nogroup->gr_gid) == 0);
  REQUIRE(::chmod(wrapper.c_str(), 02755) == 0);
  const auto probe = torchx::util::run_process({wrapper.string(), TORCHX_TEST_EXEC_WRAPPER, "--at-secure"});
  if (probe.out != "1\n") return skip("a program started by a setgid wrapper is not AT_SECURE here");

  const Components c;
  auto options = torchx::test::hermetic_cli_options(c.cwd().parent_path(), std::nullopt);
  auto r = torchx::util::run_process(
      {wrapper.string(), TORCHX_EXE, "run", "--dryrun", "my_component.py:ddp", "--name", "a", "--nnodes", "1", "--image",
       "i", "--entrypoint", "e"},
      options);
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: component 'my_component.py:ddp': a setuid or setgid torchx does not run Python "
                 "components (it would run the caller's interpreter, with the caller's environment, with its "
                 "privileges)\n");
  // The same without the wrapper runs it: the test can fail.
  r = torchx::util::run_process({TORCHX_EXE, "run", "--dryrun", "my_component.py:ddp", "--name", "a", "--nnodes", "1",
                                 "--image", "i", "--entrypoint", "e"},
                                options);
  CHECK(r.exit_code == 0);
}

TEST_SUITE_END();
