// SPDX-License-Identifier: BSD-3-Clause
// The trust check of plugin directories, manifests and libraries: every rule a table row (stat
// results injected), then the real filesystem as root (chown to nobody, group-writable, /tmp).
#include "plugin_library.hpp"
#include "registry.hpp"
#include "trust.hpp"

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <map>

using namespace torchx::loader;
using torchx::test::TempDir;

namespace {

constexpr uid_t k_user = 1000;
constexpr uid_t k_nobody = 65534;

/// A filesystem of paths -> (owner, mode); a path not listed does not exist, one with mode 0 and
/// uid 1 cannot be stat'ed (EACCES).
using FakeFs = std::map<std::string, PathStat>;

/// Symlinks: the link's path -> (target, the link's owner).
using FakeLinks = std::map<std::string, SymlinkStat>;

TrustInputs fake(const FakeFs& fs, uid_t uid, FakeLinks links = {}) {
  TrustInputs in;
  in.stat = [fs](const std::filesystem::path& p, int& error) -> std::optional<PathStat> {
    auto it = fs.find(p.string());
    if (it == fs.end()) {
      error = ENOENT;
      return std::nullopt;
    }
    if (it->second.mode == 0) {
      error = EACCES;
      return std::nullopt;
    }
    return it->second;
  };
  in.read_link = [links](const std::filesystem::path& p) -> std::optional<SymlinkStat> {
    auto it = links.find(p.string());
    if (it == links.end()) return std::nullopt;
    return it->second;
  };
  in.uid = uid;
  return in;
}

constexpr mode_t dir(mode_t perms) { return S_IFDIR | perms; }
constexpr mode_t file(mode_t perms) { return S_IFREG | perms; }

/// The usual tree: /, /opt, /opt/p (the plugin dir) and /opt/p/x.json, root-owned, 755/644.
FakeFs tree() {
  return {{"/", {0, dir(0755)}},
          {"/opt", {0, dir(0755)}},
          {"/opt/p", {0, dir(0755)}},
          {"/opt/p/x.json", {0, file(0644)}},
          {"/tmp", {0, dir(01777)}},
          {"/home", {0, dir(0755)}},
          {"/home/bob", {1001, dir(0755)}},
          {"/home/bob/lib.so", {1001, file(0755)}}};
}

std::string reason(const std::string& path, const FakeFs& fs, uid_t uid = k_user, FakeLinks links = {}) {
  return untrusted_reason(path, fake(fs, uid, std::move(links))).value_or("(trusted)");
}

}  // namespace

TEST_SUITE_BEGIN("loader");

TEST_CASE("loader::untrusted_reason: one row per rule") {
  struct Row {
    const char* rule;
    std::string path;
    FakeFs fs;
    uid_t uid;
    std::string expected;
  };
  auto with = [](std::initializer_list<std::pair<const std::string, PathStat>> changes) {
    FakeFs fs = tree();
    for (const auto& [p, st] : changes) fs[p] = st;
    return fs;
  };
  const std::vector<Row> rows = {
      {"root-owned, 0644, under root-owned 0755 dirs", "/opt/p/x.json", tree(), k_user, "(trusted)"},
      {"owned by the invoking user", "/opt/p/x.json", with({{"/opt/p/x.json", {k_user, file(0644)}}}), k_user,
       "(trusted)"},
      {"a directory owned by the user", "/opt/p", with({{"/opt/p", {k_user, dir(0700)}}}), k_user, "(trusted)"},
      {"owned by another user", "/opt/p/x.json", with({{"/opt/p/x.json", {k_nobody, file(0644)}}}), k_user,
       "is owned by uid 65534, not by root or the invoking user (uid 1000)"},
      {"as root, another user's file", "/opt/p/x.json", with({{"/opt/p/x.json", {k_user, file(0644)}}}), 0,
       "is owned by uid 1000, not by root or the invoking user (uid 0)"},
      {"group-writable", "/opt/p/x.json", with({{"/opt/p/x.json", {0, file(0664)}}}), k_user,
       "is writable by its group (mode 0664)"},
      {"world-writable", "/opt/p/x.json", with({{"/opt/p/x.json", {0, file(0646)}}}), k_user,
       "is writable by others (mode 0646)"},
      {"a world-writable sticky dir is not a parent: refused itself", "/tmp", tree(), k_user,
       "is writable by others (mode 1777)"},
      {"a parent owned by another user", "/opt/p/x.json", with({{"/opt/p", {k_nobody, dir(0755)}}}), k_user,
       "is in /opt/p, which is owned by uid 65534, not by root or the invoking user (uid 1000)"},
      {"a grandparent owned by another user", "/opt/p/x.json", with({{"/opt", {k_nobody, dir(0755)}}}), k_user,
       "is in /opt, which is owned by uid 65534, not by root or the invoking user (uid 1000)"},
      {"/ owned by another user", "/opt/p", with({{"/", {k_nobody, dir(0755)}}}), k_user,
       "is in /, which is owned by uid 65534, not by root or the invoking user (uid 1000)"},
      {"a group-writable parent", "/opt/p/x.json", with({{"/opt", {0, dir(0775)}}}), k_user,
       "is in /opt, which is writable by its group (mode 0775) and not sticky"},
      {"a world-writable parent", "/opt/p/x.json", with({{"/opt", {0, dir(0777)}}}), k_user,
       "is in /opt, which is writable by others (mode 0777) and not sticky"},
      {"a sticky world-writable parent, the child root's", "/tmp/p", with({{"/tmp/p", {0, dir(0755)}}}), k_user,
       "(trusted)"},
      {"a sticky world-writable parent, the child the user's", "/tmp/p", with({{"/tmp/p", {k_user, dir(0700)}}}),
       k_user, "(trusted)"},
      {"a sticky world-writable parent, the child another user's", "/tmp/p",
       with({{"/tmp/p", {k_nobody, dir(0755)}}}), k_user,
       "is owned by uid 65534, not by root or the invoking user (uid 1000)"},
      {"a sticky parent owned by another user", "/tmp/p",
       with({{"/tmp", {k_nobody, dir(01777)}}, {"/tmp/p", {0, dir(0755)}}}), k_user,
       "is in /tmp, which is owned by uid 65534, not by root or the invoking user (uid 1000)"},
      {"a parent that cannot be stat'ed", "/opt/p/x.json", with({{"/opt", {1, 0}}}), k_user,
       "cannot be checked: /opt: Permission denied"},
      {"missing: left to whoever opens it", "/opt/p/nope.json", tree(), k_user, "(trusted)"},
      {"missing under an untrusted parent", "/opt/p/nope.json", with({{"/opt/p", {k_nobody, dir(0755)}}}), k_user,
       "is in /opt/p, which is owned by uid 65534, not by root or the invoking user (uid 1000)"},
      {"a trailing slash and dots", "/opt/./p/", with({{"/opt/p", {k_nobody, dir(0755)}}}), k_user,
       "is owned by uid 65534, not by root or the invoking user (uid 1000)"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.rule);
    CHECK(reason(row.path, row.fs, row.uid) == row.expected);
  }
}

TEST_CASE("loader::untrusted_reason follows symlinks: what they point to, and its parents, must be trusted too") {
  FakeFs fs = tree();
  fs["/opt/p/lib.so"] = {0, file(0755)};  // stat follows the link: here, as if it were root's
  CHECK(reason("/opt/p/lib.so", fs, k_user, {{"/opt/p/lib.so", {"/home/bob/lib.so", 0}}}) ==
        "is owned by uid 1001, not by root or the invoking user (uid 1000)");
  fs["/home/bob/lib.so"] = {0, file(0755)};
  CHECK(reason("/opt/p/lib.so", fs, k_user, {{"/opt/p/lib.so", {"/home/bob/lib.so", 0}}}) ==
        "is in /home/bob, which is owned by uid 1001, not by root or the invoking user (uid 1000)");
  CHECK(reason("/opt/p/lib.so", fs, 1001, {{"/opt/p/lib.so", {"/home/bob/lib.so", 0}}}) == "(trusted)");
}

TEST_CASE("loader::untrusted_reason checks every symlink on the way, not only where the chain ends") {
  FakeFs fs = tree();
  fs["/opt/p/lib.so"] = {0, file(0755)};
  fs["/opt/real.so"] = {0, file(0755)};
  // /opt/p/lib.so -> /home/bob/hop -> /opt/real.so: the end is root's, but bob can repoint his hop.
  const FakeLinks through_bob = {{"/opt/p/lib.so", {"/home/bob/hop", 0}}, {"/home/bob/hop", {"/opt/real.so", 1001}}};
  CHECK(reason("/opt/p/lib.so", fs, k_user, through_bob) ==
        "is reached through the symlink /home/bob/hop, which is owned by uid 1001, not by root or the invoking user "
        "(uid 1000)");
  // The same hop owned by root, in bob's directory: bob can still replace it.
  FakeLinks roots_link_in_bobs_dir = through_bob;
  roots_link_in_bobs_dir["/home/bob/hop"].uid = 0;
  CHECK(reason("/opt/p/lib.so", fs, k_user, roots_link_in_bobs_dir) ==
        "is reached through the symlink /home/bob/hop, which is in /home/bob, which is owned by uid 1001, not by root "
        "or the invoking user (uid 1000)");
  CHECK(reason("/opt/p/lib.so", fs, 1001, through_bob) == "(trusted)");
  // A relative link in a trusted dir, to a trusted file: trusted.
  CHECK(reason("/opt/p/lib.so", fs, k_user, {{"/opt/p/lib.so", {"../real.so", 0}}}) == "(trusted)");
  // "dir-link/.." is the link target's parent (as the kernel resolves it), not the link's dir.
  fs["/opt/p/up"] = {0, dir(0755)};
  fs["/home/bob/x.so"] = {1001, file(0755)};
  CHECK(reason("/opt/p/up/../x.so", fs, k_user, {{"/opt/p/up", {"/home/bob/sub", 0}}}) ==
        "is owned by uid 1001, not by root or the invoking user (uid 1000)");
  // A symlink loop: refused, not looped on.
  CHECK(reason("/opt/p/lib.so", fs, k_user, {{"/opt/p/lib.so", {"/opt/p/lib.so", 0}}}) ==
        "cannot be checked: /opt/p/lib.so: Too many levels of symbolic links");
}

namespace {

/// A copy of the good fixture under `root`: plugins.d/fx_good.json and lib/libtorchx_plugin_fx_good.so.
void copy_good(const std::filesystem::path& root) {
  std::filesystem::create_directories(root);
  std::filesystem::copy(std::filesystem::path(TORCHX_FIXTURE_DIR) / "good", root,
                        std::filesystem::copy_options::recursive);
}

/// Discovery of `dir` alone, with no policy.
Registry discover_in(const std::filesystem::path& dir) {
  RegistryOptions options;
  options.search.getenv = [dir](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "TORCHX_PLUGIN_SYSTEM_PATH") return dir.string();
    return std::nullopt;
  };
  options.search.secure = false;
  options.policy = PluginPolicy{};
  return Registry::discover(options);
}

/// The reasons of what discovery of `dir` skipped, one per line.
std::string skipped(const Registry& r) {
  std::string out;
  for (const auto& s : r.skipped()) out += s.path.string() + ": " + s.reason + "\n";
  return out;
}

const std::string k_not_ours = "is owned by uid 65534, not by root or the invoking user (uid 0)";

}  // namespace

TEST_CASE("loader: as root, plugins owned by another user, group-writable or under another user's dir are refused") {
  if (::getuid() != 0) {
    MESSAGE("skipped: needs root to chown files to nobody");
    return;
  }
  TempDir tmp;  // mkdtemp under /tmp: root's, 0700, in a sticky world-writable dir
  const auto dir = tmp.path() / "good/plugins.d";
  const auto manifest = dir / "fx_good.json";
  const auto library = (tmp.path() / "good/lib/libtorchx_plugin_fx_good.so").string();

  SUBCASE("a root-owned plugin dir under /tmp (sticky, world-writable) is trusted and loads") {
    copy_good(tmp.path() / "good");
    const Registry r = discover_in(dir);
    CHECK(skipped(r) == "");
    REQUIRE(r.plugins().size() == 1);
    CHECK(r.load(r.plugins()[0])->abi_version() == 1);
  }
  SUBCASE("a plugin dir owned by nobody") {
    copy_good(tmp.path() / "good");
    REQUIRE(::chown(dir.c_str(), k_nobody, k_nobody) == 0);
    CHECK(skipped(discover_in(dir)) == dir.string() + ": directory " + k_not_ours + ", refused\n" + manifest.string() +
                                           ": directory " + k_not_ours + ", refused\n");
  }
  SUBCASE("a manifest owned by nobody") {
    copy_good(tmp.path() / "good");
    REQUIRE(::chown(manifest.c_str(), k_nobody, k_nobody) == 0);
    CHECK(skipped(discover_in(dir)) == manifest.string() + ": manifest " + k_not_ours + ", refused\n");
  }
  SUBCASE("a library owned by nobody: refused by discovery and by the loader") {
    copy_good(tmp.path() / "good");
    REQUIRE(::chown(library.c_str(), k_nobody, k_nobody) == 0);
    CHECK(skipped(discover_in(dir)) == manifest.string() + ": library " + library + " " + k_not_ours + ", refused\n");
    try {
      (void)PluginLibrary::load(parse_manifest(manifest));
      FAIL("expected PluginLoadError");
    } catch (const PluginLoadError& e) {
      CHECK(e.reason() == "library " + library + " " + k_not_ours + ", refused");
    }
  }
  SUBCASE("a library reached through a symlink in a directory owned by nobody") {
    copy_good(tmp.path() / "good");
    // lib/libtorchx_plugin_fx_good.so -> theirs/hop -> lib/real.so: all root's but theirs/, whose
    // owner can repoint hop at any time.
    const auto theirs = tmp.path() / "theirs";
    const auto real = tmp.path() / "good/lib/real.so";
    std::filesystem::create_directories(theirs);
    std::filesystem::rename(library, real);
    std::filesystem::create_symlink(real, theirs / "hop");
    std::filesystem::create_symlink(theirs / "hop", library);
    REQUIRE(::chown(theirs.c_str(), k_nobody, k_nobody) == 0);
    const std::string why = "library " + library + " is reached through the symlink " + (theirs / "hop").string() +
                            ", which is in " + theirs.string() + ", which " + k_not_ours + ", refused";
    CHECK(skipped(discover_in(dir)) == manifest.string() + ": " + why + "\n");
    try {
      (void)PluginLibrary::load(parse_manifest(manifest));
      FAIL("expected PluginLoadError");
    } catch (const PluginLoadError& e) {
      CHECK(e.reason() == why);
    }
  }
  SUBCASE("a group-writable plugin dir") {
    copy_good(tmp.path() / "good");
    REQUIRE(::chmod(dir.c_str(), 0775) == 0);
    CHECK(skipped(discover_in(dir)) == dir.string() + ": directory is writable by its group (mode 0775), refused\n" +
                                           manifest.string() + ": directory is writable by its group (mode 0775), refused\n");
  }
  SUBCASE("a plugin dir under a parent owned by nobody") {
    copy_good(tmp.path() / "theirs/good");
    const auto theirs = tmp.path() / "theirs";
    const auto their_dir = theirs / "good/plugins.d";
    REQUIRE(::chown(theirs.c_str(), k_nobody, k_nobody) == 0);
    const std::string why = "directory is in " + theirs.string() + ", which " + k_not_ours + ", refused";
    CHECK(skipped(discover_in(their_dir)) ==
          their_dir.string() + ": " + why + "\n" + (their_dir / "fx_good.json").string() + ": " + why + "\n");
  }
}

TEST_CASE("loader::TrustMemo: the same verdict and text as untrusted_reason on the real filesystem, asked in any order") {
  // TrustMemo judges a plain absolute path from one lstat per component when none is a symlink,
  // and goes the long way (untrusted_reason) otherwise: every path below, in every state, must get
  // untrusted_reason's exact answer, and TrustMemo::stat must agree with stat(2).
  TempDir tmp;
  const auto t = tmp.path();
  const bool root = ::getuid() == 0;
  std::filesystem::create_directories(t / "ok/plugins.d");
  std::filesystem::create_directories(t / "group/plugins.d");
  std::filesystem::create_directories(t / "sticky/plugins.d");
  std::filesystem::create_directories(t / "open/plugins.d");
  std::filesystem::create_directories(t / "real/lib");
  tmp.write("ok/plugins.d/a.json", "{}");
  tmp.write("ok/plugins.d/w.json", "{}");
  tmp.write("ok/file", "x");
  tmp.write("real/lib/lib.so", "x");
  tmp.write("group/plugins.d/a.json", "{}");
  REQUIRE(::chmod((t / "ok/plugins.d/w.json").c_str(), 0666) == 0);
  REQUIRE(::chmod((t / "group").c_str(), 0775) == 0);
  REQUIRE(::chmod((t / "sticky").c_str(), 01777) == 0);
  REQUIRE(::chmod((t / "open").c_str(), 0777) == 0);
  std::filesystem::create_symlink(t / "real/lib", t / "ok/lib");            // a symlinked directory
  std::filesystem::create_symlink("../real/lib/lib.so", t / "ok/rel.so");  // a relative link to a file
  std::filesystem::create_symlink(t / "open", t / "ok/to-open");           // to a world-writable dir
  std::filesystem::create_symlink(t / "ok/loop", t / "ok/loop");           // a loop
  std::filesystem::create_symlink(t / "nowhere", t / "ok/dangling");
  if (root) {
    std::filesystem::create_directories(t / "theirs/plugins.d");
    REQUIRE(::chown((t / "theirs").c_str(), k_nobody, k_nobody) == 0);
    std::filesystem::create_symlink(t / "real/lib", t / "ok/their-link");
    REQUIRE(::lchown((t / "ok/their-link").c_str(), k_nobody, k_nobody) == 0);
  }
  std::vector<std::filesystem::path> paths = {
      "/", t, t / "ok", t / "ok/plugins.d", t / "ok/plugins.d/a.json", t / "ok/plugins.d/w.json",
      t / "ok/plugins.d/missing.json", t / "missing/plugins.d", t / "ok/file/below", t / "group/plugins.d",
      t / "group/plugins.d/a.json", t / "sticky/plugins.d", t / "sticky", t / "open", t / "open/plugins.d",
      t / "ok/lib", t / "ok/lib/lib.so", t / "ok/rel.so", t / "ok/to-open/plugins.d", t / "ok/loop",
      t / "ok/loop/x", t / "ok/dangling", t / "ok/dangling/x", t / "ok/./plugins.d", t / "ok/plugins.d/",
      t / "ok/lib/../plugins.d", "relative/x"};
  if (root) {
    for (const char* p : {"theirs", "theirs/plugins.d", "ok/their-link", "ok/their-link/lib.so"}) paths.push_back(t / p);
  }
  // Hostile lengths: a component longer than NAME_MAX, a path longer than PATH_MAX.
  paths.push_back(t / "ok" / std::string(300, 'x'));
  std::filesystem::path deep = t / "ok";
  while (deep.native().size() < 5000) deep /= std::string(200, 'd');
  paths.push_back(deep);
  auto expected = [](const std::filesystem::path& p) { return untrusted_reason(p).value_or("(trusted)"); };
  TrustMemo shared{TrustInputs{}};  // one memo for every question, as a discovery uses it
  for (int round = 0; round < 2; ++round) {  // the second round answers from what the first read
    for (const auto& p : paths) {
      CAPTURE(p);
      CAPTURE(round);
      const std::string want = expected(p);
      CHECK(shared.directory_reason(p).value_or("(trusted)") == want);
      CHECK(shared.reason(p).value_or("(trusted)") == want);
      TrustMemo fresh{TrustInputs{}};  // a file asked first, before its directory
      CHECK(fresh.reason(p).value_or("(trusted)") == want);
      CHECK(fresh.directory_reason(p).value_or("(trusted)") == want);
      struct stat st {};
      const int rc = ::stat(p.c_str(), &st);
      const int stat_errno = rc == 0 ? 0 : errno;
      int error = 0;
      const auto memo_st = shared.stat(p, error);
      REQUIRE(memo_st.has_value() == (rc == 0));
      if (memo_st) {
        CHECK(memo_st->uid == st.st_uid);
        CHECK(memo_st->mode == st.st_mode);
      } else {
        CHECK(error == stat_errno);
      }
    }
  }
  // Some of the answers above are refusals, of each kind: the comparison is not of trusted paths only.
  CHECK(expected(t / "group/plugins.d") == "is in " + (t / "group").string() +
                                               ", which is writable by its group (mode 0775) and not sticky");
  CHECK(expected(t / "ok/plugins.d/w.json") == "is writable by others (mode 0666)");
  CHECK(expected(t / "ok/to-open/plugins.d") == "is in " + (t / "ok/to-open").string() +
                                                    ", which is writable by others (mode 0777) and not sticky");
  CHECK(expected(t / "ok/loop") == "cannot be checked: " + (t / "ok/loop").string() + ": Too many levels of symbolic links");
  CHECK(expected(t / "ok/file/below") == "cannot be checked: " + (t / "ok/file/below").string() + ": Not a directory");
  CHECK(expected(t / "sticky/plugins.d") == "(trusted)");
  CHECK(expected(deep) == "cannot be checked: " + deep.string() + ": File name too long");
  if (root) {
    CHECK(expected(t / "ok/their-link/lib.so") == "is reached through the symlink " + (t / "ok/their-link").string() +
                                                      ", which is owned by uid 65534, not by root or the invoking user (uid 0)");
  }
}

TEST_CASE("loader::TrustMemo::stat: a directory created after it read it as missing is seen after forget()") {
  TempDir tmp;
  const auto dir = tmp.path() / "later/plugins";
  TrustMemo memo{TrustInputs{}};
  int error = 0;
  CHECK_FALSE(memo.stat(dir, error).has_value());
  CHECK(error == ENOENT);
  CHECK(memo.directory_reason(dir) == std::nullopt);  // missing is not refused
  std::filesystem::create_directories(dir);
  REQUIRE(::chmod(dir.c_str(), 0777) == 0);
  CHECK_FALSE(memo.stat(dir, error).has_value());  // remembered: as old as the discovery
  memo.forget();
  const auto st = memo.stat(dir, error);
  REQUIRE(st.has_value());
  CHECK(S_ISDIR(st->mode));
  CHECK(memo.directory_reason(dir) == "is writable by others (mode 0777)");
}

TEST_SUITE_END();
