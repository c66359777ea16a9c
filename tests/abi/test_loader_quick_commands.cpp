// SPDX-License-Identifier: BSD-3-Clause
// loader::quick_commands (host/loader/quick_commands.hpp): the commands `torchx --help` lists,
// from the discovery cache without a registry: what Registry::discover says or nothing, never
// stale and never where discover would warn.
#include "manifest_cache.hpp"
#include "quick_commands.hpp"
#include "registry.hpp"

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace torchx::loader;
using torchx::test::TempDir;
namespace fs = std::filesystem;

namespace {

/// A manifest of plugin `name` with a library in ../lib and the commands `commands` (JSON list
/// items), plus `provides` members (`"components": [...]`, ...).
std::string manifest(const std::string& name, const std::string& commands, const std::string& provides = "",
                     const std::string& top = "") {
  return R"({"file_format_version": "1.2.0", "plugin": {"name": ")" + name +
         R"(", "version": "1", "description": "d", "library_path": "../lib/lib)" + name +
         R"(.so", "abi_versions": [1], "provides": {"schedulers": ["s_)" + name + R"("], "commands": [)" + commands +
         "]" + (provides.empty() ? "" : ", " + provides) + "}" + top + "}}";
}

std::string command(const std::string& verb) {
  return R"({"name": ")" + verb + R"(", "description": "the )" + verb + R"( command"})";
}

/// Two plugin directories and a cache root in a private temporary directory.
struct World {
  TempDir tmp;
  fs::path first = tmp.path() / "first/plugins.d";
  fs::path second = tmp.path() / "second/plugins.d";
  fs::path cache = tmp.path() / "cache/torchx/plugins";
  std::string disable;

  World() {
    fs::create_directories(first);
    fs::create_directories(second);
    fs::create_directories(tmp.path() / "first/lib");
  }
  void write(const fs::path& file, const std::string& text) const { std::ofstream(file, std::ios::trunc) << text; }

  RegistryOptions options() const {
    RegistryOptions o;
    o.search.getenv = [this](const char* name) -> std::optional<std::string> {
      if (std::string(name) == "TORCHX_PLUGIN_SYSTEM_PATH") return first.string() + ":" + second.string();
      if (std::string(name) == "TORCHX_PLUGINS_DISABLE" && !disable.empty()) return disable;
      return std::nullopt;
    };
    o.search.secure = false;
    o.policy = PluginPolicy{};
    o.cache_root = cache;
    o.cache_racy_ns = 0;  // the files were just written: keep them all
    o.reserved_commands = {"run", "list"};
    o.debug = [](const std::string&) {};
    return o;
  }

  /// Registry::discover's commands (it also writes the cache).
  std::vector<CommandLine> discovered() const {
    const Registry r = Registry::discover(options());
    std::vector<CommandLine> out;
    for (const auto& c : r.commands()) out.push_back({c.decl.name, c.decl.description, c.plugin->manifest.name});
    return out;
  }
  /// Whether discover warns (a skipped manifest that is a warning).
  bool warned() const {
    const Registry r = Registry::discover(options());
    for (const auto& s : r.skipped()) {
      if (s.is_warning) return true;
    }
    return false;
  }
  std::optional<std::vector<CommandLine>> quick() const { return quick_commands(options()); }
};

std::string text(const std::optional<std::vector<CommandLine>>& lines) {
  if (!lines) return "(none)";
  std::string out;
  for (const auto& l : *lines) out += l.verb + "|" + l.description + "|" + l.plugin + "\n";
  return out;
}

}  // namespace

TEST_SUITE_BEGIN("loader");

TEST_CASE("loader::quick_commands: from a warm cache, the commands of Registry::discover") {
  World w;
  w.write(w.first / "a.json", manifest("a", command("alpha") + ", " + command("beta")));
  w.write(w.first / "b.json",
          manifest("b", "", R"("components": ["comp"])", R"(, "python_components": {"pycomp": "m.n:f"})"));
  w.write(w.first / "c.json", manifest("a", command("shadowed")));  // plugin 'a' again: shadowed
  w.write(w.second / "d.json", manifest("d", command("delta"), "", R"(, "python_components": {"pycomp": "x:y"})"));
  w.write(w.second / "e.json", manifest("e", command("echo")));
  w.disable = "e";
  CHECK(w.quick() == std::nullopt);  // no cache yet: discover must build it
  const auto expected = w.discovered();
  CHECK(text(expected) == "alpha|the alpha command|a\nbeta|the beta command|a\ndelta|the delta command|d\n");
  REQUIRE(w.quick().has_value());
  CHECK(text(w.quick()) == text(expected));
  w.disable = "";
  CHECK(text(w.quick()) == text(w.discovered()));
  CHECK(text(w.quick()).find("echo|the echo command|e\n") != std::string::npos);
}

TEST_CASE("loader::quick_commands: never stale, and nothing where discover would warn") {
  // After each change, quick_commands answers what discover answers, or nothing (and then,
  // where discover warns, keeps answering nothing). Without its checks (the stamps, the entry
  // count, the trust of directories, manifests and libraries, the clashes), the old commands
  // would come back.
  World w;
  w.write(w.first / "a.json", manifest("a", command("alpha")));
  w.write(w.first / "b.json", manifest("b", command("beta")));
  w.write(w.first / "../lib/liba.so", "");
  fs::permissions(w.first / "../lib/liba.so", fs::perms::owner_read);
  w.discovered();
  const std::string before = text(w.quick());
  REQUIRE(before == "alpha|the alpha command|a\nbeta|the beta command|b\n");
  bool warns = false;
  bool quick_again = true;  // after discover, the quick way answers again

  SUBCASE("a manifest rewritten") { w.write(w.first / "a.json", manifest("a", command("gamma"))); }
  SUBCASE("a manifest added") { w.write(w.first / "aa.json", manifest("aa", command("new"))); }
  SUBCASE("a manifest added that shadows one") { w.write(w.first / "0.json", manifest("b", command("other"))); }
  SUBCASE("a manifest removed") { fs::remove(w.first / "b.json"); }
  SUBCASE("a manifest replaced by a symlink to the same text") {
    fs::rename(w.first / "a.json", w.first / "a.txt");
    fs::create_symlink("a.txt", w.first / "a.json");
    quick_again = false;  // a symlink's reading is never kept
  }
  SUBCASE("a manifest made writable by its group") {
    fs::permissions(w.first / "a.json", fs::perms::group_write, fs::perm_options::add);
    warns = true;
  }
  SUBCASE("the plugin directory made writable by others") {
    fs::permissions(w.first, fs::perms::others_write, fs::perm_options::add);
    warns = true;
  }
  SUBCASE("a plugin's library made writable by its group (its manifest unchanged)") {
    fs::permissions(w.first / "../lib/liba.so", fs::perms::group_write, fs::perm_options::add);
    warns = true;
  }
  SUBCASE("a manifest broken") {
    w.write(w.first / "b.json", "{");
    warns = true;
  }
  SUBCASE("a command that is a built-in verb") {
    w.write(w.first / "b.json", manifest("b", command("run")));
    warns = true;
  }
  SUBCASE("a command that another plugin provides first") {
    w.write(w.first / "b.json", manifest("b", command("alpha")));
    warns = true;
  }
  SUBCASE("a Python component that a plugin's component hides") {
    w.write(w.first / "b.json", manifest("b", command("beta"), R"("components": ["pycomp"])"));
    w.write(w.second / "p.json", manifest("p", "", "", R"(, "python_components": {"pycomp": "m:f"})"));
    warns = true;
  }
  SUBCASE("the cache file corrupt") {
    std::ofstream(ManifestCache::file_for(w.cache, w.first), std::ios::trunc) << "19:torchx-plugin-cache 1:3 ";
  }
  SUBCASE("TORCHX_PLUGINS_DISABLE set") { w.disable = "a"; }
  const auto quick = w.quick();
  const std::string truth = text(w.discovered());
  if (quick) CHECK(text(quick) == truth);
  CHECK(w.warned() == warns);
  if (warns) {
    CHECK(w.quick() == std::nullopt);  // every time: discover must say it
  } else if (quick_again) {
    CHECK(text(w.quick()) == truth);  // discover rebuilt the cache: the quick way answers again
  } else {
    CHECK(w.quick() == std::nullopt);
  }
}
