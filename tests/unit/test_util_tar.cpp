// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/util/tar.hpp>
#include <torchx/util/workspace.hpp>

#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace torchx;

TEST_CASE("tar_files: a reproducible archive that tar reads back, long paths and modes included") {
  test::TempDir tmp;
  const std::string long_dir = std::string(60, 'd') + "/" + std::string(60, 'e');
  tmp.write("ws/a.txt", "hello\n");
  tmp.write("ws/run.sh", "#!/bin/sh\necho hi\n");
  std::filesystem::permissions(tmp.path() / "ws/run.sh", std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
  tmp.write("ws/" + long_dir + "/f.txt", "deep\n");
  const auto ws = tmp.path() / "ws";
  const auto files = util::workspace_files(ws, ".dockerignore");
  const std::string archive = util::tar_files(ws, files, {{"Dockerfile.torchx", "FROM x\n"}});
  CHECK(archive.size() % 512 == 0);
  CHECK(archive == util::tar_files(ws, files, {{"Dockerfile.torchx", "FROM x\n"}}));  // reproducible
  std::ofstream(tmp.path() / "out.tar", std::ios::binary) << archive;
  const auto listed = util::run_process({"tar", "-tvf", (tmp.path() / "out.tar").string()});
  REQUIRE(listed.exit_code == 0);
  CHECK(listed.out.find(long_dir + "/f.txt") != std::string::npos);
  CHECK(listed.out.find("-rwxr-xr-x") != std::string::npos);
  CHECK(listed.out.find("Dockerfile.torchx") != std::string::npos);
  std::filesystem::create_directories(tmp.path() / "x");
  REQUIRE(util::run_process({"tar", "-xf", (tmp.path() / "out.tar").string(), "-C", (tmp.path() / "x").string()}).exit_code == 0);
  std::ifstream deep(tmp.path() / "x" / long_dir / "f.txt");
  std::string text;
  std::getline(deep, text);
  CHECK(text == "deep");
}
