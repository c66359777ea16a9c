// SPDX-License-Identifier: BSD-3-Clause
#include "../support/temp_dir.hpp"

#include <torchx/util/workspace.hpp>

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace torchx::util;
using Strings = std::vector<std::string>;

TEST_SUITE_BEGIN("util");

TEST_CASE("util::fnmatch matches as Python's fnmatch does on POSIX") {
  CHECK(fnmatch("*.key", "secret.key"));
  CHECK(fnmatch("*.key", "dir/secret.key"));  // '*' crosses '/'
  CHECK(fnmatch("*", ".hidden"));            // and matches a leading dot
  CHECK_FALSE(fnmatch("*.key", "secret.keys"));
  CHECK(fnmatch("dir?", "dir1"));
  CHECK_FALSE(fnmatch("dir?", "dir"));
  CHECK(fnmatch("[a-c]x", "bx"));
  CHECK_FALSE(fnmatch("[!a-c]x", "bx"));
  CHECK(fnmatch("[!a-c]x", "dx"));
  CHECK(fnmatch("[]]", "]"));
  CHECK(fnmatch("a[", "a["));    // an unclosed '[' is itself
  CHECK(fnmatch("a\\b", "a\\b"));  // no escapes
  CHECK(fnmatch("**/x", "a/b/x"));
  CHECK_FALSE(fnmatch("**/x", "x"));
  CHECK(fnmatch("", ""));
  CHECK_FALSE(fnmatch("", "a"));
}

TEST_CASE("util::fnmatch takes polynomial time on a pattern of many stars against a long text") {
  const std::string text(20000, 'a');
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "*a";
  CHECK(fnmatch(pattern, text));
  CHECK_FALSE(fnmatch(pattern + "b", text));
}

TEST_CASE("util::parse_ignore_patterns drops comments, blank lines and '.'") {
  CHECK(parse_ignore_patterns("# comment\n*.key  # trailing\n\n  .  \n!keep.key\r\n build/ \n") ==
        Strings{"*.key", "!keep.key", "build/"});
  CHECK(parse_ignore_patterns("").empty());
}

TEST_CASE("util::match_ignore: the last matching pattern wins, '.' and Dockerfile.torchx are never ignored") {
  const Strings patterns{"*.key", "!keep.key", "*"};
  CHECK(match_ignore("a.key", Strings{"*.key", "!keep.key"}).ignored);
  CHECK_FALSE(match_ignore("keep.key", Strings{"*.key", "!keep.key"}).ignored);
  CHECK(match_ignore("keep.key", Strings{"*.key", "!keep.key"}).last_pattern == 1);
  CHECK(match_ignore("other", Strings{"*.key"}).last_pattern == -1);
  CHECK_FALSE(match_ignore(".", patterns).ignored);
  CHECK_FALSE(match_ignore("Dockerfile.torchx", patterns).ignored);
}

TEST_CASE("util::workspace_files keeps what TorchX's walk_workspace keeps") {
  // TorchX's own example (its walk_workspace test, torchx-behaviour.md §8).
  torchx::test::TempDir tmp;
  tmp.write("ws/.torchxignore",
            "ignoredir\nignorefile\nthree/part/ignore\n*/ignorefileglo*1\n**/ignorefileglob2\ndir?\nunignore\n!unignore\n");
  for (const char* f : {"ignoredir/file", "ignorefile", "three/part/ignore", "dir/ignorefileglob1", "dir/recursive/ignorefileglob2",
                        "dir1/file", "dir/file", "dir/ignorefile", "foo.sh", "ignorefilesuffix", "unignore"}) {
    tmp.write(std::string("ws/") + f, "x");
  }
  CHECK(workspace_files(tmp.path() / "ws") ==
        Strings{".torchxignore", "dir/file", "dir/ignorefile", "foo.sh", "ignorefilesuffix", "unignore"});
}

TEST_CASE("util::workspace_files: an ignored directory is not entered, in a kept one only later patterns apply") {
  torchx::test::TempDir tmp;
  tmp.write("ws/.torchxignore", "data\n!data/keep.txt\nlogs\n!logs\nlogs/*.tmp\n");
  tmp.write("ws/data/keep.txt", "x");  // data/ is pruned: '!data/keep.txt' cannot bring it back
  tmp.write("ws/logs/a.txt", "x");
  tmp.write("ws/logs/b.tmp", "x");
  tmp.write("ws/main.py", "x");
  CHECK(workspace_files(tmp.path() / "ws") == Strings{".torchxignore", "logs/a.txt", "main.py"});
  // No ignore file: everything.
  tmp.write("plain/a", "x");
  tmp.write("plain/sub/b", "x");
  CHECK(workspace_files(tmp.path() / "plain") == Strings{"a", "sub/b"});
}

TEST_CASE("util::workspace_files skips links it cannot follow and does not enter linked directories") {
  torchx::test::TempDir tmp;
  tmp.write("ws/main.py", "x");
  tmp.write("outside/data.txt", "x");
  const auto ws = tmp.path() / "ws";
  std::filesystem::create_symlink("loop2", ws / "loop1");  // a loop: stat fails with ELOOP
  std::filesystem::create_symlink("loop1", ws / "loop2");
  std::filesystem::create_symlink("missing", ws / "dangling");
  std::filesystem::create_symlink("/", ws / "root");           // not followed into a huge copy
  std::filesystem::create_symlink("..", ws / "up");            // nor into a cycle
  std::filesystem::create_symlink(tmp.path() / "outside/data.txt", ws / "data.txt");  // a file: its content
  CHECK(workspace_files(ws) == Strings{"data.txt", "main.py"});
  std::filesystem::create_directories(tmp.path() / "job");
  copy_workspace(ws, tmp.path() / "job");
  CHECK(std::filesystem::is_regular_file(tmp.path() / "job/data.txt"));
}

TEST_CASE("util::workspace_files refuses the root directory: the whole filesystem (with /proc) is no workspace") {
  CHECK_THROWS_WITH_AS(workspace_files("/"),
                       "the workspace '/' is the root directory: expected a project's directory",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(workspace_files("/tmp/.."),
                       "the workspace '/tmp/..' is the root directory: expected a project's directory",
                       std::invalid_argument);
}

TEST_CASE("util::copy_workspace copies the kept files with their permissions") {
  torchx::test::TempDir tmp;
  tmp.write("ws/.torchxignore", "*.key\n");
  tmp.write("ws/run.sh", "#!/bin/sh\n");
  ::chmod((tmp.path() / "ws/run.sh").c_str(), 0755);
  tmp.write("ws/secret.key", "no");
  tmp.write("ws/sub/data.txt", "data");
  std::filesystem::create_directories(tmp.path() / "job");
  copy_workspace(tmp.path() / "ws", tmp.path() / "job");
  CHECK(std::filesystem::exists(tmp.path() / "job/run.sh"));
  CHECK(std::filesystem::exists(tmp.path() / "job/sub/data.txt"));
  CHECK(std::filesystem::exists(tmp.path() / "job/.torchxignore"));
  CHECK_FALSE(std::filesystem::exists(tmp.path() / "job/secret.key"));
  CHECK((std::filesystem::status(tmp.path() / "job/run.sh").permissions() & std::filesystem::perms::owner_exec) !=
        std::filesystem::perms::none);
  CHECK_THROWS_AS(copy_workspace(tmp.path() / "missing", tmp.path() / "job"), std::filesystem::filesystem_error);
}

TEST_SUITE_END();
