// SPDX-License-Identifier: BSD-3-Clause
// The discovery cache (host/loader/manifest_cache.hpp): the same registry as without it, never
// stale, trusted as the manifests are, and rebuilt when it cannot be used.
#include "manifest_cache.hpp"
#include "registry.hpp"

#include "../support/temp_dir.hpp"

#include <boost/json.hpp>

#include <tuple>
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace torchx::loader;
using torchx::test::TempDir;
namespace json = boost::json;

namespace {

std::string manifest_text(const std::string& name, const std::string& version, const std::string& extra = "") {
  return R"({"file_format_version": "1.0.0", "plugin": {"name": ")" + name + R"(", "version": ")" + version +
         R"(", "description": "d", "library_path": "../lib/lib)" + name +
         R"(.so", "abi_versions": [1], "provides": {"schedulers": ["s_)" + name + R"("]}}})" + extra;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A plugin directory and a cache root in a private temporary directory.
struct World {
  TempDir tmp;
  std::filesystem::path dir = tmp.path() / "plugins.d";
  std::filesystem::path cache = tmp.path() / "cache/torchx/plugins";
  std::vector<std::string> notes;
  std::string policy_text;
  std::int64_t racy_ns = 0;  ///< files written by the test are seconds young: keep them all

  World() { std::filesystem::create_directories(dir); }

  void write(const std::string& name, const std::string& text) const { tmp.write("plugins.d/" + name, text); }

  RegistryOptions options(bool cached) {
    RegistryOptions o;
    o.search.getenv = [d = dir.string()](const char* name) -> std::optional<std::string> {
      if (std::string(name) == "TORCHX_PLUGIN_SYSTEM_PATH") return d;
      return std::nullopt;
    };
    o.search.secure = false;
    o.policy = PluginPolicy::parse(policy_text, tmp.path() / "plugins.conf");
    if (cached) o.cache_root = cache;
    o.cache_racy_ns = racy_ns;
    o.debug = [this](const std::string& line) { notes.push_back(line); };
    return o;
  }

  /// Everything `torchx plugins` shows of a registry, as one text.
  static std::string summary(const Registry& r) {
    json::array plugins;
    for (const auto& p : r.plugins()) plugins.push_back(torchx::manifests::manifest_to_json(p.manifest));
    json::array skipped;
    for (const auto& s : r.skipped()) {
      skipped.push_back(json::array{s.path.string(), s.plugin, s.reason, s.is_warning});
    }
    json::array problems(r.policy_problems().begin(), r.policy_problems().end());
    return json::serialize(json::object{{"plugins", plugins}, {"skipped", skipped}, {"problems", problems}});
  }

  /// Discovers with the cache, checks it equals a discovery without, and returns how many
  /// manifests came from the cache.
  std::size_t discover_and_compare() {
    notes.clear();
    const std::string cached = summary(Registry::discover(options(true)));
    std::size_t hits = std::string::npos;
    for (const auto& n : notes) {
      const auto of = n.rfind(" of ");
      const auto at = of == std::string::npos ? of : n.rfind(": ", of);
      if (n.starts_with("cache of ") && n.ends_with(" manifest(s) from the cache") && at != std::string::npos) {
        hits = std::stoul(n.substr(at + 2, of - at - 2));
      }
    }
    CHECK(cached == summary(Registry::discover(options(false))));
    return hits;
  }

  bool noted(const std::string& part) const {
    for (const auto& n : notes) {
      if (n.find(part) != std::string::npos) return true;
    }
    return false;
  }
};

}  // namespace

TEST_SUITE_BEGIN("loader");

TEST_CASE("manifests::manifest_to_json: a manifest using every field round-trips identically") {
  // The structured bindings name every field: adding one to Manifest, Provides or
  // PythonComponent fails this test (to compile) until it is set here, and then fails at run time
  // until manifest_to_json/manifest_from_json and the discovery cache's encoding
  // (ManifestCache::encode_entry/decode_entry) carry it (the cache would lose it).
  torchx::manifests::Manifest m;
  auto& [path, name, version, description, library_path, abi_versions, provides, python_components, commands] = m;
  path = "/site/plugins.d/acme.json";
  name = "acme";
  version = "1.2.3";
  description = "Acme's \"scheduler\" ünï";
  library_path = "/site/lib/libacme.so";
  abi_versions = {1, 7};
  auto& [schedulers, components, trackers, named_resources] = provides;
  schedulers = {"acme", "acme_gpu"};
  components = {"acme.train"};
  trackers = {"acme_tracker"};
  named_resources = {"acme_res"};
  torchx::manifests::PythonComponent c;
  auto& [c_name, c_module, c_function] = c;
  c_name = "acme.py_train";
  c_module = "acme.components";
  c_function = "train";
  python_components = {c};
  torchx::manifests::CommandDecl command;
  auto& [v_name, v_description] = command;
  v_name = "acme-prune";
  v_description = "deletes Acme's finished apps";
  commands = {command};

  const auto back = torchx::manifests::manifest_from_json(json::parse(json::serialize(torchx::manifests::manifest_to_json(m))));
  CHECK(back == m);
  // The discovery cache's own encoding (format 3) carries every field too, and the stamp.
  FileStamp stamp;
  stamp.dev = 1;
  stamp.ino = 2;
  stamp.size = 3;
  stamp.mtime_ns = -4;
  stamp.ctime_ns = 5'000'000'000'000'000'000;
  stamp.mode = 0100644;
  stamp.uid = 7;
  ManifestReading reading;
  reading.manifest = m;
  const std::string body = ManifestCache::encode_entry(stamp, reading);
  const auto cached = ManifestCache::decode_entry(body);
  REQUIRE(cached.has_value());
  CHECK(cached->first == stamp);
  CHECK(cached->second.manifest == m);
  // A body cut anywhere, or with bytes after it, is refused, never half-read.
  for (std::size_t cut = 0; cut < body.size(); ++cut) {
    CAPTURE(cut);
    CHECK_FALSE(ManifestCache::decode_entry(std::string_view(body).substr(0, cut)).has_value());
  }
  CHECK_FALSE(ManifestCache::decode_entry(body + "1:x ").has_value());
  // An error reading: the error and the claimed name.
  ManifestReading broken;
  broken.error = "\"plugin.name\" is missing\nsecond line";
  broken.claimed = "b r o k e n";
  const auto back_broken = ManifestCache::decode_entry(ManifestCache::encode_entry(stamp, broken));
  REQUIRE(back_broken.has_value());
  CHECK_FALSE(back_broken->second.manifest.has_value());
  CHECK(back_broken->second.error == broken.error);
  CHECK(back_broken->second.claimed == broken.claimed);
  // Every field was set (else the comparison above would not prove it is carried).
  const torchx::manifests::Manifest empty;
  CHECK(m.path != empty.path);
  CHECK(m.name != empty.name);
  CHECK(m.version != empty.version);
  CHECK(m.description != empty.description);
  CHECK(m.library_path != empty.library_path);
  CHECK(m.abi_versions != empty.abi_versions);
  CHECK(m.provides.schedulers != empty.provides.schedulers);
  CHECK(m.provides.components != empty.provides.components);
  CHECK(m.provides.trackers != empty.provides.trackers);
  CHECK(m.provides.named_resources != empty.provides.named_resources);
  CHECK(m.python_components != empty.python_components);
  CHECK(m.commands != empty.commands);
  // What the cache keeps of a real file is what parsing it gives.
  const auto full = parse_manifest(TORCHX_TEST_DATA_DIR "/manifests/good/full.json");
  CHECK(torchx::manifests::manifest_from_json(torchx::manifests::manifest_to_json(full)) == full);
  ManifestReading full_reading;
  full_reading.manifest = full;
  const auto full_cached = ManifestCache::decode_entry(ManifestCache::encode_entry(stamp, full_reading));
  REQUIRE(full_cached.has_value());
  CHECK(full_cached->second.manifest == full);
  // A corrupt entry is refused, never half-read.
  CHECK_THROWS_AS(torchx::manifests::manifest_from_json(json::parse(R"({"name": "x"})")), ManifestError);
  CHECK_THROWS_AS(torchx::manifests::manifest_from_json(json::parse("[]")), ManifestError);
}

TEST_CASE("loader::ManifestCache::decode_entry: a damaged body is refused or decoded whole, never a crash") {
  // Every byte of a real body replaced by each of the bytes that matter to the layout (digits,
  // ':', separators) and a few that do not: decode_entry refuses it or returns a reading that
  // encodes back to a body it decodes identically; it never throws or reads past the body
  // (the sanitized build checks that).
  FileStamp stamp;
  stamp.dev = 65024;
  stamp.ino = 11042862;
  stamp.size = 333;
  stamp.mtime_ns = 1796184232571435819;
  stamp.ctime_ns = 1796184243182246391;
  stamp.mode = 0100644;
  stamp.uid = 0;
  ManifestReading reading;
  reading.manifest = parse_manifest(TORCHX_TEST_DATA_DIR "/manifests/good/full.json");
  const std::string body = ManifestCache::encode_entry(stamp, reading);
  std::size_t refused = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    for (const char c : std::string_view("0159:  \nxm\xff", 11)) {
      std::string damaged = body;
      if (damaged[i] == c) continue;
      damaged[i] = c;
      CAPTURE(i);
      CAPTURE(c);
      std::optional<std::pair<FileStamp, ManifestReading>> got;
      REQUIRE_NOTHROW(got = ManifestCache::decode_entry(damaged));
      if (!got) {
        ++refused;
        continue;
      }
      const auto again = ManifestCache::decode_entry(ManifestCache::encode_entry(got->first, got->second));
      REQUIRE(again.has_value());
      CHECK(again->first == got->first);
      CHECK(again->second.manifest == got->second.manifest);
      CHECK(again->second.error == got->second.error);
    }
  }
  CHECK(refused > body.size());  // most damage to the framing is caught
}

TEST_CASE("loader::ManifestCache::decode_entry: a list count the body cannot hold is refused at once") {
  // CI's fuzzer found a body whose ABI-version count (19 digits) exceeds what the body can hold:
  // the count was refused, but the versions were still walked that many times (a timeout, i.e.
  // a `torchx` that hangs on a corrupt cache). Each list's count, first and last, is refused
  // without being walked; this test does not finish if one is walked.
  const std::string head = "1:1 1:2 1:3 1:4 1:5 5:33188 1:0 1:m 2:/p 1:n 1:v 1:d 2:/l ";
  const std::string huge = "19:9999999999999999999 ";
  CHECK_FALSE(ManifestCache::decode_entry(head + huge).has_value());
  CHECK_FALSE(ManifestCache::decode_entry(head + "1:1 1:1 " + huge).has_value());
  std::string lists = head + "1:1 1:1 ";
  for (int i = 0; i < 5; ++i) {
    CHECK_FALSE(ManifestCache::decode_entry(lists + huge).has_value());
    lists += "1:0 ";
  }
  CHECK_FALSE(ManifestCache::decode_entry(lists + huge).has_value());
  lists += "1:0 ";
  CHECK(ManifestCache::decode_entry(lists).has_value());  // the same body with every count sane decodes
  // A count the body can hold but whose items are cut short is refused too.
  CHECK_FALSE(ManifestCache::decode_entry(head + "1:3 1:1 1:2 ").has_value());
}

TEST_CASE("loader::Registry::discover with a cache: the same registry, the second time without reading a manifest") {
  World w;
  for (int i = 0; i < 20; ++i) w.write("p" + std::to_string(i) + ".json", manifest_text("p" + std::to_string(i), "1"));
  w.write("broken.json", R"({"file_format_version": "1.0.0", "plugin": {"name": "broken"}})");
  w.write("shadow.json", manifest_text("p3", "9"));
  CHECK(w.discover_and_compare() == 0);
  CHECK(std::filesystem::exists(ManifestCache::file_for(w.cache, w.dir)));
  CHECK(w.discover_and_compare() == 22);
  const auto mode = std::filesystem::status(w.cache).permissions();
  CHECK((mode & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) == std::filesystem::perms::none);
}

TEST_CASE("loader::Registry::discover: the cache is never stale") {
  World w;
  w.write("a.json", manifest_text("a", "1"));
  w.write("b.json", manifest_text("b", "1"));
  w.write("c.json", manifest_text("c", "1"));
  w.discover_and_compare();
  REQUIRE(w.discover_and_compare() == 3);

  SUBCASE("a manifest rewritten") {
    w.write("a.json", manifest_text("a", "22"));
    CHECK(w.discover_and_compare() == 2);
    CHECK(Registry::discover(w.options(true)).plugin("a")->manifest.version == "22");
  }
  SUBCASE("a manifest rewritten at once with the same size: a young file is never kept") {
    w.racy_ns = 1'000'000'000;
    w.write("a.json", manifest_text("a", "2"));
    CHECK(w.discover_and_compare() == 2);
    w.write("a.json", manifest_text("a", "3"));  // same size, maybe the same timestamps
    CHECK(w.discover_and_compare() == 2);
    CHECK(Registry::discover(w.options(true)).plugin("a")->manifest.version == "3");
  }
  SUBCASE("a manifest made writable by its group: refused, as without a cache") {
    std::filesystem::permissions(w.dir / "b.json", std::filesystem::perms::group_write, std::filesystem::perm_options::add);
    w.discover_and_compare();
    const auto r = Registry::discover(w.options(true));
    CHECK(r.plugin("b") == nullptr);
    REQUIRE(r.skipped().size() == 1);
    CHECK(r.skipped()[0].reason == "manifest is writable by its group (mode 0664), refused");
  }
  SUBCASE("manifests added and removed") {
    std::filesystem::remove(w.dir / "c.json");
    w.write("d.json", manifest_text("d", "1"));
    CHECK(w.discover_and_compare() == 2);
    const auto r = Registry::discover(w.options(true));
    CHECK(r.plugin("c") == nullptr);
    CHECK(r.plugin("d") != nullptr);
  }
  SUBCASE("a manifest replaced by a symlink, and the symlink repointed") {
    w.write("other1.json.txt", manifest_text("a", "5"));
    w.write("other2.json.txt", manifest_text("a", "6"));
    std::filesystem::remove(w.dir / "a.json");
    std::filesystem::create_symlink("other1.json.txt", w.dir / "a.json");
    w.discover_and_compare();
    std::filesystem::remove(w.dir / "a.json");
    std::filesystem::create_symlink("other2.json.txt", w.dir / "a.json");
    w.discover_and_compare();
    CHECK(Registry::discover(w.options(true)).plugin("a")->manifest.version == "6");
  }
  SUBCASE("a broken manifest fixed") {
    w.write("b.json", "{");
    w.discover_and_compare();
    CHECK(Registry::discover(w.options(true)).plugin("b") == nullptr);
    w.write("b.json", manifest_text("b", "7"));
    w.discover_and_compare();
    CHECK(Registry::discover(w.options(true)).plugin("b")->manifest.version == "7");
  }
}

TEST_CASE(
    "loader::Registry::discover: a corrupt, truncated, unordered, foreign-version, another torchx's or another "
    "directory's cache is ignored and rebuilt") {
  World w;
  w.write("a.json", manifest_text("a", "1"));
  w.write("b.json", manifest_text("b", "1"));
  w.discover_and_compare();
  const auto file = ManifestCache::file_for(w.cache, w.dir);
  const std::string whole = slurp(file);
  REQUIRE(!whole.empty());
  // The header: `19:torchx-plugin-cache 1:3 <host> <dir>\n` (manifest_cache.hpp); each variant
  // below is well formed but for the one thing it changes.
  const std::string magic = "19:torchx-plugin-cache 1:3 ";
  REQUIRE(whole.rfind(magic, 0) == 0);
  std::string foreign = whole;
  foreign.replace(0, magic.size(), "19:torchx-plugin-cache 1:9 ");
  // The same layout written by another torchx: its entries are that version's parser's answers.
  const std::size_t host_at = magic.size();
  const std::size_t host_end = whole.find(' ', host_at);
  std::string other_host = whole;
  other_host.replace(host_at, host_end - host_at, "11:0.0.0-older");
  const std::string dir_token = std::to_string(w.dir.string().size()) + ":" + w.dir.string() + "\n";
  REQUIRE(whole.find(dir_token) == host_end + 1);
  std::string other_dir = whole;
  other_dir.replace(host_end + 1, dir_token.size(), "20:/elsewhere/plugins.d\n");
  // The first entry's abi_versions (`1:1 1:1`: one version, 1) made 0, which no manifest has.
  std::string bad_entry = whole;
  REQUIRE(bad_entry.find("liba.so 1:1 1:1 ") != std::string::npos);
  bad_entry.replace(bad_entry.find("liba.so 1:1 1:1 "), 16, "liba.so 1:1 1:0 ");
  // The two entries' lines swapped: save() writes them in name order, and lookups rely on it.
  const std::size_t first_line = whole.find('\n') + 1;
  const std::size_t second_line = whole.find('\n', first_line) + 1;
  REQUIRE(whole.find('\n', second_line) + 1 == whole.size());
  const std::string swapped =
      whole.substr(0, first_line) + whole.substr(second_line) + whole.substr(first_line, second_line - first_line);
  // Each with the note that says why (TORCHX_PLUGIN_DEBUG): the check that caught it.
  for (const auto& [what, text, why] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"corrupt", "\x01 not a cache", "ignored (not a cache file"},
           {"truncated", whole.substr(0, whole.size() / 2), "ignored (truncated or corrupt)"},
           {"empty", "", "ignored (not a cache file"},
           {"foreign version", foreign, "ignored (another format)"},
           {"another torchx's", other_host, "ignored (written by another torchx version)"},
           {"another directory's", other_dir, "ignored (not this directory's)"},
           {"a corrupt entry", bad_entry, ": 1 of 2 manifest(s) from the cache"},
           {"entries out of order", swapped, "ignored (truncated or corrupt)"}}) {
    CAPTURE(what);
    std::ofstream(file, std::ios::trunc | std::ios::binary) << text;
    CHECK(w.discover_and_compare() <= 1);  // a corrupt entry costs that entry; the others are whole
    CHECK(w.noted(why));
    CHECK(slurp(file) == whole);           // rewritten as it was
    CHECK(w.discover_and_compare() == 2);
  }
}

TEST_CASE("loader::Registry::discover: a cache that is not trusted is neither read nor written") {
  World w;
  w.write("a.json", manifest_text("a", "1"));
  w.discover_and_compare();
  const auto file = ManifestCache::file_for(w.cache, w.dir);
  // Forge an entry that would change the result (the version) at the file's own stamp.
  std::string forged = slurp(file);
  REQUIRE(forged.find(" 1:a 1:1 ") != std::string::npos);  // the tokens name and version (manifest_cache.hpp)
  forged.replace(forged.find(" 1:a 1:1 "), 9, " 1:a 1:6 ");
  std::ofstream(file, std::ios::trunc) << forged;
  REQUIRE(Registry::discover(w.options(true)).plugin("a")->manifest.version == "6");  // our own file is ours to edit

  SUBCASE("writable by its group") {
    std::filesystem::permissions(file, std::filesystem::perms::group_write, std::filesystem::perm_options::add);
    CHECK(Registry::discover(w.options(true)).plugin("a")->manifest.version == "1");
    CHECK(w.noted("not used: not a regular file owned by root or the invoking user"));
    CHECK(slurp(file) == forged);  // not replaced either
  }
  SUBCASE("in a directory writable by others") {
    std::filesystem::permissions(w.cache, std::filesystem::perms::others_write, std::filesystem::perm_options::add);
    CHECK(Registry::discover(w.options(true)).plugin("a")->manifest.version == "1");
    CHECK(w.noted("not used: the cache directory is writable by others"));
  }
  SUBCASE("a symlink") {
    std::filesystem::rename(file, w.tmp.path() / "elsewhere.json");
    std::filesystem::create_symlink(w.tmp.path() / "elsewhere.json", file);
    CHECK(Registry::discover(w.options(true)).plugin("a")->manifest.version == "1");
  }
}

TEST_CASE("loader::Registry::discover: the site policy applies from the cache as without it") {
  World w;
  w.policy_text = "[plugins]\nrequired = a, b, c\n";
  w.write("a.json", manifest_text("a", "1"));
  w.write("b.json", "not json");  // required, broken
  w.discover_and_compare();
  CHECK(w.discover_and_compare() == 2);
  const auto r = Registry::discover(w.options(true));
  REQUIRE(r.policy_problems().size() == 2);
  CHECK(r.policy_problems()[0].starts_with("required plugin 'b' was skipped: invalid manifest: "));
  CHECK(r.policy_problems()[1].starts_with("required plugin 'c' was not found"));
}

TEST_CASE("loader::Registry::discover: two processes rebuilding the cache at once both see every plugin") {
  World w;
  for (int i = 0; i < 200; ++i) w.write("p" + std::to_string(i) + ".json", manifest_text("p" + std::to_string(i), "1"));
  const std::string expected = World::summary(Registry::discover(w.options(false)));
  for (int round = 0; round < 5; ++round) {
    std::filesystem::remove_all(w.cache);
    std::vector<pid_t> children;
    for (int k = 0; k < 2; ++k) {
      const pid_t pid = ::fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        bool ok = true;
        for (int j = 0; j < 5 && ok; ++j) ok = World::summary(Registry::discover(w.options(true))) == expected;
        ::_exit(ok ? 0 : 1);
      }
      children.push_back(pid);
    }
    for (const pid_t pid : children) {
      int status = 0;
      REQUIRE(::waitpid(pid, &status, 0) == pid);
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    CHECK(w.discover_and_compare() == 200);  // what they left is whole
    std::size_t left = 0;
    for (const auto& e : std::filesystem::directory_iterator(w.cache)) left += e.path().filename().string().find(".tmp-") != std::string::npos;
    CHECK(left == 0);
  }
}

TEST_SUITE_END();
