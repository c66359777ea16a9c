// SPDX-License-Identifier: BSD-3-Clause
// The file tracker's store: the layout of Python TorchX's fsspec tracker, byte for byte.
#include "../support/files.hpp"
#include "../support/temp_dir.hpp"
#include "base32.hpp"
#include "file_store.hpp"

#include <torchx/util/python_json.hpp>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>

namespace fs = std::filesystem;
namespace json = boost::json;
using torchx::test::slurp;
using torchx::test::TempDir;
using torchx::trackers::b32decode;
using torchx::trackers::b32encode;
using torchx::trackers::FileStore;
using torchx::trackers::store_root_from_config;
using torchx::trackers::StoreError;
using torchx::trackers::StoreInputError;

namespace {

const fs::path k_fixture = fs::path(TORCHX_TEST_DATA_DIR) / "tracker" / "fsspec_store";
const std::string k_train = "local_cwd://torchx/train-abc";
const std::string k_eval = "local_cwd://torchx/eval-def";
const std::string k_report = "slurm://torchx/1234";
const std::string k_other = "local_cwd://torchx/other";

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("b32encode: RFC 4648 vectors, as Python's base64.b32encode") {
  CHECK(b32encode("") == "");
  CHECK(b32encode("f") == "MY======");
  CHECK(b32encode("fo") == "MZXQ====");
  CHECK(b32encode("foo") == "MZXW6===");
  CHECK(b32encode("foob") == "MZXW6YQ=");
  CHECK(b32encode("fooba") == "MZXW6YTB");
  CHECK(b32encode("foobar") == "MZXW6YTBOI======");
  CHECK(b32encode("local_cwd://torchx/train-abc") == "NRXWGYLML5RXOZB2F4XXI33SMNUHQL3UOJQWS3RNMFRGG===");
}

TEST_CASE("b32decode: inverts b32encode and refuses what Python's b32decode refuses") {
  for (const std::string s : {"f", "fo", "foo", "foob", "fooba", "foobar", "slurm://torchx/1234", "h\xc3\xa9"}) {
    CHECK(b32decode(b32encode(s)) == s);
  }
  CHECK_FALSE(b32decode("mzxw6===").has_value());   // lower case (casefold=False)
  CHECK_FALSE(b32decode("MZXW6").has_value());      // not padded to 8
  CHECK_FALSE(b32decode("MZ=W6===").has_value());   // padding inside
  CHECK_FALSE(b32decode("MZXW6==1").has_value());   // not in the alphabet
  CHECK_FALSE(b32decode("lost+found").has_value());
}

TEST_CASE("python_json_dumps: what Python's json.dumps writes") {
  // Expected text produced by CPython 3.11's json.dumps on the same value.
  const auto v = json::parse(R"({"metadata": {"a": "x", "n": 1, "f": 0.1, "big": 1e16, "b2": 1e15, "small": 1e-05,
      "s2": 0.0001, "i": 3.0, "neg": -2.5e-7, "u": "\u00e9\u2713\ud83d\ude00", "ctrl": "\n\u0001\u007f\"\\",
      "l": [true, false, null], "e": {}, "ea": []}})");
  CHECK(torchx::util::python_json_dumps(v) ==
        R"({"metadata": {"a": "x", "n": 1, "f": 0.1, "big": 1e+16, "b2": 1000000000000000.0, "small": 1e-05, )"
        R"("s2": 0.0001, "i": 3.0, "neg": -2.5e-07, "u": "\u00e9\u2713\ud83d\ude00", "ctrl": "\n\u0001\u007f\"\\", )"
        R"("l": [true, false, null], "e": {}, "ea": []}})");
  CHECK(torchx::util::python_json_dumps(json::parse(R"({"u": "\u00e9", "f": [2.5]})"), {.ensure_ascii = false, .compact = true}) ==
        "{\"u\":\"\xc3\xa9\",\"f\":[2.5]}");
}

TEST_CASE("FileStore: reads a store written by Python TorchX's fsspec tracker") {
  const FileStore store(k_fixture);
  CHECK(store.run_ids(std::nullopt) == std::vector<std::string>{k_eval, k_other, k_train, k_report});
  CHECK(store.run_ids(k_train) == std::vector<std::string>{k_eval});
  CHECK(store.run_ids(k_eval) == std::vector<std::string>{k_report});
  CHECK(store.run_ids("experiment-42") == std::vector<std::string>{k_other});
  CHECK(store.run_ids("nobody").empty());

  // Merged in time order: the later `epochs` wins, in the position it first had.
  CHECK(json::parse(store.metadata(k_train)) == json::parse(R"({"lr": 0.1, "epochs": 5, "status": "done"})"));
  CHECK(store.metadata(k_train).find("\"lr\"") < store.metadata(k_train).find("\"status\""));
  CHECK(json::parse(store.metadata(k_other)) ==
        json::parse(R"({"note": "h\u00e9llo \u2713", "nested": {"k": [1, 2.5, null, true]}})"));
  CHECK(store.metadata("unknown-run") == "{}");

  const auto artifacts = store.artifacts(k_train);
  REQUIRE(artifacts.size() == 2);
  CHECK(artifacts[0].name == "model");
  CHECK(artifacts[0].path == "/ckpt/model-v2.pt");  // the last one wins
  CHECK(artifacts[0].metadata_json == "null");
  CHECK(artifacts[1].name == "logs");
  CHECK(artifacts[1].path == "/logs/train");

  const auto eval_sources = store.sources(k_eval, std::nullopt);
  REQUIRE(eval_sources.size() == 1);
  CHECK(eval_sources[0].source_run_id == k_train);
  CHECK(eval_sources[0].artifact_name == "model");
  CHECK(store.sources(k_eval, "model").size() == 1);
  CHECK(store.sources(k_eval, "logs").empty());
  const auto report_sources = store.sources(k_report, std::nullopt);
  REQUIRE(report_sources.size() == 1);
  CHECK(report_sources[0].source_run_id == k_eval);
  CHECK_FALSE(report_sources[0].artifact_name.has_value());  // "\n": the whole run
  CHECK(store.sources(k_report, "model").empty());          // as Python: no None source under a filter
}

TEST_CASE("FileStore::lineage: ancestors and descendants with the linking artifact, nearest first") {
  const FileStore store(k_fixture);
  const auto down = store.lineage(k_train);
  CHECK(down.ancestors.empty());
  REQUIRE(down.descendants.size() == 2);
  CHECK(down.descendants[0].run_id == k_eval);
  CHECK(down.descendants[0].via_run_id == k_train);
  CHECK(down.descendants[0].artifact_name == "model");
  CHECK(down.descendants[0].depth == 1);
  CHECK(down.descendants[1].run_id == k_report);
  CHECK(down.descendants[1].via_run_id == k_eval);
  CHECK_FALSE(down.descendants[1].artifact_name.has_value());
  CHECK(down.descendants[1].depth == 2);

  const auto up = store.lineage(k_report);
  REQUIRE(up.ancestors.size() == 2);
  CHECK(up.ancestors[0].run_id == k_eval);
  CHECK(up.ancestors[0].depth == 1);
  CHECK(up.ancestors[1].run_id == k_train);
  CHECK(up.ancestors[1].via_run_id == k_eval);
  CHECK(up.ancestors[1].artifact_name == "model");
  CHECK(up.ancestors[1].depth == 2);
  CHECK(up.descendants.empty());
}

TEST_CASE("FileStore::lineage: a cycle ends, each run expanded once") {
  TempDir tmp;
  const FileStore store(tmp.path());
  store.add_source("a", {"b", std::nullopt});
  store.add_source("b", {"a", std::nullopt});
  const auto l = store.lineage("a");
  REQUIRE(l.ancestors.size() == 1);
  CHECK(l.ancestors[0].run_id == "b");
  REQUIRE(l.descendants.size() == 1);
  CHECK(l.descendants[0].run_id == "b");
}

TEST_CASE("FileStore: writes the bytes Python TorchX's fsspec tracker writes") {
  TempDir tmp;
  const FileStore store(tmp.path());
  store.add_metadata("local_cwd://torchx/a", R"({"lr": 0.1, "name": "r\u00e9sum\u00e9", "n": 3})");
  const fs::path run = tmp.path() / "NRXWGYLML5RXOZB2F4XXI33SMNUHQL3B";
  REQUIRE(fs::is_directory(run / "metadata"));
  auto entries = files_in(run / "metadata");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].filename().string().find_first_not_of("0123456789") == std::string::npos);  // time_ns
  CHECK(slurp(entries[0]) == R"({"metadata": {"lr": 0.1, "name": "r\u00e9sum\u00e9", "n": 3}})");

  store.add_artifact("local_cwd://torchx/a", {"model", "/m.pt", R"({"k": 1.5})"});
  store.add_artifact("local_cwd://torchx/a", {"logs", "/logs", "null"});
  entries = files_in(run / "artifacts");
  REQUIRE(entries.size() == 2);
  std::set<std::string> texts{slurp(entries[0]), slurp(entries[1])};
  CHECK(texts.contains(R"({"name": "model", "path": "/m.pt", "metadata": {"k": 1.5}})"));
  CHECK(texts.contains(R"({"name": "logs", "path": "/logs", "metadata": null})"));

  store.add_source("local_cwd://torchx/a", {"parent", std::nullopt});
  CHECK(slurp(run / "sources" / b32encode("parent")) == "\n");
  store.add_source("local_cwd://torchx/a", {"parent", "model"});
  CHECK(slurp(run / "sources" / b32encode("parent")) == "model\n");
  store.add_source("local_cwd://torchx/a", {"parent", "model"});  // idempotent
  store.add_source("local_cwd://torchx/a", {"parent", std::nullopt});
  store.add_source("local_cwd://torchx/a", {"parent", "data"});
  CHECK(slurp(run / "sources" / b32encode("parent")) == "model\ndata\n");

  // Nothing but entries in the category directories (Python reads every file there).
  for (const char* category : {"metadata", "artifacts", "sources"}) {
    for (const auto& f : files_in(run / category)) CHECK_FALSE(f.filename().string().starts_with("."));
  }
  // No stray directory in the root (Python decodes every directory name there).
  for (const auto& f : files_in(tmp.path())) CHECK(b32decode(f.filename().string()).has_value());
}

TEST_CASE("FileStore::add_source: the descendant link is written into a source the store has") {
  TempDir tmp;
  const FileStore store(tmp.path());
  store.add_source("child1", {"absent-parent", std::nullopt});
  CHECK_FALSE(fs::exists(tmp.path() / b32encode("absent-parent")));  // no run made up
  store.add_metadata("parent", R"({"a": 1})");
  store.add_source("child2", {"parent", "model"});
  CHECK(slurp(tmp.path() / b32encode("parent") / "descendants" / b32encode("child2")) == "model\n");
  CHECK(store.run_ids("parent") == std::vector<std::string>{"child2"});
}

TEST_CASE("FileStore: 20 concurrent writer processes lose nothing") {
  TempDir tmp;
  const FileStore store(tmp.path());
  store.add_metadata("parent", "{}");
  constexpr int k_writers = 20;
  constexpr int k_entries = 10;
  std::vector<pid_t> pids;
  for (int w = 0; w < k_writers; ++w) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 0;
      try {
        for (int i = 0; i < k_entries; ++i) {
          const std::string key = "w" + std::to_string(w) + "_" + std::to_string(i);
          store.add_metadata("shared-run", "{\"" + key + "\": " + std::to_string(i) + "}");
          store.add_artifact("shared-run", {key, "/p/" + key, "null"});
          store.add_source("shared-run", {"parent", "a" + std::to_string(w)});
        }
        store.add_source("child" + std::to_string(w), {"parent", std::nullopt});
      } catch (...) {
        code = 1;
      }
      ::_exit(code);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  const auto metadata = json::parse(store.metadata("shared-run")).as_object();
  CHECK(metadata.size() == k_writers * k_entries);
  CHECK(store.artifacts("shared-run").size() == k_writers * k_entries);
  CHECK(files_in(store.run_dir("shared-run") / "metadata").size() == k_writers * k_entries);
  CHECK(store.sources("shared-run", std::nullopt).size() == k_writers);  // one line per writer
  CHECK(store.run_ids("parent").size() == k_writers + 1);
  // Every child's descendant link survived the concurrent read-modify-writes of the parent.
  CHECK(files_in(store.run_dir("parent") / "descendants").size() == k_writers + 1);
  CHECK(slurp(store.run_dir("parent") / "descendants" / b32encode("shared-run")).size() > 0);
  for (const auto& f : files_in(store.run_dir("shared-run"))) CHECK_FALSE(f.filename().string().starts_with(".tmp"));
}

TEST_CASE("FileStore: malformed store content is a one-line error naming the file") {
  TempDir tmp;
  tmp.write(b32encode("r") + "/metadata/1", "{\"metadata\": {\"a\": ");
  tmp.write(b32encode("s") + "/metadata/1", "[1, 2]");
  tmp.write(b32encode("t") + "/artifacts/1", R"({"name": "x"})");
  const FileStore store(tmp.path());
  const std::string e1 = error_of([&] { (void)store.metadata("r"); });
  CHECK(e1.find("tracker store: " + (tmp.path() / b32encode("r") / "metadata" / "1").string() + ": malformed JSON") == 0);
  CHECK(e1.find('\n') == std::string::npos);
  CHECK(error_of([&] { (void)store.metadata("s"); }).find(": expected {\"metadata\": {...}}") != std::string::npos);
  CHECK(error_of([&] { (void)store.artifacts("t"); }).find(": expected {\"name\"") != std::string::npos);
}

TEST_CASE("FileStore: NaN, Infinity and -Infinity as Python's json.dump writes them read back as strings") {
  TempDir tmp;
  // Python: json.dumps({"metadata": {"loss": float("nan"), "x": float("inf"), "y": -float("inf"), ...}})
  tmp.write(b32encode("r") + "/metadata/1",
            R"({"metadata": {"loss": NaN, "x": Infinity, "y": -Infinity, "s": "NaN in a string"}})");
  tmp.write(b32encode("r") + "/metadata/2", R"({"metadata": {"q": "a \" NaN \\", "l": [NaN, -Infinity, 1.5]}})");
  tmp.write(b32encode("r") + "/artifacts/1", R"({"name": "m", "path": "/p", "metadata": {"loss": NaN, "x": Infinity}})");
  const FileStore store(tmp.path());
  CHECK(store.metadata("r") ==
        R"({"loss":"NaN","x":"Infinity","y":"-Infinity","s":"NaN in a string","q":"a \" NaN \\","l":["NaN","-Infinity",1.5E0]})");
  const auto artifacts = store.artifacts("r");
  REQUIRE(artifacts.size() == 1);
  CHECK(artifacts[0].metadata_json == R"({"loss":"NaN","x":"Infinity"})");
  // Still malformed: a token that only starts like one.
  tmp.write(b32encode("t") + "/metadata/1", R"({"metadata": {"x": NaNa}})");
  CHECK(error_of([&] { (void)store.metadata("t"); }).find(": malformed JSON") != std::string::npos);
}

TEST_CASE("FileStore: a dangling symlink in the root or in a run's metadata is skipped with a warning") {
  // The failing entry alone in its directory: it is the last one listed (a later entry that
  // stats fine used to clear the shared error code and hide the bug).
  TempDir tmp;
  std::vector<std::string> warnings;
  const FileStore store(tmp.path(), [&](const std::string& w) { warnings.push_back(w); });
  fs::create_symlink(tmp.path() / "nowhere", tmp.path() / "dangling");
  CHECK(store.run_ids(std::nullopt).empty());
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "tracker store: skipping " + (tmp.path() / "dangling").string() +
                           ": cannot stat it (No such file or directory)");

  TempDir tmp2;
  warnings.clear();
  const FileStore store2(tmp2.path(), [&](const std::string& w) { warnings.push_back(w); });
  fs::create_directories(store2.run_dir("run") / "metadata");
  fs::create_symlink(tmp2.path() / "nowhere", store2.run_dir("run") / "metadata" / "2");
  CHECK(store2.metadata("run") == "{}");
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "tracker store: skipping " + (store2.run_dir("run") / "metadata" / "2").string() +
                           ": cannot stat it (No such file or directory)");

  // Beside real entries, in every query.
  store2.add_metadata("run", R"({"a": 1})");
  store2.add_source("child", {"run", std::nullopt});
  fs::create_symlink(tmp2.path() / "nowhere", tmp2.path() / "dangling");
  CHECK(store2.run_ids(std::nullopt) == std::vector<std::string>{"child", "run"});
  CHECK(store2.run_ids("run") == std::vector<std::string>{"child"});
  CHECK(store2.metadata("run") == R"({"a":1})");
  CHECK(store2.lineage("run").descendants.size() == 1);
}

TEST_CASE("FileStore::run_dir: a run id has at most 155 bytes (its base32 name fits in 255)") {
  TempDir tmp;
  const FileStore store(tmp.path());
  const std::string longest(155, 'x');
  store.add_metadata(longest, "{}");
  CHECK(store.run_dir(longest).filename().string().size() == 248);
  CHECK(store.run_ids(std::nullopt) == std::vector<std::string>{longest});
  const std::string too_long(156, 'x');
  CHECK(error_of([&] { (void)store.run_dir(too_long); }) ==
        "run id '" + too_long + "' is too long for a file name once base32-encoded (156 bytes, at most 155)");
  CHECK(error_of([&] { store.add_source("r", {too_long, std::nullopt}); }) ==
        "source run id '" + too_long + "' is too long for a file name once base32-encoded (156 bytes, at most 155)");
  store.add_source("r", {longest, std::nullopt});
  CHECK(store.sources("r", std::nullopt).at(0).source_run_id == longest);
}

TEST_CASE("FileStore: bad input is a StoreInputError") {
  TempDir tmp;
  const FileStore store(tmp.path());
  CHECK_THROWS_AS(store.add_metadata("", "{}"), StoreInputError);
  CHECK_THROWS_AS(store.add_metadata("r", "[1]"), StoreInputError);
  CHECK_THROWS_AS(store.add_metadata("r", "{bad"), StoreInputError);
  CHECK_THROWS_AS(store.add_artifact("r", {"", "/p", "null"}), StoreInputError);
  CHECK_THROWS_AS(store.add_source("r", {"", std::nullopt}), StoreInputError);
  CHECK_THROWS_AS(store.add_source("r", {"p", "two\nlines"}), StoreInputError);
  CHECK(error_of([&] { (void)store.run_dir(std::string(200, 'x')); }).find("too long") != std::string::npos);
}

TEST_CASE("FileStore::run_ids: skips what is not a run directory, with a warning") {
  TempDir tmp;
  tmp.write("lost+found/x", "");
  tmp.write(".hidden/x", "");
  tmp.write("stray-file", "");
  std::vector<std::string> warnings;
  const FileStore store(tmp.path(), [&](const std::string& w) { warnings.push_back(w); });
  store.add_metadata("run", "{}");
  CHECK(store.run_ids(std::nullopt) == std::vector<std::string>{"run"});
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("lost+found: its name is not a base32 run id") != std::string::npos);
}

TEST_CASE("store_root_from_config: the fsspec tracker's config file, or a directory") {
  TempDir tmp;
  fs::create_directories(tmp.path() / "root");
  const auto good = tmp.write("good.cfg", "# a comment\nprotocol = file\nroot_path=" + (tmp.path() / "root").string() + "\n");
  CHECK(store_root_from_config("file", good.string()) == tmp.path() / "root");
  CHECK(store_root_from_config("file", "file://" + good.string()) == tmp.path() / "root");
  CHECK(store_root_from_config("file", (tmp.path() / "root").string()) == tmp.path() / "root");
  const auto local = tmp.write("local.cfg", "protocol=local\nroot_path=file://" + (tmp.path() / "root").string() + "\n");
  CHECK(store_root_from_config("fsspec", local.string()) == tmp.path() / "root");

  CHECK(error_of([&] { store_root_from_config("file", ""); }) ==
        "no config: set `[tracker:file] config = FILE` in .torchxconfig or TORCHX_TRACKER_FILE_CONFIG=FILE "
        "(FILE holds protocol=file and root_path=DIR)");
  const auto no_root = tmp.write("no_root.cfg", "protocol=file\n");
  CHECK(error_of([&] { store_root_from_config("file", no_root.string()); }) ==
        "config '" + no_root.string() +
            "' must set 'protocol' and 'root_path' (e.g. protocol=file and root_path=/tmp/torchx_jobs)");
  const auto s3 = tmp.write("s3.cfg", "protocol=s3\nroot_path=bucket/x\n");
  CHECK(error_of([&] { store_root_from_config("file", s3.string()); }).find("protocol 's3' (from '" + s3.string() +
                                                                            "') is not supported") == 0);
  const auto missing = tmp.write("missing.cfg", "protocol=file\nroot_path=/nonexistent/torchx\n");
  CHECK(error_of([&] { store_root_from_config("file", missing.string()); }) ==
        "root_path '/nonexistent/torchx' (from '" + missing.string() +
            "') does not exist or is not a directory: create it first");
  CHECK(error_of([&] { store_root_from_config("file", "/nonexistent/cfg"); }) ==
        "config '/nonexistent/cfg' is neither a config file nor a directory");
}
