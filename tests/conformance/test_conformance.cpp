// SPDX-License-Identifier: BSD-3-Clause
// Black-box tests of torchx-plugin-conformance: usage errors, and each check failing on a fixture
// plugin that breaks its rule (the exact FAIL line and exit code 1).
#include "util/subprocess.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

using torchx::util::ProcessResult;

namespace {

ProcessResult run_harness(std::vector<std::string> args) {
  args.insert(args.begin(), TORCHX_CONFORMANCE_EXE);
  return torchx::util::run_process(args);
}

std::string fixture(const std::string& variant) {
  return std::string(TORCHX_FIXTURE_DIR) + "/" + variant + "/plugins.d/fx_" + variant + ".json";
}

std::string conformance_fixture(const std::string& variant) {
  return std::string(TORCHX_CONFORMANCE_FIXTURE_DIR) + "/" + variant + "/plugins.d/conf_" + variant + ".json";
}

/// True when `out` has `line` as a whole line.
bool has_line(const std::string& out, const std::string& line) {
  return ("\n" + out).find("\n" + line + "\n") != std::string::npos;
}

const std::string k_usage =
    "usage: torchx-plugin-conformance [--json] [--timeout SECONDS] [--unknown-app-id ID] [--state-dir DIR]\n"
    "                                 [--log-query JSON] [--verbose] (MANIFEST | --library PATH --name NAME)\n";

}  // namespace

TEST_SUITE_BEGIN("conformance");

TEST_CASE("--help prints usage and the checks on stdout") {
  const auto r = run_harness({"--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with(k_usage));
  CHECK(r.out.find("exit codes: 0 every check passed or was skipped, 1 a check failed, 2 usage error.\n") !=
        std::string::npos);
  CHECK(r.err.empty());
}

TEST_CASE("usage errors exit 2 with one line saying why") {
  const auto none = run_harness({});
  CHECK(none.exit_code == 2);
  CHECK(none.out.empty());
  CHECK(none.err ==
        k_usage + "torchx-plugin-conformance: error: no plugin given: a MANIFEST or --library PATH --name NAME\n");

  const auto missing = run_harness({"/nonexistent/plugins.d/x.json"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err ==
        k_usage + "torchx-plugin-conformance: error: manifest '/nonexistent/plugins.d/x.json' does not exist\n");

  const auto library = run_harness({"--library", "/nonexistent/libx.so", "--name", "x"});
  CHECK(library.exit_code == 2);
  CHECK(library.err == k_usage + "torchx-plugin-conformance: error: library '/nonexistent/libx.so' does not exist\n");

  const auto flag = run_harness({"--frobnicate", fixture("good")});
  CHECK(flag.exit_code == 2);
  CHECK(flag.err == k_usage + "torchx-plugin-conformance: error: unknown flag '--frobnicate'\n");

  const auto timeout = run_harness({"--timeout", "soon", fixture("good")});
  CHECK(timeout.exit_code == 2);
  CHECK(timeout.err ==
        k_usage + "torchx-plugin-conformance: error: argument --timeout: expected seconds (0..86400), given 'soon'\n");

  const auto no_name = run_harness({"--library", "/nonexistent/libx.so"});
  CHECK(no_name.exit_code == 2);
  CHECK(no_name.err ==
        k_usage + "torchx-plugin-conformance: error: --library needs --name (the plugin name it must answer)\n");
}

TEST_CASE("a malformed manifest fails the manifest check") {
  const std::string path = std::string(TORCHX_CONFORMANCE_DATA_DIR) + "/malformed.json";
  const auto r = run_harness({path});
  CHECK(r.exit_code == 1);
  CHECK(r.out ==
        "FAIL manifest: " + path + ": not valid JSON: incomplete JSON\nplugin '?': 0 passed, 1 failed, 0 skipped\n");
}

TEST_CASE("a manifest whose library does not exist fails load") {
  const std::string path = std::string(TORCHX_CONFORMANCE_DATA_DIR) + "/missing_library.json";
  const auto r = run_harness({path});
  CHECK(r.exit_code == 1);
  const std::string library =
      std::filesystem::path(std::string(TORCHX_CONFORMANCE_DATA_DIR) + "/../lib/libtorchx_plugin_ghost.so")
          .lexically_normal()
          .string();
  CHECK(has_line(r.out, "FAIL load: the library " + library + " does not exist"));
  CHECK(has_line(r.out, "SKIP remaining checks: the plugin did not load"));
}

TEST_CASE("a conforming plugin passes with exit 0") {
  const auto r = run_harness({fixture("good")});
  CHECK(r.exit_code == 0);
  CHECK(has_line(r.out, "PASS negotiate: ABI 1"));
  CHECK(has_line(r.out, "PASS negotiate-unsupported: TX_E_UNSUPPORTED (\"fixture speaks ABI 1 only\")"));
  CHECK(has_line(r.out, "PASS scheduler/fx_good/describe-unknown: TX_E_NOT_FOUND (\"no such app\")"));
  CHECK(has_line(r.out, "SKIP scheduler/fx_good/list: the scheduler does not support list (list is NULL)"));
  CHECK(has_line(r.out, "SKIP scheduler/fx_good/log-read: the scheduler has no log_read (ABI 1.1): hosts read its logs with log_next"));
  CHECK(has_line(r.out, "plugin 'fx_good': 14 passed, 0 failed, 4 skipped"));
}

TEST_CASE("log-read compares log_read with log_next on the app --log-query names") {
  const std::string query = R"({"app_id":"fx-1","role_name":"r","k":0})";
  auto r = run_harness({"--log-query", query, fixture("log_read")});
  CHECK(r.exit_code == 0);
  // Five lines, the 5000-byte one cut in two by the 4096-byte buffer: six, over three calls.
  CHECK(has_line(r.out, "PASS scheduler/fx_log_read/log-read: 6 lines in 3 calls of at most 4096 bytes, the same as "
                        "log_next's"));
  r = run_harness({fixture("log_read")});
  CHECK(has_line(r.out, "SKIP scheduler/fx_log_read/log-read: no --log-query given: no app whose logs log_read "
                        "could be compared on"));
  r = run_harness({"--log-query", query, fixture("frozen_v1_0")});
  CHECK(r.exit_code == 0);
  CHECK(has_line(r.out, "SKIP scheduler/fx_frozen_v1_0/log-read: the scheduler has no log_read (ABI 1.1): hosts "
                        "read its logs with log_next"));
  r = run_harness({"--log-query", query, fixture("bad_log_read")});
  CHECK(r.exit_code == 1);
  CHECK(has_line(r.out, "FAIL scheduler/fx_bad_log_read/log-read: log_read returned a batch that does not end with a "
                        "line break"));
}

TEST_CASE("--library checks a library without a manifest") {
  const std::string lib = std::string(TORCHX_FIXTURE_DIR) + "/good/lib/libtorchx_plugin_fx_good.so";
  const auto r = run_harness({"--library", lib, "--name", "fx_good"});
  CHECK(r.exit_code == 0);
  CHECK(has_line(r.out, "SKIP provides: no manifest to compare with (--library)"));
  const auto wrong = run_harness({"--library", lib, "--name", "other"});
  CHECK(wrong.exit_code == 1);
  CHECK(has_line(wrong.out, "FAIL plugin-info: calls itself 'fx_good', the --name says 'other'"));
}

TEST_CASE("--json prints one object with every check") {
  const auto r = run_harness({"--json", fixture("name_mismatch")});
  CHECK(r.exit_code == 1);
  const boost::json::value v = boost::json::parse(r.out);
  CHECK(v.at("subject") == "plugin 'fx_name_mismatch'");
  CHECK(v.at("ok") == false);
  CHECK(v.at("failed") == 1);
  const auto& checks = v.at("checks").as_array();
  REQUIRE(checks.size() > 5);
  CHECK(checks[0].at("name") == "manifest");
  CHECK(checks[0].at("outcome") == "PASS");
}

TEST_CASE("the loader's fixtures fail the check they break") {
  struct Case {
    std::string variant;
    std::string line;
  };
  const std::string fx = TORCHX_FIXTURE_DIR;
  const std::vector<Case> cases = {
      {"missing_symbol",
       "FAIL load: " + fx +
           "/missing_symbol/lib/libtorchx_plugin_fx_missing_symbol.so does not export tx_plugin_negotiate"},
      {"throws", "FAIL negotiate: tx_plugin_negotiate let a C++ exception escape (exceptions must not cross the ABI)"},
      {"wrong_abi", "FAIL negotiate: answered ABI 2, outside the offered range 1..1"},
      {"name_mismatch", "FAIL plugin-info: calls itself 'somebody_else', the manifest says 'fx_name_mismatch'"},
      {"short_struct",
       "FAIL tables: scheduler #0 table is 16 bytes, ABI 1 needs at least 120 (TX_SCHEDULER_V1_SIZE)"},
      {"huge_count",
       "FAIL tables: scheduler list has 2147483648 entries, more than the 4096 a plugin may provide (is its count "
       "set?)"},
      {"unlisted",
       "FAIL provides: provides scheduler 'surprise', which the manifest does not list; the manifest lists "
       "scheduler 'fx_unlisted', which the plugin does not provide"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.variant);
    const auto r = run_harness({fixture(c.variant)});
    CHECK(r.exit_code == 1);
    CHECK(has_line(r.out, c.line));
  }
}

TEST_CASE("a garbage table count fails the tables and provides checks, and nothing reads past the list") {
  const auto r = run_harness({fixture("huge_count")});
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(has_line(r.out, "FAIL provides: answers 2147483648 scheduler tables, more than the 4096 a plugin may provide"));
}

/// Runs the harness on the conformance fixture `variant` and checks that it fails with `lines`
/// among its output.
void check_fixture_fails(const std::string& variant, const std::vector<std::string>& lines) {
  const auto r = run_harness({conformance_fixture(variant)});
  INFO(r.out);
  CHECK(r.exit_code == 1);
  for (const auto& line : lines) {
    CAPTURE(line);
    CHECK(has_line(r.out, line));
  }
}

TEST_CASE("a scheduler that breaks the rules fails each check it breaks") {
  const std::string s = "scheduler/conf_bad_scheduler/";
  const std::string id = "'torchx-conformance-no-such-app'";
  check_fixture_fails(
      "bad_scheduler",
      {"PASS " + s + "create-destroy: two instances created and destroyed",
       "FAIL " + s +
           "run-opts: wrote an invalid run options schema: invalid run options JSON: not valid JSON: incomplete JSON",
       "FAIL " + s + "describe-unknown: answered TX_OK for the unknown app id " + id +
           " (expected TX_E_NOT_FOUND: describe must never make up a state)",
       "FAIL " + s + "cancel-unknown: answered TX_OK, then TX_E_NOT_FOUND (\"no such app\"): cancel must be idempotent",
       "FAIL " + s + "delete-unknown: answered TX_OK for the unknown app id " + id + ", expected TX_E_NOT_FOUND",
       "FAIL " + s + "logs-unknown: answered TX_OK for the logs of the unknown app id " + id +
           ", expected TX_E_NOT_FOUND",
       "FAIL " + s +
           "list: wrote an invalid app list: invalid app list JSON: [0].app_id: expected a string, found an "
           "integer; [0].state: is required",
       "SKIP " + s + "dryrun: run_opts wrote an invalid schema (see run-opts)",
       "FAIL " + s +
           "repeatable: cancel call 2 answered differently from call 1: status TX_OK, then TX_E_NOT_FOUND "
           "(something leaks across calls)",
       "plugin 'conf_bad_scheduler': 9 passed, 7 failed, 2 skipped"});
}

TEST_CASE("errors without messages fail, in negotiation and in calls") {
  check_fixture_fails(
      "silent",
      {"FAIL negotiate-unsupported: answered TX_E_UNSUPPORTED to the ABI range 2..2 without a message in host->error",
       "FAIL scheduler/conf_silent/describe-unknown: answered TX_E_NOT_FOUND without a message",
       "FAIL scheduler/conf_silent/dryrun: refused the one-role app with TX_E_INVALID_ARGUMENT and no message",
       "FAIL error-messages: scheduler 'conf_silent' describe returned TX_E_NOT_FOUND with an empty message (4 times); "
       "scheduler 'conf_silent' cancel returned TX_E_NOT_FOUND with an empty message (5 times); scheduler "
       "'conf_silent' "
       "dryrun returned TX_E_INVALID_ARGUMENT with an empty message (2 times)"});
}

TEST_CASE("output that accumulates across calls fails the repeatable checks") {
  check_fixture_fails(
      "leaky",
      {"FAIL negotiate-unsupported: accepted the ABI range 2..2, which it does not list (answered ABI 1); expected "
       "TX_E_UNSUPPORTED",
       "PASS scheduler/conf_leaky/run-opts: 0 run options",
       "FAIL scheduler/conf_leaky/dryrun: the second dryrun wrote invalid JSON (extra data)",
       "FAIL scheduler/conf_leaky/repeatable: run_opts call 2 answered differently from call 1: out sink \"[]\", then "
       "\"[][]\" (something leaks across calls)",
       "FAIL component/conf.echo/repeatable: build call 2 answered differently from call 1: out sink \"{\"name\": "
       "\"leak\"}\", then \"{\"name\": \"leak\"}{\"name\": \"leak\"}\" (something leaks across calls)",
       "FAIL named-resources/conf_site/repeatable: list call 2 answered differently from call 1: out sink \" {}\", "
       "then "
       "\"  {}\" (something leaks across calls)"});
}

TEST_CASE("a plugin that crashes or exits fails that check and the run goes on") {
  check_fixture_fails(
      "crash", {"FAIL scheduler/conf_crash/describe-unknown: the plugin crashed: signal 11 (Segmentation fault)",
                "FAIL scheduler/conf_crash/cancel-unknown: the plugin ended the process (exit code 3) during the check",
                "PASS scheduler/conf_crash/dryrun: request and request_text of a one-role app",
                "plugin 'conf_crash': 14 passed, 3 failed, 1 skipped"});
}

TEST_CASE("components, named resources and trackers that break the rules fail") {
  check_fixture_fails(
      "bad_others",
      {"FAIL plugin-info: is version '9.9.9', the manifest says '1.0.0'",
       "FAIL tables: tracker 'conf_no_destroy' has no destroy", "PASS component/conf.echo/signature: 1 argument",
       "FAIL component/conf.echo/build-defaults: answered TX_E_INTERNAL (\"something broke inside\") to the default "
       "arguments, expected TX_OK or TX_E_INVALID_ARGUMENT with a message",
       "FAIL component/conf.broken/signature: args[0].type is not one of str, int, float, bool, list, dict; "
       "args[1].name "
       "is not a non-empty string",
       "SKIP component/conf.broken/build-defaults: the signature is invalid (see signature)",
       "FAIL named-resources/conf_site/list: wrote invalid resources: 'conf.big': invalid Resource JSON: cpu: expected "
       "an integer, found a string",
       "FAIL tracker/conf_tracker/create-destroy: create with a NULL config answered TX_E_INTERNAL (\"the tracker "
       "store "
       "is corrupt\")"});
}

TEST_SUITE_END();

TEST_CASE("a command plugin: --help, an unknown flag and the services are checked, a table without run fails") {
  auto r = run_harness({fixture("command")});
  CHECK(r.exit_code == 0);
  CHECK(has_line(r.out, "PASS provides: 1 scheduler, 0 components, 0 trackers, 0 named-resource sets, 1 command, as the "
                        "manifest lists"));
  CHECK(has_line(r.out, "PASS command/fxcmd/help: TX_OK, exit 0, 112 bytes of help"));
  CHECK(has_line(r.out, "SKIP command/fxcmd/bad-argument: accepted an unknown flag with exit 0 (a command that takes "
                        "any argument)"));
  CHECK(has_line(r.out, "PASS command/fxcmd/services: answered exit 0; services called: none"));
  r = run_harness({fixture("command_no_run")});
  CHECK(r.exit_code == 1);
  CHECK(has_line(r.out, "FAIL tables: command 'fxcmd' has no run"));
  r = run_harness({fixture("command_missing")});
  CHECK(r.exit_code == 1);
  CHECK(has_line(r.out, "FAIL provides: the manifest lists command 'fxmissing', which the plugin does not provide"));
}
