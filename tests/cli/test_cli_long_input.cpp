// SPDX-License-Identifier: BSD-3-Clause
// Long and hostile input, black-box: each case crashed (std::regex recursing once per character),
// ran for tens of seconds and gigabytes, or printed a raw parser message before. Each now ends
// with one clear line. The inputs are plain files under tests/data/long-input/.
#include "../support/cli_env.hpp"
#include "../support/files.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using torchx::util::ProcessResult;

namespace {

const std::string k_inputs = TORCHX_TEST_DATA_DIR "/long-input";
const std::string k_test_plugins = std::string(TORCHX_TEST_PLUGIN_DIR) + "/plugins.d";

std::string read(const std::string& name) {
  std::ifstream in(k_inputs + "/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Runs torchx hermetically with the bundled plugins and the test plugin, from `cwd` (default:
/// tests/data/long-input), local_cwd's state in the test's own directory.
struct Cli {
  torchx::test::TempDir tmp;
  std::string cwd = k_inputs;
  std::vector<std::pair<std::string, std::optional<std::string>>> env;

  ProcessResult operator()(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{TORCHX_EXE, "--plugin-path", k_test_plugins};
    argv.insert(argv.end(), args.begin(), args.end());
    auto options = torchx::test::hermetic_cli_options(tmp.path(), std::nullopt);
    options.cwd = cwd;
    options.env.emplace_back("TORCHX_LOCAL_DIR", (tmp.path() / "state").string());
    options.env.insert(options.env.end(), env.begin(), env.end());
    return torchx::util::run_process(argv, options);
  }
};

/// One line on stderr, starting "torchx: error: ".
bool one_error_line(const std::string& err) {
  return err.starts_with("torchx: error: ") && err.find('\n') == err.size() - 1;
}

}  // namespace

TEST_SUITE_BEGIN("long input");

TEST_CASE("torchx log --regex over a 30,000-character line prints it (RE2 on the host, no crash)") {
  Cli torchx;
  const std::string line = read("log-line-30000.txt");  // 30,000 'a' and a line break
  auto r = torchx({"run", "-s", "local_cwd", "--wait", "utils.sh", "sh", "-c",
                   "cat '" + k_inputs + "/log-line-30000.txt'; echo short-line"});
  INFO("stderr: ", r.err);
  REQUIRE(r.exit_code == 0);
  const std::string handle = torchx::test::first_line(r.out);

  r = torchx({"log", "--regex", "^a+$", handle + "/sh/0"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "sh/0 " + line);
  r = torchx({"log", "--regex", "short", handle + "/sh/0"});
  CHECK(r.out == "sh/0 short-line\n");
  r = torchx({"log", handle + "/sh/0"});
  CHECK(r.out == "sh/0 " + line + "sh/0 short-line\n");
}

TEST_CASE("torchx log --regex: a pattern RE2 refuses is a usage error naming it, before anything is read") {
  Cli torchx;
  auto r = torchx({"log", "--regex", "(unclosed", "local_cwd://torchx/no-such-app"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: invalid regex '(unclosed': missing ): (unclosed (RE2 syntax: "
                 "github.com/google/re2/wiki/Syntax)\n");
  r = torchx({"log", "--regex", "(a)\\1", "local_cwd://torchx/no-such-app"});  // a backreference
  CHECK(r.exit_code == 2);
  CHECK(one_error_line(r.err));
  CHECK(r.err.starts_with("torchx: error: invalid regex '(a)\\1': invalid escape sequence"));
}

TEST_CASE("component files: a 30,000-digit scalar and a 30,000-character placeholder or text build") {
  Cli torchx;
  auto r = torchx({"run", "--dryrun", "--json", "-s", "test_sched", "long-scalar.yaml"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  // Too large for an int64: kept as the text it is.
  CHECK(r.out.find("\"args\":[\"" + std::string(30000, '1') + "\"]") != std::string::npos);

  r = torchx({"run", "--dryrun", "--json", "-s", "test_sched", "long-placeholder.yaml"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"args\":[\"${" + std::string(30000, 'a') + "}\"]") != std::string::npos);

  r = torchx({"run", "--dryrun", "--json", "-s", "test_sched", "long-text.yaml", "--msg", "!"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"args\":[\"" + std::string(30000, 'x') + "!\"]") != std::string::npos);
}

TEST_CASE("component files: a 449-byte YAML alias bomb ends at once with the file and line") {
  Cli torchx;
  const auto r = torchx({"run", "--dryrun", "-s", "test_sched", "./alias-bomb.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: ./alias-bomb.yaml:4:16: the component expands to more than 10000 YAML nodes "
                 "(aliases repeating aliases?); that is the most a component file may hold\n");
}

TEST_CASE("component files: nesting deeper than 64 levels is refused with the line") {
  Cli torchx;
  const auto r = torchx({"run", "--dryrun", "-s", "test_sched", "./deep-nesting.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: ./deep-nesting.yaml:4:76: nested more than 64 levels deep\n");
}

TEST_CASE("component files: nesting past the YAML parser's own limit says so, not 'bad file'") {
  Cli torchx;
  torchx.cwd = torchx.tmp.path().string();
  torchx.tmp.write("deep-flow.yaml", "c:\n  app: " + std::string(3000, '[') + std::string(3000, ']') + "\n");
  const auto r = torchx({"run", "--dryrun", "-s", "test_sched", "./deep-flow.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(one_error_line(r.err));
  CHECK(r.err.starts_with("torchx: error: ./deep-flow.yaml:2:"));
  CHECK(r.err.ends_with(": nested more than 64 levels deep\n"));
}

TEST_CASE("dist.ddp -j with 30,000 digits, or a count past an int, is a clear one-line error") {
  Cli torchx;
  const std::string digits = read("j-30000-digits.txt");
  auto r = torchx({"run", "--dryrun", "-s", "test_sched", "dist.ddp", "-j", digits, "--script", "t.py"});
  CHECK(r.exit_code == 2);
  CHECK(one_error_line(r.err));
  CHECK(r.err.starts_with("torchx: error: component 'dist.ddp': invalid -j '" + std::string(80, '1') +
                          "... (30000 bytes)': " + std::string(20, '1') + "... (30000 bytes) is larger than 2147483647"));
  r = torchx({"run", "--dryrun", "-s", "test_sched", "dist.ddp", "-j", "1:2x" + digits, "--script", "t.py"});
  CHECK(r.exit_code == 2);
  CHECK(one_error_line(r.err));
  r = torchx({"run", "--dryrun", "-s", "test_sched", "dist.ddp", "-j", "4294967296", "--script", "t.py"});
  CHECK(r.err == "torchx: error: component 'dist.ddp': invalid -j '4294967296': 4294967296 is larger than 2147483647\n");
  r = torchx({"run", "--dryrun", "-s", "test_sched", "dist.spmd", "-j", "2x" + digits, "--script", "t.py"});
  CHECK(r.exit_code == 2);
  CHECK(one_error_line(r.err));
  r = torchx({"run", "--dryrun", "-s", "test_sched", "dist.ddp", "-j", "1:x2", "--script", "t.py"});
  CHECK(r.err == "torchx: error: component 'dist.ddp': Invalid format for -j, usage example: 1:2x4 or 1x4 or 4. Given: 1:x2\n");
  // TorchX's three forms still parse.
  for (const std::string j : {"4", "2x4", "1:2x4"}) {
    r = torchx({"run", "--dryrun", "-s", "test_sched", "dist.ddp", "-j", j, "--script", "t.py"});
    CHECK_MESSAGE(r.exit_code == 0, j, ": ", r.err);
  }
}

TEST_CASE("--num_replicas 10000000 is refused at once, naming the bound") {
  Cli torchx;
  const auto r = torchx({"run", "--dryrun", "-s", "test_sched", "utils.echo", "--num_replicas", "10000000"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: invalid app 'echo': role 'echo': num_replicas is 10000000, more than 10000 "
                 "(the most one role may have)\n");
}

TEST_CASE("local_cwd: GPUs times replicas past an int is counted, not wrapped to nothing") {
  Cli torchx;
  // 2^30 GPUs x 4 replicas wrapped to 0 in int arithmetic: no GPU asked for, no warning.
  const auto r = torchx({"run", "--dryrun", "-s", "local_cwd", "-cfg", "auto_set_cuda_visible_devices=true", "dist.ddp",
                         "-j", "4x1", "--gpu", "1073741824", "--script", "t.py"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("the app asks for 2147483647 GPUs") != std::string::npos);
}

TEST_CASE("non-UTF-8 bytes in an argument or the current directory: one line naming where") {
  Cli torchx;
  auto r = torchx({"run", "--dryrun", "-s", "test_sched", "utils.echo", "--msg", "caf\xe9"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: argument 9 ('caf\\xe9', the value of --msg) is not valid UTF-8\n");
  r = torchx({"run", "--dryrun", "-s", "test_sched", "utils.echo", "--msg=\xff"});
  CHECK(r.err == "torchx: error: argument 8 ('--msg=\\xff') is not valid UTF-8\n");

  torchx.env = {{"TORCHX_PARENT_RUN_ID", "run-\xff"}};
  r = torchx({"run", "--dryrun", "-s", "test_sched", "utils.echo", "--msg", "hi"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: the environment variable TORCHX_PARENT_RUN_ID='run-\\xff' is not valid UTF-8\n");
  torchx.env.clear();

  const std::filesystem::path odd = torchx.tmp.path() / "caf\xe9";
  std::filesystem::create_directories(odd);
  torchx.cwd = odd.string();
  r = torchx({"run", "--dryrun", "-s", "local_cwd", "utils.echo", "--msg", "hi"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: the current directory '" + torchx.tmp.path().string() + "/caf\\xe9' is not valid UTF-8\n");
}

TEST_CASE("a .torchxconfig that is not UTF-8 is refused naming the file and line") {
  Cli torchx;
  const auto cwd = torchx.tmp.path() / "project";
  std::filesystem::create_directories(cwd);
  torchx.tmp.write("project/.torchxconfig", "[local_cwd]\nprepend_cwd = false\nlog_dir = /tmp/caf\xe9\n");
  torchx.cwd = cwd.string();
  const auto r = torchx({"run", "--dryrun", "-s", "local_cwd", "utils.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: " + (cwd / ".torchxconfig").string() + ":3: byte \\xe9 is not valid UTF-8\n");
}

TEST_CASE("a command line past 1 MiB is refused in one line") {
  Cli torchx;
  // Linux passes at most 128 KiB per argument: nine of them.
  std::vector<std::string> args{"run", "--dryrun", "-s", "test_sched", "utils.sh"};
  for (int i = 0; i < 9; ++i) args.push_back(std::string(120 * 1024, 'a'));
  const auto r = torchx(args);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: the arguments are more than 1048576 bytes (1 MiB) in all (argument 16 is 122880 bytes)\n");
}

TEST_CASE("a 120 KiB argument that is wrong is quoted cut to 80 bytes, not echoed whole") {
  Cli torchx;
  const std::string flag = "--" + std::string(120 * 1024, 'a');
  auto r = torchx({"run", "--dryrun", "-s", "test_sched", "utils.echo", flag, "x"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: component 'utils.echo': unknown argument '--" + std::string(78, 'a') +
                     "... (122882 bytes)'\n");
  r = torchx({"run", "--dryrun", "-s", "test_sched", "utils.echo", "--num_replicas", read("j-30000-digits.txt")});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: component 'utils.echo': argument --num_replicas must be an int, given '" +
                     std::string(80, '1') + "... (30000 bytes)'\n");
}

TEST_SUITE_END();
