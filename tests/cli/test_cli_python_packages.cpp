// SPDX-License-Identifier: BSD-3-Clause
// Python component packages (docs/python.md): a manifest's `python_components`, listed without
// Python and run through the evaluator, and `torchx plugins add-python`, which writes that
// manifest from an installed distribution's `torchx.components` entry points. The distribution
// is tests/data/python_packages/site: a `*.dist-info` on PYTHONPATH, as pip would leave it.
#include "../support/cli_env.hpp"
#include "../support/temp_dir.hpp"
#include "util/subprocess.hpp"

#include <doctest/doctest.h>
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

#include <sys/stat.h>

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

const fs::path k_site = TORCHX_TEST_DATA_DIR "/python_packages/site";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A temporary directory with a copy of the installed package (`site`, on PYTHONPATH) and a
/// plugin dir (`plugins.d`, on --plugin-path after the test plugins).
class Packages {
 public:
  Packages() {
    fs::copy(k_site, site(), fs::copy_options::recursive);
    fs::create_directories(plugin_dir());
    ::chmod(plugin_dir().c_str(), 0755);
  }
  [[nodiscard]] const fs::path& root() const { return m_tmp.path(); }
  [[nodiscard]] fs::path site() const { return m_tmp.path() / "site"; }
  [[nodiscard]] fs::path plugin_dir() const { return m_tmp.path() / "plugins.d"; }
  /// Where `add-python` writes by default: the user plugin dir of the hermetic environment.
  [[nodiscard]] fs::path user_dir() const { return m_tmp.path() / "home/.local/share/torchx/plugins.d"; }

  /// Writes plugins.d/demo-pkg.json: a Python-only plugin with these `python_components`.
  fs::path manifest(const std::string& components) const {
    const fs::path file = plugin_dir() / "demo-pkg.json";
    std::ofstream(file) << R"({"file_format_version": "1.1.0", "plugin": {"name": "demo-pkg", "version": "1.0",)"
                        << R"( "python_components": {)" << components << "}}}\n";
    return file;
  }

  /// `torchx --plugin-path <test plugins> --plugin-path plugins.d [extra dirs] ARGS`.
  torchx::util::ProcessResult torchx(const std::vector<std::string>& args, const std::string& python = "python3",
                                     std::vector<std::pair<std::string, std::optional<std::string>>> extra = {},
                                     const std::vector<std::string>& more_dirs = {}) const {
    extra.emplace_back("TORCHX_PYTHON", python);
    extra.emplace_back("PYTHONPATH", site().string());
    extra.emplace_back("PYTHONDONTWRITEBYTECODE", "1");
    std::vector<std::string> dirs{std::string(TORCHX_TEST_PLUGIN_DIR) + "/plugins.d", plugin_dir().string()};
    dirs.insert(dirs.end(), more_dirs.begin(), more_dirs.end());
    return torchx::test::run_torchx(m_tmp.path(), std::nullopt, dirs, args, extra);
  }
  /// The AppDef of `run --dryrun --json -s test_sched ARGS`.
  json::object app(const std::vector<std::string>& args, const std::vector<std::string>& more_dirs = {}) const {
    std::vector<std::string> all{"run", "--dryrun", "--json", "-s", "test_sched"};
    all.insert(all.end(), args.begin(), args.end());
    const auto r = torchx(all, "python3", {}, more_dirs);
    INFO("stderr: ", r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out).as_object().at("app").as_object();
  }

 private:
  torchx::test::TempDir m_tmp;
};

const std::string k_demo = R"("demo.echo": "demo_pkg.components:echo", "demo.train": "demo_pkg.components:train",)"
                           R"( "chatty.talk": "demo_pkg.chatty:talk")";

}  // namespace

TEST_SUITE_BEGIN("python component packages");

TEST_CASE("a manifest's Python components are listed by builtins and plugins without starting Python") {
  const Packages p;
  const fs::path manifest = p.manifest(k_demo);
  const fs::path marker = p.root() / "python-started";
  const fs::path spy = p.root() / "spy-python";
  // An "interpreter" that records being started, then runs the real one.
  std::ofstream(spy) << "#!/bin/sh\ntouch '" << marker.string() << "'\nexec python3 \"$@\"\n";
  fs::permissions(spy, fs::perms::owner_all);

  auto r = p.torchx({"builtins"}, spy.string());
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(contains(r.out, ". chatty.talk\n"));
  CHECK(contains(r.out, ". demo.echo\n"));
  CHECK(contains(r.out, ". demo.train\n"));
  CHECK(contains(r.out, ". dist.ddp\n"));  // the builtins stay
  r = p.torchx({"builtins", "--json"}, spy.string());
  CHECK(contains(r.out, R"({"name":"demo.echo","plugin":"demo-pkg"})"));
  r = p.torchx({"plugins"}, spy.string());
  CHECK(contains(r.out, "  demo-pkg 1.0  " + manifest.string() +
                            "\n      python components: chatty.talk "
                            "(demo_pkg.chatty:talk), demo.echo (demo_pkg.components:echo), demo.train "
                            "(demo_pkg.components:train)\n"));
  const auto listed = json::parse(p.torchx({"plugins", "--json"}, spy.string()).out).as_object();
  bool found = false;
  for (const auto& plugin : listed.at("plugins").as_array()) {
    if (plugin.at("name") != "demo-pkg") continue;
    found = true;
    CHECK(plugin.at("library").is_null());
    CHECK(
        json::serialize(plugin.at("python_components")) ==
        R"({"chatty.talk":"demo_pkg.chatty:talk","demo.echo":"demo_pkg.components:echo","demo.train":"demo_pkg.components:train"})");
  }
  CHECK(found);
  r = p.torchx({"plugins", "check", "demo-pkg"}, spy.string());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "ok      demo-pkg (no library: Python components, imported when run)\n");
  CHECK_FALSE(fs::exists(marker));

  // --help needs the signature: Python starts.
  r = p.torchx({"run", "demo.echo", "--help"}, spy.string());
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "Echoes a message."));
  CHECK(contains(r.out, "--msg"));
  CHECK(contains(r.out, "what to echo (default: hello from a package)"));
  CHECK(r.err.empty());
  CHECK(fs::exists(marker));
}

TEST_CASE("a package's component runs on local_cwd, and --dryrun --json prints its AppDef") {
  const Packages p;
  p.manifest(k_demo);
  auto r = p.torchx({"run", "--scheduler", "local_cwd", "demo.echo", "--msg", "hi from demo"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("local_cwd://torchx/echo-"));
  CHECK(contains(r.err, "echo/0 hi from demo\n"));
  CHECK(contains(r.err, "SUCCEEDED"));

  const auto app = p.app({"demo.train", "--script", "train.py", "--nnodes", "2", "--env", "A=1,B=2", "x", "y"});
  CHECK(app.at("name") == "train");
  const auto& role = app.at("roles").at(0).as_object();
  CHECK(role.at("num_replicas") == 2);
  CHECK(json::serialize(role.at("args")) == R"(["train.py","x","y"])");
  CHECK(role.at("env").as_object().at("A") == "1");

  // What a package prints while imported and building goes to stderr; stdout stays JSON.
  r = p.torchx({"run", "--dryrun", "--json", "-s", "test_sched", "chatty.talk"});
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out).as_object().at("app").as_object().at("name") == "talk");
  CHECK(contains(r.err, "chatty: imported\nchatty: building\n"));

  // A usage error names the component as typed.
  r = p.torchx({"run", "--dryrun", "-s", "test_sched", "demo.train", "--script", "t.py", "--nnodes", "two"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.starts_with("torchx: error: component 'demo.train': argument --nnodes must be an int, given 'two'"));
}

TEST_CASE("a broken python_components manifest is skipped with one warning line") {
  const Packages p;
  const fs::path manifest = p.manifest(R"("demo.echo": "demo_pkg.components")");
  const auto r = p.torchx({"builtins"});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(contains(r.out, "demo.echo"));
  const std::string warning = "warning  plugin 'demo-pkg' (" + manifest.string() +
                              "): invalid manifest: \"plugin.python_components.demo.echo\": 'demo_pkg.components' is "
                              "not \"module:function\" (a dotted module path, ':', a function name)\n";
  CHECK(contains(r.err, warning));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  // Trust rules as for any manifest: one writable by its group is refused.
  p.manifest(k_demo);
  ::chmod(manifest.c_str(), 0664);
  const auto refused = p.torchx({"builtins"});
  CHECK_FALSE(contains(refused.out, "demo.echo"));
  CHECK(contains(refused.err, "): manifest is writable by its group (mode 0664), refused\n"));
}

TEST_CASE("a package module that does not import, and one whose function vanished, are one line each") {
  const Packages p;
  const fs::path manifest =
      p.manifest(R"("ghost.echo": "no_such_pkg.components:echo",)"
                 R"( "demo.broken": "demo_pkg.broken:echo", "demo.gone": "demo_pkg.components:ech")");
  const std::string named_by = "of plugin 'demo-pkg' (" + manifest.string() + "): ";

  auto r = p.torchx({"run", "--dryrun", "-s", "test_sched", "ghost.echo"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("torchx: error: component 'ghost.echo' " + named_by +
                          "module 'no_such_pkg.components' is not importable by "));
  CHECK(
      r.err.ends_with(": No module named 'no_such_pkg' (is its package installed for this interpreter? see: "
                      "TORCHX_PYTHON)\n"));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);

  // A module that imports something missing: the line of the module that raised.
  r = p.torchx({"run", "--dryrun", "-s", "test_sched", "demo.broken"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: " + (p.site() / "demo_pkg/broken.py").string() +
                     ":3: ModuleNotFoundError: No module named 'demo_pkg_missing_dependency'\n");

  r = p.torchx({"run", "demo.gone", "--help"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: component 'demo.gone' " + named_by +
                     "module 'demo_pkg.components' has no function 'ech' (did you mean 'echo'?); its package changed "
                     "since the manifest was written (write it again: torchx plugins add-python)\n");
}

TEST_CASE("a Python component named like a builtin never replaces it: one warning, the builtin runs") {
  const Packages p;
  const fs::path manifest = p.manifest(R"("dist.ddp": "demo_pkg.clash:ddp", "dist.mine": "demo_pkg.clash:mine")");
  const auto r = p.torchx({"builtins"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, ". dist.mine\n"));
  CHECK(contains(r.err, "warning  plugin 'demo-pkg' (" + manifest.string() +
                            "): Python component 'dist.ddp' not used: plugin 'builtins' provides a component of that "
                            "name, and a Python component never replaces a plugin's (rename it, or remove it from "
                            "demo-pkg.json)\n"));
  CHECK(p.app({"dist.ddp", "--script", "train.py"}).at("name") != "not-the-builtin");
  CHECK(p.app({"dist.mine"}).at("name") == "mine");
}

TEST_CASE("torchx plugins add-python writes the manifest of an installed distribution's entry points") {
  const Packages p;
  auto r = p.torchx({"plugins", "add-python", "demo-pkg"});
  INFO("stderr: ", r.err);
  REQUIRE(r.exit_code == 0);
  const fs::path file = p.user_dir() / "demo-pkg.json";
  CHECK(r.out == "wrote " + file.string() +
                     ": plugin 'demo-pkg' 1.0, 6 components\n"
                     "  demo.echo    demo_pkg.components:echo\n"
                     "  demo.train   demo_pkg.components:train\n"
                     "  hello        demo_pkg.more:hello\n"
                     "  deep.deeper  demo_pkg.more.deep:deeper\n"
                     "  dist.mine    demo_pkg.clash:mine\n"
                     "  chatty.talk  demo_pkg.chatty:talk\n");
  // TorchX's linter leaves out what it refuses; TorchX's own builtins and a builtin's name are
  // left out too, each with one line; what the package prints is relayed.
  CHECK(contains(r.err, "chatty: imported\n"));
  CHECK(contains(r.err,
                 "torchx: warning: left out 'demo.nested_list': Non-primitive element type 'List[str]' for "
                 "argument 'x' in function 'nested_list'\n"));
  CHECK(contains(r.err,
                 "torchx: warning: left out 'demo.untyped': Missing type annotation for argument 'x' in "
                 "function 'untyped'\n"));
  CHECK(contains(r.err,
                 "torchx: warning: left out 'builtins': entry point 'builtins = torchx.components.dist' is "
                 "TorchX's builtins, which torchx provides itself\n"));
  CHECK(contains(r.err, "torchx: warning: left out 'dist.ddp': plugin 'builtins' provides a component of that name ("));
  CHECK(contains(r.err, "torchx: warning: " + p.user_dir().string() + " is not on the plugin search path"));
  CHECK_FALSE(contains(r.err, "demo._helper"));
  CHECK_FALSE(contains(r.err, "not_annotated_return"));

  const auto manifest = json::parse([&] {
                          std::ifstream in(file);
                          return std::string(std::istreambuf_iterator<char>(in), {});
                        }())
                            .as_object();
  CHECK(manifest.at("file_format_version") == "1.1.0");
  const auto& plugin = manifest.at("plugin").as_object();
  CHECK(plugin.at("name") == "demo-pkg");
  CHECK(plugin.at("version") == "1.0");
  CHECK(plugin.at("description") == "Demo TorchX components, installed without pip");
  CHECK(plugin.at("python_components").as_object().at("deep.deeper") == "demo_pkg.more.deep:deeper");
  CHECK_FALSE(plugin.contains("library_path"));
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
  REQUIRE(::stat(p.user_dir().c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);

  // Then the package's components are there, next to the builtins, and run.
  const std::vector<std::string> user{p.user_dir().string()};
  r = p.torchx({"builtins"}, "python3", {}, user);
  CHECK(r.err.empty());
  for (const char* name : {". deep.deeper\n", ". hello\n", ". dist.mine\n", ". demo.echo\n", ". dist.ddp\n"}) {
    CHECK(contains(r.out, name));
  }
  CHECK(json::serialize(p.app({"hello", "--who", "you"}, user).at("roles").at(0).at("args")) == R"(["hello","you"])");
  CHECK(p.app({"deep.deeper"}, user).at("name") == "deeper");

  // Again, into a dir on the search path: rewritten, no warning about the path.
  r = p.torchx({"plugins", "add-python", "demo_pkg", "--dir", p.plugin_dir().string()});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("wrote " + (p.plugin_dir() / "demo-pkg.json").string() + ": plugin 'demo-pkg' 1.0, 6 "));
  CHECK_FALSE(contains(r.err, "search path"));
  r = p.torchx({"plugins", "add-python", "demo_pkg", "--dir", p.plugin_dir().string()});
  CHECK(r.exit_code == 0);
}

TEST_CASE("torchx plugins add-python of a module, and its errors") {
  const Packages p;
  auto r = p.torchx({"plugins", "add-python", "demo_pkg.more", "--prefix", "m", "--dir", p.plugin_dir().string()});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "wrote " + (p.plugin_dir() / "demo_pkg.more.json").string() +
                     ": plugin 'demo_pkg.more', 2 components\n"
                     "  m.hello        demo_pkg.more:hello\n"
                     "  m.deep.deeper  demo_pkg.more.deep:deeper\n");
  CHECK(p.app({"m.hello"}).at("name") == "hello");

  r = p.torchx({"plugins", "add-python", "plain-dist"});
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "torchx: error: reading the Python package 'plain-dist': distribution 'plain-dist' has no "
        "'torchx.components' entry points\n");
  r = p.torchx({"plugins", "add-python", "no_such_thing"});
  CHECK(r.exit_code == 1);
  CHECK(
      r.err.starts_with("torchx: error: reading the Python package 'no_such_thing': no distribution or module named "
                        "'no_such_thing' is installed for "));
  r = p.torchx({"plugins", "add-python", "demo_pkg.broken"});
  CHECK(r.exit_code == 1);
  CHECK(
      r.err.starts_with("torchx: error: reading the Python package 'demo_pkg.broken': module 'demo_pkg.broken' "
                        "does not import with "));
  CHECK(r.err.ends_with("/demo_pkg/broken.py:3: ModuleNotFoundError: No module named 'demo_pkg_missing_dependency'\n"));
  // A plugin library of the distribution's name: never hidden, never overwritten.
  const fs::path library = p.plugin_dir() / "demo-pkg.json";
  std::ofstream(library) << R"({"file_format_version": "1.0.0", "plugin": {"name": "demo-pkg", "version": "1",)"
                         << R"( "library_path": "lib.so", "abi_versions": [1], "provides": {"schedulers": ["x"]}}})";
  r = p.torchx({"plugins", "add-python", "demo-pkg"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.ends_with("torchx: error: plugin 'demo-pkg' is a plugin library's name (" + library.string() +
                        "): a Python package's manifest of that name would hide it or be hidden; not written\n"));
  r = p.torchx({"plugins", "add-python", "demo-pkg", "--dir", p.plugin_dir().string()});
  CHECK(r.exit_code == 1);
  fs::remove(library);
  r = p.torchx({"plugins", "add-python", "demo-pkg", "--prefix", "x"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: reading the Python package 'demo-pkg': --prefix names the components of a module; "
                 "distribution 'demo-pkg' names its own prefixes (its entry points)\n");
  std::ofstream(p.site() / "helpers_only.py") << "def helper(n: int) -> str:\n    return str(n)\n";
  r = p.torchx({"plugins", "add-python", "helpers_only", "--dir", p.plugin_dir().string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "torchx: error: 'helpers_only' has no components to add (no function returning AppDef passes "
                 "TorchX's rules)\n");
  CHECK_FALSE(fs::exists(p.plugin_dir() / "helpers_only.json"));
  r = p.torchx({"plugins", "add-python"});
  CHECK(r.exit_code == 2);
  r = p.torchx({"plugins", "add-python", "demo-pkg"}, "/no/such/python3");
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "torchx: error: reading the Python package 'demo-pkg': the Python interpreter '/no/such/python3' "
        "was not found (set TORCHX_PYTHON to the python3 to use)\n");
  CHECK_FALSE(fs::exists(p.user_dir() / "demo-pkg.json"));
}

TEST_SUITE_END();
