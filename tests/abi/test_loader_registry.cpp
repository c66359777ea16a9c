// SPDX-License-Identifier: BSD-3-Clause
#include "registry.hpp"

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
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
  in.anchor_dir = "/opt/torchx/bin";
  in.bundled_relative = "../share/torchx/plugins.d";
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
  options.policy = PluginPolicy{};  // not this machine's /etc/torchx/plugins.conf
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

TEST_CASE("loader::Registry::discover: a Python component never replaces a library's, wherever it is found") {
  TempDir tmp;
  auto library = [](const std::string& name, const std::string& component) {
    return R"({"file_format_version": "1.0.0", "plugin": {"name": ")" + name +
           R"(", "version": "1", "library_path": "lib.so", "abi_versions": [1], "provides": {"components": [")" +
           component + R"("]}}})";
  };
  auto python = [](const std::string& name, const std::string& components) {
    return R"({"file_format_version": "1.1.0", "plugin": {"name": ")" + name + R"(", "version": "1",
              "python_components": {)" +
           components + "}}}";
  };
  // The Python packages come first on the search path; the library (the builtins) last.
  tmp.write("user/pkg.json", python("pkg", R"("dist.ddp": "pkg.c:ddp", "pkg.train": "pkg.c:train", "x": "pkg.c:x")"));
  tmp.write("user/zzz.json", python("zzz", R"("pkg.train": "zzz.c:train")"));
  tmp.write("bundled/builtins.json", library("builtins", "dist.ddp"));
  const std::string user = (tmp.path() / "user").string();
  const std::string bundled = (tmp.path() / "bundled").string();
  RegistryOptions options;
  options.search = inputs({{"TORCHX_PLUGIN_SYSTEM_PATH", user + ":" + bundled}});
  options.policy = PluginPolicy::parse("[plugins]\nrequired = pkg\n", "/site.conf");
  std::vector<std::string> debug;
  options.debug = [&](const std::string& line) { debug.push_back(line); };
  const Registry r = Registry::discover(options);

  CHECK(r.provider(Kind::component, "dist.ddp")->manifest.name == "builtins");
  CHECK(r.provider(Kind::component, "pkg.train")->manifest.name == "pkg");  // the first Python package
  CHECK(r.provider(Kind::component, "x")->manifest.name == "pkg");
  CHECK(r.names(Kind::component) == std::vector<std::string>{"pkg.train", "x", "dist.ddp"});
  REQUIRE(r.skipped().size() == 1);
  CHECK(r.skipped()[0].plugin == "pkg");
  CHECK(r.skipped()[0].is_warning);
  CHECK(r.skipped()[0].reason ==
        "Python component 'dist.ddp' not used: plugin 'builtins' provides a component of that name, and a Python "
        "component never replaces a plugin's (rename it, or remove it from pkg.json)");
  CHECK(std::any_of(debug.begin(), debug.end(), [&](const std::string& l) {
    return l.ends_with("plugin 'zzz': Python component 'pkg.train' shadowed by plugin 'pkg' (" + user + "/pkg.json)");
  }));
  // A required plugin without a library is found, and there is nothing to load for it.
  CHECK(r.policy_problems().empty());
  CHECK_THROWS_WITH_AS((void)r.load(*r.plugin("pkg")),
                       doctest::Contains("it has no library to load (it provides only Python components)"),
                       PluginLoadError);
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
  options.policy = PluginPolicy{};  // not this machine's /etc/torchx/plugins.conf
  const Registry r = Registry::discover(options);
  REQUIRE(r.plugins().size() == 1);
  CHECK(r.plugins()[0].manifest.name == "z");
  REQUIRE(r.skipped().size() == 3);
  CHECK(r.skipped()[0].path == open_dir);
  CHECK(r.skipped()[0].reason == "directory is writable by others (mode 0777), refused");
  CHECK(r.skipped()[1].path == open_dir / "x.json");  // its manifests too, by plugin name, unused
  CHECK(r.skipped()[1].plugin == "x");
  CHECK(r.skipped()[1].reason == "directory is writable by others (mode 0777), refused");
  CHECK(r.skipped()[2].reason == "manifest is writable by others (mode 0666), refused");
}

TEST_CASE("loader::Registry::discover: a required plugin in a refused dir or a broken manifest is reported as skipped") {
  TempDir tmp;
  const auto open_dir = tmp.path() / "open";
  tmp.write("open/10-site.json", manifest("fx_site", "s"));  // file name and plugin name differ
  ::chmod(open_dir.c_str(), 0777);
  tmp.write("b/zz-misnamed.json", R"({"file_format_version": "1.0.0", "plugin": {"name": "delta", "version": "1"}})");
  tmp.write("b/unreadable-json.json", "{nope");
  const std::string dirs = open_dir.string() + ":" + (tmp.path() / "b").string();
  const std::string skipped_site =
      "required plugin 'fx_site' was skipped: directory is writable by others (mode 0777), refused (" + (open_dir / "10-site.json").string() + ")";
  for (const std::string required : {"fx_site delta", "fx_* delta"}) {  // a plain name and a glob
    CAPTURE(required);
    RegistryOptions options;
    options.search = inputs({{"TORCHX_PLUGIN_SYSTEM_PATH", dirs}});
    options.policy = PluginPolicy::parse("[plugins]\nrequired = " + required + "\n", "/site.conf");
    const Registry r = Registry::discover(options);
    CHECK(r.plugins().empty());
    REQUIRE(r.policy_problems().size() == 2);
    CHECK(r.policy_problems()[0] == skipped_site);
    CHECK(r.policy_problems()[1].starts_with("required plugin 'delta' was skipped: invalid manifest: "));
    CHECK(r.policy_problems()[1].ends_with("(" + (tmp.path() / "b/zz-misnamed.json").string() + ")"));
  }
  // A manifest that is not even JSON keeps its file's stem as its name.
  RegistryOptions options;
  options.search = inputs({{"TORCHX_PLUGIN_SYSTEM_PATH", dirs}});
  options.policy = PluginPolicy{};  // not this machine's /etc/torchx/plugins.conf
  const Registry r = Registry::discover(options);
  REQUIRE(r.skipped().size() == 4);
  CHECK(r.skipped()[2].plugin == "unreadable-json");
  CHECK(r.skipped()[3].plugin == "delta");
}

TEST_CASE("loader::PluginLibrary::load refuses a library writable by others, or in a directory that is") {
  TempDir tmp;
  const std::filesystem::path fixture = std::filesystem::path(TORCHX_FIXTURE_DIR) / "good";
  const auto lib = tmp.path() / "lib/libtorchx_plugin_fx_good.so";
  std::filesystem::create_directories(lib.parent_path());
  std::filesystem::copy_file(fixture / "lib/libtorchx_plugin_fx_good.so", lib);
  const auto manifest_path = tmp.path() / "plugins.d/fx_good.json";
  std::filesystem::create_directories(manifest_path.parent_path());
  std::filesystem::copy_file(fixture / "plugins.d/fx_good.json", manifest_path);
  const Manifest m = parse_manifest(manifest_path);
  REQUIRE(m.library_path == lib);
  auto reason = [&]() -> std::string {
    try {
      (void)PluginLibrary::load(m);
    } catch (const PluginLoadError& e) {
      CHECK(std::string(e.what()).starts_with("plugin 'fx_good' (" + manifest_path.string() + "): "));
      return e.reason();
    }
    return "(loaded)";
  };
  ::chmod(lib.c_str(), 0666);
  CHECK(reason() == "library " + lib.string() + " is writable by others (mode 0666), refused");
  ::chmod(lib.c_str(), 0755);
  ::chmod(lib.parent_path().c_str(), 0777);
  CHECK(reason() == "library " + lib.string() + " is in " + lib.parent_path().string() +
                        ", which is writable by others (mode 0777) and not sticky, refused");
  ::chmod(lib.parent_path().c_str(), 0755);
  CHECK(reason() == "(loaded)");  // the same library, once only its owner can write it
}

TEST_CASE("loader::ignored_settings lists what a setuid process ignores, and nothing otherwise") {
  const Env env{{"HOME", "/home/u"}, {"TORCHX_PLUGIN_PATH", "/evil"}, {"TORCHX_PLUGIN_POLICY", "/evil.conf"},
                {"TORCHX_PLUGINS_DISABLE", ""}};
  std::vector<std::string> got;
  for (const auto& i : ignored_settings(inputs(env, {"/flag"}, /*secure=*/true))) got.push_back(i.source + " " + i.value);
  CHECK(got == std::vector<std::string>{"--plugin-path /flag", "TORCHX_PLUGIN_PATH /evil", "TORCHX_PLUGIN_POLICY /evil.conf",
                                        "user dir /home/u/.local/share/torchx/plugins.d"});
  CHECK(ignored_settings(inputs(env, {"/flag"})).empty());
  // An empty TORCHX_PLUGIN_POLICY means "no policy": ignoring it matters, so it is listed.
  got.clear();
  for (const auto& i : ignored_settings(inputs({{"TORCHX_PLUGIN_POLICY", ""}}, {}, /*secure=*/true))) {
    got.push_back(i.source + " " + i.value);
  }
  CHECK(got == std::vector<std::string>{"TORCHX_PLUGIN_POLICY (empty)"});
}

TEST_CASE("loader::PluginPolicy::parse reads required and optional globs and reports every problem") {
  const auto p = PluginPolicy::parse("; comment\n[plugins]\nrequired = slurm, site_*\n  extra\noptional = site_beta\n"
                                     "required = more\nnope = 1\n[other]\na = 1\nb = 2\n",
                                     "/etc/torchx/plugins.conf");
  CHECK(p.required == std::vector<std::string>{"slurm", "site_*", "extra", "more"});
  CHECK(p.optional == std::vector<std::string>{"site_beta"});
  CHECK(p.errors == std::vector<std::string>{
                        "plugin policy /etc/torchx/plugins.conf: unknown key 'nope' in [plugins] (expected required or optional)",
                        "plugin policy /etc/torchx/plugins.conf: unknown section [other] (expected [plugins])"});
  CHECK(p.is_required("slurm"));
  CHECK(p.is_required("site_alpha"));
  CHECK_FALSE(p.is_required("site_beta"));
  CHECK_FALSE(p.is_required("local"));
  CHECK(p.required_names() == std::vector<std::string>{"slurm", "extra", "more"});
  CHECK(PluginPolicy::parse("[plugins\n", "f").errors ==
        std::vector<std::string>{"plugin policy f: line 1: expected '[section]' or 'key = value'"});
  // What inih would silently drop or cut: a NUL byte, a line longer than its buffer.
  CHECK(PluginPolicy::parse(std::string("[plugins]\n\0\nrequired = slurm\n", 29), "f").errors ==
        std::vector<std::string>{"plugin policy f: line 2: a NUL byte (is this a text file?)"});
  CHECK(PluginPolicy::parse("[plugins]\nrequired = " + std::string(1 << 20, 'a') + "\n", "f").errors ==
        std::vector<std::string>{"plugin policy f: line 2: longer than 1048574 bytes"});
}

TEST_CASE("loader::PluginPolicy::load: TORCHX_PLUGIN_POLICY, ignored in a setuid process") {
  TempDir tmp;
  const auto file = tmp.write("p.conf", "[plugins]\nrequired = x\n");
  auto p = PluginPolicy::load(inputs({{"TORCHX_PLUGIN_POLICY", file.string()}}));
  CHECK(p.file == file);
  CHECK(p.origin == "TORCHX_PLUGIN_POLICY");
  CHECK(p.required == std::vector<std::string>{"x"});
  p = PluginPolicy::load(inputs({{"TORCHX_PLUGIN_POLICY", file.string()}}, {}, /*secure=*/true));
  CHECK(p.file != file);
  CHECK(PluginPolicy::load(inputs({{"TORCHX_PLUGIN_POLICY", ""}})).file.empty());
  p = PluginPolicy::load(inputs({{"TORCHX_PLUGIN_POLICY", (tmp.path() / "none.conf").string()}}));
  REQUIRE(p.errors.size() == 1);
  CHECK(p.errors[0] == "plugin policy " + (tmp.path() / "none.conf").string() + ": not found (named by TORCHX_PLUGIN_POLICY)");
  CHECK_FALSE(p.read);
}

TEST_CASE("loader::PluginPolicy::load: a directory or a NUL byte is an error naming the file, not 'no policy'") {
  TempDir tmp;
  std::filesystem::create_directories(tmp.path() / "dir.conf");
  auto p = PluginPolicy::load(inputs({{"TORCHX_PLUGIN_POLICY", (tmp.path() / "dir.conf").string()}}));
  CHECK(p.errors == std::vector<std::string>{"plugin policy " + (tmp.path() / "dir.conf").string() +
                                             ": is a directory, not a policy file"});
  CHECK_FALSE(p.read);

  const auto file = tmp.write("nul.conf", "[plugins]\nrequired = a\n" + std::string(1, '\0') + "required = b\n");
  p = PluginPolicy::load(inputs({{"TORCHX_PLUGIN_POLICY", file.string()}}));
  CHECK(p.errors == std::vector<std::string>{"plugin policy " + file.string() + ": line 3: contains a NUL byte (not a text file?)"});
  CHECK(p.required == std::vector<std::string>{"a"});  // what comes before it is still used
  CHECK(p.read);
}

TEST_CASE("loader::Registry::discover applies the policy: required plugins missing or skipped are problems") {
  TempDir tmp;
  tmp.write("a/alpha.json", manifest("alpha", "a"));
  tmp.write("a/beta.json", "{broken");
  tmp.write("b/beta.json", manifest("beta", "b"));  // a good beta after a broken one: fine
  tmp.write("b/gamma.json", "{broken");
  const std::string dirs = (tmp.path() / "a").string() + ":" + (tmp.path() / "b").string();
  RegistryOptions options;
  options.search = inputs({{"TORCHX_PLUGIN_SYSTEM_PATH", dirs}});
  options.policy = PluginPolicy::parse("[plugins]\nrequired = alpha beta ga* delta\n", "/site.conf");
  std::vector<std::string> notes;
  options.debug = [&](const std::string& line) { notes.push_back(line); };
  const Registry r = Registry::discover(options);
  CHECK(r.is_required("alpha"));
  CHECK_FALSE(r.is_required("zeta"));
  REQUIRE(r.policy_problems().size() == 2);
  CHECK(r.policy_problems()[0] == "required plugin 'gamma' was skipped: invalid manifest: not valid JSON: syntax error (" +
                                      (tmp.path() / "b/gamma.json").string() + ")");
  CHECK(r.policy_problems()[1] ==
        "required plugin 'delta' was not found on the plugin search path (required by /site.conf; see: torchx plugins)");
  CHECK_THROWS_AS(r.check_policy(), PluginPolicyError);
  CHECK(std::find(notes.begin(), notes.end(),
                  "manifest " + (tmp.path() / "a/alpha.json").string() + ": plugin 'alpha' 1: used (required)") != notes.end());

  options.policy = PluginPolicy{};
  CHECK_NOTHROW(Registry::discover(options).check_policy());
}

TEST_SUITE_END();
