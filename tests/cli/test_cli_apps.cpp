// SPDX-License-Identifier: BSD-3-Clause
// The Python apps some builtins run (python -m torchx.apps...): each works, or says what it needs.
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "../support/files.hpp"

using torchx::test::slurp;

namespace {

const std::string k_apps = TORCHX_BUILD_DIR "/share/torchx/python";

torchx::util::ProcessResult python(std::vector<std::string> args) {
  args.insert(args.begin(), "python3");
  torchx::util::ProcessOptions options;
  options.env = {{"PYTHONPATH", k_apps}};
  return torchx::util::run_process(args, options);
}

}  // namespace

TEST_SUITE_BEGIN("apps");

TEST_CASE("torchx.apps.utils.booth_main writes the booth value where TorchX's tracker would") {
  torchx::test::TempDir tmp;
  const auto r = python({"-m", "torchx.apps.utils.booth_main", "--x1", "1.0", "--x2", "3.0", "--trial_idx", "2",
                         "--tracker_base", "file://" + (tmp.path() / "t").string()});
  CHECK(r.exit_code == 0);
  CHECK(slurp(tmp.path() / "t/2") == "{\n  \"booth_eval\": 0.0\n}");
  const auto r2 = python({"-m", "torchx.apps.utils.booth_main", "--x1", "0", "--x2", "0", "--tracker_base",
                          (tmp.path() / "t").string()});
  CHECK(slurp(tmp.path() / "t/0") == "{\n  \"booth_eval\": 74.0\n}");
}

TEST_CASE("torchx.apps.utils.copy_main copies local files and says what other URLs need") {
  torchx::test::TempDir tmp;
  tmp.write("src.txt", "payload $(x) 'q'");
  auto r = python({"-m", "torchx.apps.utils.copy_main", "--src", (tmp.path() / "src.txt").string(), "--dst",
                   "file://" + (tmp.path() / "out/dst.txt").string()});
  CHECK(r.exit_code == 0);
  CHECK(slurp(tmp.path() / "out/dst.txt") == "payload $(x) 'q'");
  r = python({"-m", "torchx.apps.utils.copy_main", "--src", "s3://bucket/key", "--dst", (tmp.path() / "x").string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("fsspec is not installed (only local paths and file:// URLs work without it)") != std::string::npos);
  r = python({"-m", "torchx.apps.utils.copy_main", "--src", (tmp.path() / "missing").string(), "--dst", "y"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("is not a file") != std::string::npos);
}

TEST_CASE("torchx.apps.utils.process_monitor runs the command, stops on the exit file, names a missing tool") {
  torchx::test::TempDir tmp;
  auto r = python({"-m", "torchx.apps.utils.process_monitor", "--timeout", "30", "--", "sh", "-c", "echo ran; exit 3"});
  CHECK(r.exit_code == 3);
  CHECK(r.out == "ran\n");
  const std::string exit_file = (tmp.path() / "stop").string();
  tmp.write("stop", "");
  r = python({"-m", "torchx.apps.utils.process_monitor", "--timeout", "30", "--poll_interval", "0.05", "--exit_on_file",
              exit_file, "--", "sleep", "30"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("exists: stopping sleep") != std::string::npos);
  r = python({"-m", "torchx.apps.utils.process_monitor", "--", "tensorboard", "--logdir", "/x"});
  CHECK(r.exit_code == 127);
  CHECK(r.err == "process_monitor: error: 'tensorboard' is not installed (metrics.tensorboard needs it: pip install "
                 "tensorboard (not packaged for Debian 12))\n");
}

TEST_CASE("torchx.apps.serve.serve says when TorchServe cannot be reached") {
  torchx::test::TempDir tmp;
  const auto model = tmp.write("m.mar", "model");
  auto r = python({"-m", "torchx.apps.serve.serve", "--model_path", model.string(), "--management_api",
                   "http://127.0.0.1:9", "--dryrun", "--initial_workers", "1"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("/models?url=http") != std::string::npos);
  CHECK(r.out.find("initial_workers=1") != std::string::npos);
  r = python({"-m", "torchx.apps.serve.serve", "--model_path", model.string(), "--management_api", "http://127.0.0.1:9",
              "--port", "0"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot reach the TorchServe management API at http://127.0.0.1:9") != std::string::npos);
}

TEST_SUITE_END();
