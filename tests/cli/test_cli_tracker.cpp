// SPDX-License-Identifier: BSD-3-Clause
// `torchx tracker`, black-box: the real binary and the build's `file` tracker plugin, over a copy
// of a store laid out as Python TorchX's fsspec tracker writes it, and over fresh stores.
#include "../support/files.hpp"
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

namespace fs = std::filesystem;
namespace json = boost::json;
using torchx::test::slurp;
using torchx::util::ProcessOptions;
using torchx::util::ProcessResult;

namespace {

const std::string k_train = "local_cwd://torchx/train-abc";
const std::string k_eval = "local_cwd://torchx/eval-def";

/// torchx with only the build's bundled plugins (the file tracker among them), a private HOME
/// and cwd, and no tracker settings from the environment unless a test sets them.
struct Cli {
  torchx::test::TempDir tmp;
  std::vector<std::pair<std::string, std::optional<std::string>>> env;

  Cli() {
    fs::create_directories(tmp.path() / "cwd");
    fs::create_directories(tmp.path() / "store");
  }
  fs::path store() const { return tmp.path() / "store"; }
  /// A copy of the fixture store (tests must not write into the source tree).
  fs::path fixture_copy() const {
    const fs::path to = tmp.path() / "fixture";
    fs::copy(fs::path(TORCHX_TEST_DATA_DIR) / "tracker" / "fsspec_store", to, fs::copy_options::recursive);
    return to;
  }
  void use(const fs::path& store_dir) {
    env.emplace_back("TORCHX_TRACKERS", "file");
    env.emplace_back("TORCHX_TRACKER_FILE_CONFIG", store_dir.string());
  }

  ProcessResult operator()(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{TORCHX_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    auto options = torchx::test::hermetic_cli_options(tmp.path(), std::string(TORCHX_BUILD_DIR) + "/share/torchx/plugins.d");
    options.env.insert(options.env.end(), env.begin(), env.end());
    return torchx::util::run_process(argv, options);
  }
};

}  // namespace

TEST_SUITE_BEGIN("cli");

TEST_CASE("torchx tracker --help, and --help on every sub-command") {
  Cli torchx;
  auto r = torchx({"tracker", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("usage: torchx tracker list jobs [--parent-run-id ID] [--json]") == 0);
  for (const auto& [group, name] : std::vector<std::pair<std::string, std::string>>{
           {"list", "jobs"}, {"list", "metadata"}, {"list", "artifacts"}, {"list", "lineage"},
           {"add", "metadata"}, {"add", "artifact"}, {"add", "source"}}) {
    r = torchx({"tracker", group, name, "--help"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("usage: torchx tracker " + group + " " + name) == 0);
    CHECK(r.out.find("--tracker") != std::string::npos);
  }
  CHECK(torchx({"help", "tracker"}).out.find("usage: torchx tracker list jobs") == 0);
}

TEST_CASE("torchx tracker: unknown sub-commands are usage errors with did-you-mean") {
  Cli torchx;
  auto r = torchx({"tracker"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: missing sub-command: list or add (see: torchx tracker --help)\n");
  r = torchx({"tracker", "lst", "jobs"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("torchx: error: unknown tracker sub-command 'lst': did you mean 'list'?") == 0);
  r = torchx({"tracker", "list", "job"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: unknown 'tracker list' sub-command 'job': did you mean 'jobs'? "
                 "(expected one of: jobs, metadata, artifacts, lineage)\n");
}

TEST_CASE("torchx tracker list: reads a store written by Python TorchX's fsspec tracker") {
  Cli torchx;
  torchx.use(torchx.fixture_copy());
  auto r = torchx({"tracker", "list", "jobs"});
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "JOB ID\n"
        "----------------------------\n"
        "local_cwd://torchx/eval-def\n"
        "local_cwd://torchx/other\n"
        "local_cwd://torchx/train-abc\n"
        "slurm://torchx/1234\n");
  r = torchx({"tracker", "list", "jobs", "--parent-run-id", k_train, "--json"});
  CHECK(r.out == "[\"local_cwd://torchx/eval-def\"]\n");

  r = torchx({"tracker", "list", "metadata", k_train});
  CHECK(r.out == "ID      VALUE\n------  -----\nlr      0.1\nepochs  5\nstatus  done\n");
  r = torchx({"tracker", "list", "metadata", "--json", "local_cwd://torchx/other"});
  CHECK(r.out == "{\"note\":\"h\xc3\xa9llo \xe2\x9c\x93\",\"nested\":{\"k\":[1,2.5,null,true]}}\n");

  r = torchx({"tracker", "list", "artifacts", k_train});
  CHECK(r.out ==
        "ARTIFACT  PATH               METADATA\n"
        "--------  -----------------  --------\n"
        "model     /ckpt/model-v2.pt  \n"
        "logs      /logs/train        \n");
  r = torchx({"tracker", "list", "artifacts", "--artifact", "logs", "--json", k_train});
  CHECK(r.out == R"({"logs":{"name":"logs","path":"/logs/train","metadata":null}})" "\n");

  r = torchx({"tracker", "list", "lineage", "--json", k_eval});
  CHECK(r.exit_code == 0);
  CHECK(r.out == R"({"run_id":"local_cwd://torchx/eval-def",)"
                 R"("ancestors":[{"run_id":"local_cwd://torchx/train-abc","via_run_id":"local_cwd://torchx/eval-def","artifact_name":"model","depth":1}],)"
                 R"("descendants":[{"run_id":"slurm://torchx/1234","via_run_id":"local_cwd://torchx/eval-def","artifact_name":null,"depth":1}]})"
                 "\n");
  r = torchx({"tracker", "list", "lineage", "--descendants-only", k_train});
  CHECK(r.out ==
        "RELATION    RUN ID                       VIA                           ARTIFACT  DEPTH\n"
        "----------  ---------------------------  ----------------------------  --------  -----\n"
        "descendant  local_cwd://torchx/eval-def  local_cwd://torchx/train-abc  model     1\n"
        "descendant  slurm://torchx/1234          local_cwd://torchx/eval-def             2\n");
}

TEST_CASE("torchx tracker add: writes Python TorchX's layout, run id and parent from the job's env") {
  Cli torchx;
  torchx.use(torchx.store());
  torchx.env.emplace_back("TORCHX_JOB_ID", "local_cwd://torchx/job-1");
  torchx.env.emplace_back("TORCHX_PARENT_RUN_ID", "local_cwd://torchx/parent-0");
  auto r = torchx({"tracker", "add", "metadata", "lr=0.1", "acc:=0.93", "tags:=[\"a\"]"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  r = torchx({"tracker", "add", "artifact", "--metadata", "format=pt", "model", "/ckpt/m.pt"});
  CHECK(r.exit_code == 0);

  const fs::path run = torchx.store() / "NRXWGYLML5RXOZB2F4XXI33SMNUHQL3KN5RC2MI=";  // b32("local_cwd://torchx/job-1")
  REQUIRE(fs::is_directory(run / "metadata"));
  const auto metadata_file = fs::directory_iterator(run / "metadata")->path();
  CHECK(slurp(metadata_file) == R"({"metadata": {"lr": "0.1", "acc": 0.93, "tags": ["a"]}})");
  const auto artifact_file = fs::directory_iterator(run / "artifacts")->path();
  CHECK(slurp(artifact_file) == R"({"name": "model", "path": "/ckpt/m.pt", "metadata": {"format": "pt"}})");
  // Linked to TORCHX_PARENT_RUN_ID, as TorchX's app_run_from_env() does.
  CHECK(slurp(run / "sources" / "NRXWGYLML5RXOZB2F4XXI33SMNUHQL3QMFZGK3TUFUYA====") == "\n");

  r = torchx({"tracker", "list", "jobs", "--parent-run-id", "local_cwd://torchx/parent-0"});
  CHECK(r.out.find("local_cwd://torchx/job-1\n") != std::string::npos);
  r = torchx({"tracker", "add", "source", "--run-id", "local_cwd://torchx/job-2", "--artifact", "model",
              "local_cwd://torchx/job-1"});
  CHECK(r.exit_code == 0);
  r = torchx({"tracker", "list", "lineage", "--json", "local_cwd://torchx/job-1"});
  const auto l = json::parse(r.out).as_object();
  CHECK(l.at("ancestors").as_array().size() == 1);
  REQUIRE(l.at("descendants").as_array().size() == 1);
  const auto d = l.at("descendants").as_array()[0].as_object();
  CHECK(d.at("run_id") == "local_cwd://torchx/job-2");
  CHECK(d.at("artifact_name") == "model");
}

TEST_CASE("torchx tracker: trackers and configs from .torchxconfig") {
  Cli torchx;
  const std::string cfg = torchx.tmp.write("file.cfg", "protocol=file\nroot_path=" + torchx.store().string() + "\n").string();
  // [tracker:NAME] config
  torchx.tmp.write("cwd/.torchxconfig", "[torchx:tracker]\nfile =\n\n[tracker:file]\nconfig = " + cfg + "\n");
  auto r = torchx({"tracker", "add", "metadata", "--run-id", "r1", "k=v"});
  CHECK(r.exit_code == 0);
  CHECK(torchx({"tracker", "list", "metadata", "--json", "r1"}).out == "{\"k\":\"v\"}\n");
  // The value of [torchx:tracker] as a shorthand for the config (TorchX ignores it).
  torchx.tmp.write("cwd/.torchxconfig", "[torchx:tracker]\nfile = " + torchx.store().string() + "\n");
  CHECK(torchx({"tracker", "list", "jobs", "--json"}).out == "[\"r1\"]\n");
  // The env wins over the file.
  fs::create_directories(torchx.tmp.path() / "other");
  torchx.env.emplace_back("TORCHX_TRACKER_FILE_CONFIG", (torchx.tmp.path() / "other").string());
  CHECK(torchx({"tracker", "list", "jobs", "--json"}).out == "[]\n");
}

TEST_CASE("torchx run --dryrun: TORCHX_TRACKERS and TORCHX_TRACKER_<NAME>_CONFIG in every role") {
  Cli torchx;
  torchx.tmp.write("cwd/.torchxconfig",
                   "[torchx:tracker]\nfile =\nmlflow =\n\n[tracker:file]\nconfig = /etc/torchx/file.cfg\n");
  auto r = torchx({"run", "-s", "local_cwd", "--dryrun", "--json", "--parent_run_id", "local_cwd://torchx/p",
                   "utils.echo"});
  REQUIRE(r.exit_code == 0);
  const auto env = json::parse(r.out).at("app").at("roles").as_array()[0].at("env").as_object();
  CHECK(env.at("TORCHX_TRACKERS") == "file,mlflow");
  CHECK(env.at("TORCHX_TRACKER_FILE_CONFIG") == "/etc/torchx/file.cfg");
  CHECK_FALSE(env.contains("TORCHX_TRACKER_MLFLOW_CONFIG"));  // only non-empty configs
  CHECK(env.at("TORCHX_PARENT_RUN_ID") == "local_cwd://torchx/p");
  CHECK(env.at("TORCHX_JOB_ID") == "local_cwd://torchx/${app_id}");
  // TORCHX_TRACKERS from the launcher's env replaces the file's names.
  torchx.env.emplace_back("TORCHX_TRACKERS", "fsspec");
  torchx.env.emplace_back("TORCHX_TRACKER_FSSPEC_CONFIG", "/x.cfg");
  r = torchx({"run", "-s", "local_cwd", "--dryrun", "--json", "utils.echo"});
  const auto env2 = json::parse(r.out).at("app").at("roles").as_array()[0].at("env").as_object();
  CHECK(env2.at("TORCHX_TRACKERS") == "fsspec");
  CHECK(env2.at("TORCHX_TRACKER_FSSPEC_CONFIG") == "/x.cfg");
  CHECK_FALSE(env2.contains("TORCHX_TRACKER_FILE_CONFIG"));
}

TEST_CASE("torchx tracker: bad config and bad input are one-line errors") {
  Cli torchx;
  auto r = torchx({"tracker", "list", "jobs"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: no tracker configured: set [torchx:tracker] in .torchxconfig or TORCHX_TRACKERS, "
                 "or pass --tracker NAME (see: torchx tracker --help)\n");

  r = torchx({"tracker", "list", "jobs", "--tracker", "fiel"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: unknown tracker 'fiel': did you mean 'file'? (from --tracker) "
                 "(available: file, fsspec)\n");
  torchx.env.emplace_back("TORCHX_TRACKERS", "flie");
  r = torchx({"tracker", "list", "jobs"});
  CHECK(r.err.find("torchx: error: unknown tracker 'flie': did you mean 'file'? (from TORCHX_TRACKERS)") == 0);
  torchx.env.clear();
  // A configured name no plugin provides (a Python-only tracker) is skipped beside a usable one.
  torchx.use(torchx.store());
  torchx.env[0].second = "mlflow,file";
  r = torchx({"tracker", "add", "metadata", "--run-id", "r0", "k=v"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("tracker 'mlflow' (from TORCHX_TRACKERS): no plugin provides it, skipped") != std::string::npos);
  CHECK(torchx({"tracker", "list", "metadata", "--json", "r0"}).out == "{\"k\":\"v\"}\n");
  torchx.env.clear();

  r = torchx({"tracker", "list", "jobs", "--tracker", "file"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: tracker 'file': no config: set `[tracker:file] config = FILE` in .torchxconfig or "
                 "TORCHX_TRACKER_FILE_CONFIG=FILE (FILE holds protocol=file and root_path=DIR)\n");

  const std::string no_root = torchx.tmp.write("no_root.cfg", "protocol=file\n").string();
  torchx.env.emplace_back("TORCHX_TRACKER_FILE_CONFIG", no_root);
  r = torchx({"tracker", "list", "jobs", "--tracker", "file"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: tracker 'file': config '" + no_root +
                     "' must set 'protocol' and 'root_path' (e.g. protocol=file and root_path=/tmp/torchx_jobs)\n");
  torchx.env.clear();

  const std::string gone = torchx.tmp.write("gone.cfg", "protocol=file\nroot_path=/nonexistent/store\n").string();
  torchx.env.emplace_back("TORCHX_TRACKER_FILE_CONFIG", gone);
  r = torchx({"tracker", "list", "jobs", "--tracker", "file"});
  CHECK(r.err == "torchx: error: tracker 'file': root_path '/nonexistent/store' (from '" + gone +
                     "') does not exist or is not a directory: create it first\n");
  torchx.env.clear();

  torchx.use(torchx.store());
  r = torchx({"tracker", "add", "metadata", "--run-id", "r", "novalue"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: bad metadata 'novalue': expected KEY=VALUE (or KEY:=JSON)\n");
  r = torchx({"tracker", "add", "metadata", "--run-id", "r", "x:={"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("torchx: error: bad metadata 'x:={': the value after ':=' is not JSON") == 0);
  r = torchx({"tracker", "add", "artifact", "--run-id", "r", "--metadata", "=v", "m", "/p"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: bad --metadata '=v': expected KEY=VALUE (or KEY:=JSON)\n");
  r = torchx({"tracker", "add", "metadata", "k=v"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: no run id: pass --run-id RUN_ID, or run inside a torchx job (which sets TORCHX_JOB_ID)\n");

  // Malformed JSON in the store: the file is named, one line.
  torchx.tmp.write("store/MU======/metadata/1", "{\"metadata\": ");  // b32("e")
  r = torchx({"tracker", "list", "metadata", "e"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("torchx: error: tracker 'file' metadata: tracker store: " +
                   (torchx.store() / "MU======" / "metadata" / "1").string() + ": malformed JSON") == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("torchx tracker list metadata: NaN and Infinity as Python writes them, read as strings") {
  Cli torchx;
  torchx.use(torchx.store());
  torchx.tmp.write("store/MU======/metadata/1",  // b32("e")
                   R"({"metadata": {"loss": NaN, "x": Infinity, "y": -Infinity, "s": "NaN in a string"}})");
  auto r = torchx({"tracker", "list", "metadata", "--json", "e"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == R"({"loss":"NaN","x":"Infinity","y":"-Infinity","s":"NaN in a string"})" "\n");
  r = torchx({"tracker", "list", "metadata", "e"});
  CHECK(r.out == "ID    VALUE\n----  ---------------\nloss  NaN\nx     Infinity\ny     -Infinity\ns     NaN in a string\n");
}

TEST_CASE("torchx tracker add metadata: a number beyond a double after ':=' is a usage error") {
  Cli torchx;
  torchx.use(torchx.store());
  auto r = torchx({"tracker", "add", "metadata", "--run-id", "t1", "huge:=1e400"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "torchx: error: bad metadata 'huge:=1e400': a number after ':=' is out of range (JSON numbers here are "
                 "doubles, at most about 1.8e308); to record it as text use huge=1e400\n");
  r = torchx({"tracker", "add", "artifact", "--run-id", "t1", "--metadata", "l:=[1, {\"x\": -1e999}]", "m", "/p"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("torchx: error: bad --metadata 'l:=[1, {\"x\": -1e999}]': a number after ':=' is out of range") == 0);
  CHECK(torchx({"tracker", "list", "jobs", "--json"}).out == "[]\n");  // nothing written
  CHECK(torchx({"tracker", "add", "metadata", "--run-id", "t1", "big:=1e308"}).exit_code == 0);
}

TEST_CASE("torchx tracker list: control characters in cells are escaped, --json is exact") {
  Cli torchx;
  torchx.use(torchx.store());
  auto r = torchx({"tracker", "add", "metadata", "--run-id", "a\nb", "k=line1\nline2\tx\x1b[1m"});
  REQUIRE(r.exit_code == 0);
  r = torchx({"tracker", "add", "artifact", "--run-id", "a\nb", "m", "/p\r"});
  REQUIRE(r.exit_code == 0);
  r = torchx({"tracker", "add", "source", "--run-id", "c", "a\nb"});
  REQUIRE(r.exit_code == 0);
  CHECK(torchx({"tracker", "list", "jobs"}).out == "JOB ID\n------\na\\nb\nc\n");
  CHECK(torchx({"tracker", "list", "jobs", "--json"}).out == "[\"a\\nb\",\"c\"]\n");
  CHECK(torchx({"tracker", "list", "metadata", "a\nb"}).out ==
        "ID  VALUE\n--  ----------------------\nk   line1\\nline2\\tx\\x1b[1m\n");
  CHECK(torchx({"tracker", "list", "metadata", "--json", "a\nb"}).out == "{\"k\":\"line1\\nline2\\tx\\u001b[1m\"}\n");
  CHECK(torchx({"tracker", "list", "artifacts", "a\nb"}).out ==
        "ARTIFACT  PATH  METADATA\n--------  ----  --------\nm         /p\\r  \n");
  CHECK(torchx({"tracker", "list", "lineage", "--sources-only", "c"}).out ==
        "RELATION  RUN ID  VIA  ARTIFACT  DEPTH\n--------  ------  ---  --------  -----\nancestor  a\\nb    c              1\n");
}

TEST_CASE("torchx tracker add: a TORCHX_PARENT_RUN_ID the tracker refuses is skipped with one warning") {
  Cli torchx;
  torchx.use(torchx.store());
  torchx.env[0].second = "file,fsspec";  // two trackers, one warning
  torchx.env.emplace_back("TORCHX_TRACKER_FSSPEC_CONFIG", torchx.store().string());
  torchx.env.emplace_back("TORCHX_JOB_ID", "job");
  const std::string parent(200, 'p');
  torchx.env.emplace_back("TORCHX_PARENT_RUN_ID", parent);
  auto r = torchx({"tracker", "add", "metadata", "k=v"});
  CHECK(r.exit_code == 0);
  // Inside a job (TORCHX_JOB_ID set) log lines carry a timestamp: match from the message on.
  const std::string warning = "TORCHX_PARENT_RUN_ID not recorded as the run's source: tracker 'file' add_source: "
                              "source run id '" + parent + "' is too long for a file name once base32-encoded (200 bytes, at most 155)\n";
  CHECK(r.err.find("warning") != std::string::npos);
  CHECK(r.err.ends_with(warning));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(torchx({"tracker", "list", "metadata", "--json", "job"}).out == "{\"k\":\"v\"}\n");
  CHECK(torchx({"tracker", "list", "lineage", "--json", "job"}).out == R"({"run_id":"job","ancestors":[],"descendants":[]})" "\n");
  // An empty one is no parent at all (TorchX: `if parent_run_id:`).
  torchx.env.back().second = "";
  r = torchx({"tracker", "add", "metadata", "k=w"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
}
