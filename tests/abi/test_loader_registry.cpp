// SPDX-License-Identifier: BSD-3-Clause
#include "registry.hpp"

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <map>

using namespace torchx::loader;
using torchx::test::TempDir;

namespace {

using Env = std::map<std::string, std::string>;

SearchPathInputs inputs(const Env& env, std::vector<std::string> cli = {}, bool secure = false) {
  SearchPathInputs in;
  in.cli_dirs = std::move(cli);
  in.getenv = [env](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  in.secure = secure;
  in.exe_dir = "/opt/torchx/bin";
  return in;
}

std::vector<std::string> paths(const std::vector<SearchDir>& dirs) {
  std::vector<std::string> out;
  for (const auto& d : dirs) out.push_back(d.path.string() + " " + d.origin);
  return out;
}

std::string manifest(const std::string& name, const std::string& scheduler) {
  return R"({"file_format_version": "1.0.0", "plugin": {"name": ")" + name +
         R"(", "version": "1", "library_path": "lib.so", "abi_versions": [1], "provides": {"schedulers": [")" + scheduler +
         R"("]}}})";
}

}  // namespace

TEST_SUITE_BEGIN("loader");

TEST_CASE("loader::plugin_search_path orders flag, env, user, system and bundled dirs") {
  CHECK(paths(plugin_search_path(inputs({{"HOME", "/home/u"}}, {"/flag/a", "/flag/b"}))) ==
        std::vector<std::string>{"/flag/a --plugin-path", "/flag/b --plugin-path",
                                 "/home/u/.local/share/torchx/plugins.d user", "/etc/torchx/plugins.d system",
                                 "/usr/local/share/torchx/plugins.d system", "/usr/share/torchx/plugins.d system",
                                 "/opt/torchx/share/torchx/plugins.d bundled"});
  CHECK(paths(plugin_search_path(inputs({{"HOME", "/home/u"},
                                         {"TORCHX_PLUGIN_PATH", "/env/a::/env/b:relative"},
                                         {"XDG_DATA_HOME", "/xdg/home"},
                                         {"XDG_DATA_DIRS", "/xdg/d1:/etc"}}))) ==
        std::vector<std::string>{"/env/a TORCHX_PLUGIN_PATH", "/env/b TORCHX_PLUGIN_PATH",
                                 "/xdg/home/torchx/plugins.d user", "/etc/torchx/plugins.d system",
                                 "/xdg/d1/torchx/plugins.d system", "/opt/torchx/share/torchx/plugins.d bundled"});
}

TEST_CASE("loader::plugin_search_path: TORCHX_PLUGIN_SYSTEM_PATH replaces user, system and bundled dirs") {
  CHECK(paths(plugin_search_path(inputs({{"TORCHX_PLUGIN_SYSTEM_PATH", "/hermetic"}, {"TORCHX_PLUGIN_PATH", "/p"}},
                                        {"/f"}))) ==
        std::vector<std::string>{"/f --plugin-path", "/p TORCHX_PLUGIN_PATH", "/hermetic TORCHX_PLUGIN_SYSTEM_PATH"});
}

TEST_CASE("loader::plugin_search_path ignores overrides and user dirs in a setuid process") {
  CHECK(paths(plugin_search_path(inputs({{"HOME", "/home/u"},
                                         {"TORCHX_PLUGIN_PATH", "/evil"},
                                         {"TORCHX_PLUGIN_SYSTEM_PATH", "/evil2"},
                                         {"XDG_DATA_DIRS", "/evil3"}},
                                        {"/evil4"}, /*secure=*/true))) ==
        std::vector<std::string>{"/etc/torchx/plugins.d system", "/usr/local/share/torchx/plugins.d system",
                                 "/usr/share/torchx/plugins.d system", "/opt/torchx/share/torchx/plugins.d bundled"});
}

TEST_CASE("loader::Registry::discover: sorted, first found wins, the rest noted") {
  TempDir tmp;
  tmp.write("a/20-beta.json", manifest("beta", "b"));
  tmp.write("a/10-alpha.json", manifest("alpha", "a"));
  tmp.write("a/30-broken.json", "{nope");
  tmp.write("a/readme.txt", "not a manifest");
  tmp.write("b/alpha.json", manifest("alpha", "a2"));
  tmp.write("b/gamma.json", manifest("gamma", "b"));  // provides scheduler 'b' too: beta's wins
  tmp.write("b/test_skip.json", manifest("test_skip", "t"));
  const std::string a = (tmp.path() / "a").string();
  const std::string b = (tmp.path() / "b").string();
  RegistryOptions options;
  options.search = inputs({{"TORCHX_PLUGIN_SYSTEM_PATH", a + ":" + b}, {"TORCHX_PLUGINS_DISABLE", "test_*, zzz"}});
  const Registry r = Registry::discover(options);

  std::vector<std::string> names;
  for (const auto& p : r.plugins()) names.push_back(p.manifest.name);
  CHECK(names == std::vector<std::string>{"alpha", "beta", "gamma"});
  CHECK(r.names(Kind::scheduler) == std::vector<std::string>{"a", "b"});
  CHECK(r.provider(Kind::scheduler, "b")->manifest.name == "beta");
  CHECK(r.provider(Kind::scheduler, "a2") == nullptr);
  CHECK(r.provider(Kind::component, "a") == nullptr);
  CHECK(r.plugin("gamma") != nullptr);

  REQUIRE(r.skipped().size() == 3);
  CHECK(r.skipped()[0].plugin == "30-broken");
  CHECK(r.skipped()[0].reason.starts_with("invalid manifest: not valid JSON"));
  CHECK(r.skipped()[0].is_warning);
  CHECK(r.skipped()[1].plugin == "alpha");
  CHECK(r.skipped()[1].reason == "shadowed by " + a + "/10-alpha.json");
  CHECK_FALSE(r.skipped()[1].is_warning);
  CHECK(r.skipped()[2].reason == "disabled by TORCHX_PLUGINS_DISABLE");
}

TEST_CASE("loader::Registry::discover refuses directories and manifests writable by others") {
  TempDir tmp;
  const auto open_dir = tmp.path() / "open";
  tmp.write("open/x.json", manifest("x", "x"));
  ::chmod(open_dir.c_str(), 0777);
  const auto open_file = tmp.write("closed/y.json", manifest("y", "y"));
  ::chmod(open_file.c_str(), 0666);
  tmp.write("closed/z.json", manifest("z", "z"));
  RegistryOptions options;
  options.search = inputs({{"TORCHX_PLUGIN_SYSTEM_PATH", open_dir.string() + ":" + (tmp.path() / "closed").string()}});
  const Registry r = Registry::discover(options);
  REQUIRE(r.plugins().size() == 1);
  CHECK(r.plugins()[0].manifest.name == "z");
  REQUIRE(r.skipped().size() == 2);
  CHECK(r.skipped()[0].reason == "directory is writable by others, refused");
  CHECK(r.skipped()[1].reason == "manifest is writable by others, refused");
}

TEST_SUITE_END();
