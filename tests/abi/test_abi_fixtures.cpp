// SPDX-License-Identifier: BSD-3-Clause
// Fixture plugins built several ways, loaded through the real boundary; each diagnostic exact.
#include "registry.hpp"
#include "scheduler_proxy.hpp"

#include <boost/dll/library_info.hpp>
#include <doctest/doctest.h>

using namespace torchx::loader;

namespace {

const std::filesystem::path k_fixtures = TORCHX_FIXTURE_DIR;

Registry fixture_registry(const std::string& variant) {
  RegistryOptions options;
  const std::string dir = (k_fixtures / variant / "plugins.d").string();
  options.search.getenv = [dir](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "TORCHX_PLUGIN_SYSTEM_PATH") return dir;
    return std::nullopt;
  };
  options.search.secure = false;
  options.policy = PluginPolicy{};  // not this machine's /etc/torchx/plugins.conf
  return Registry::discover(options);
}

/// The load error of fixture `variant`, without the "plugin 'x' (path): " prefix.
std::string load_error(const std::string& variant) {
  const Registry r = fixture_registry(variant);
  REQUIRE(r.plugins().size() == 1);
  const auto& entry = r.plugins()[0];
  try {
    (void)r.load(entry);
  } catch (const PluginLoadError& e) {
    const std::string prefix = "plugin 'fx_" + variant + "' (" + entry.manifest.path.string() + "): ";
    CHECK(std::string(e.what()).starts_with(prefix));
    return e.reason();
  }
  return "(loaded)";
}

}  // namespace

TEST_SUITE_BEGIN("abi");

TEST_CASE("abi: a good plugin negotiates ABI 1 and its scheduler works through the boundary") {
  const Registry r = fixture_registry("good");
  auto library = r.load(*r.provider(Kind::scheduler, "fx_good"));
  CHECK(library->abi_version() == 1);
  CHECK(r.load(r.plugins()[0]) == library);  // loaded once
  SchedulerProxy s(library, library->scheduler("fx_good"), "torchx");
  CHECK(s.run_opts().empty());
  CHECK(s.dryrun("{}").request_text == "fixture");
  CHECK(s.schedule("{}") == "fx-1");
  CHECK(s.describe("fx-1")->state == torchx::specs::AppState::SUCCEEDED);
  CHECK_FALSE(s.describe("nope").has_value());
  CHECK_NOTHROW(s.cancel("fx-1"));
  CHECK_THROWS_WITH_AS(s.list(), "scheduler 'fx_good' does not support list", PluginCallError);
  CHECK_THROWS_WITH_AS(s.delete_app("fx-1"), "scheduler 'fx_good' does not support delete", PluginCallError);
  torchx::specs::LogQuery query;
  query.app_id = "fx-1";
  query.role_name = "r";
  CHECK_THROWS_WITH_AS(s.log(query), "scheduler 'fx_good' does not support logs", PluginCallError);
}

TEST_CASE("abi: a plugin answering another ABI version is refused") {
  CHECK(load_error("wrong_abi") == "answered ABI 2, this torchx supports 1..1");
}

TEST_CASE("abi: a library without tx_plugin_negotiate is refused") {
  CHECK(load_error("missing_symbol") == "does not export tx_plugin_negotiate");
}

TEST_CASE("abi: a table shorter than ABI 1's is refused") {
  CHECK(load_error("short_struct") == "scheduler #0 table is 16 bytes, ABI 1 needs at least " +
                                          std::to_string(TX_SCHEDULER_V1_SIZE) + " (TX_SCHEDULER_V1_SIZE)");
}

TEST_CASE("abi: a garbage table count is refused without reading past the list") {
  CHECK(load_error("huge_count") ==
        "scheduler list has 2147483648 entries, more than the 4096 a plugin may provide (is its count set?)");
}

TEST_CASE("abi: the smallest table accepted is the v1 layout, not this header's sizeof") {
  // Today they are equal; the first member appended makes sizeof larger, and v1 plugins must load.
  CHECK(TX_SCHEDULER_V1_SIZE == offsetof(tx_scheduler_api, log_close) + sizeof(void*));
  CHECK(TX_COMPONENT_V1_SIZE == offsetof(tx_component_api, build) + sizeof(void*));
  CHECK(TX_TRACKER_V1_SIZE == offsetof(tx_tracker_api, lineage) + sizeof(void*));
  CHECK(TX_NAMED_RESOURCES_V1_SIZE == offsetof(tx_named_resources_api, list) + sizeof(void*));
  CHECK(TX_PLUGIN_INFO_V1_SIZE == offsetof(tx_plugin_info, num_named_resources) + sizeof(uint32_t));
  CHECK(TX_HOST_INFO_V1_SIZE == offsetof(tx_host_info, log_ctx) + sizeof(void*));
}

TEST_CASE("abi: a table larger than this host knows loads, its unknown tail ignored") {
  const Registry r = fixture_registry("larger");
  auto library = r.load(r.plugins()[0]);
  const tx_scheduler_api* api = library->scheduler("fx_larger");
  REQUIRE(api != nullptr);
  CHECK(api->struct_size > sizeof(tx_scheduler_api));
  SchedulerProxy s(library, api, "torchx");
  CHECK(s.schedule("{}") == "fx-1");
  CHECK_THROWS_WITH_AS(s.list(), "scheduler 'fx_larger' does not support list", PluginCallError);
}

TEST_CASE("abi: a plugin built against the frozen v1.0 header keeps loading and working") {
  const Registry r = fixture_registry("frozen_v1_0");
  auto library = r.load(r.plugins()[0]);
  CHECK(library->abi_version() == 1);
  const tx_scheduler_api* api = library->scheduler("fx_frozen_v1_0");
  REQUIRE(api != nullptr);
  CHECK(api->struct_size == TX_SCHEDULER_V1_SIZE);
  SchedulerProxy s(library, api, "torchx");
  CHECK(s.dryrun("{}").request_text == "fixture");
  CHECK(s.schedule("{}") == "fx-1");
  CHECK(s.describe("fx-1")->state == torchx::specs::AppState::SUCCEEDED);
}

namespace {

/// The lines every replica of the log fixtures' fx-1 has (fixture_plugin.c, fx_log_lines).
const std::vector<std::string> k_fixture_lines{"hello from the fixture", "", "error: something failed",
                                               std::string(5000, 'x'), "last line"};

torchx::specs::LogQuery fixture_query(bool follow = false) {
  torchx::specs::LogQuery query;
  query.app_id = "fx-1";
  query.role_name = "r";
  query.should_tail = follow;
  return query;
}

std::vector<std::string> all_lines(LogStream& stream) {
  std::vector<std::string> lines;
  while (auto line = stream.next()) lines.push_back(*line);
  return lines;
}

}  // namespace

TEST_CASE("abi: the frozen v1.0 plugin's logs come through the log_next fallback") {
  const Registry r = fixture_registry("frozen_v1_0");
  auto library = r.load(r.plugins()[0]);
  SchedulerProxy s(library, library->scheduler("fx_frozen_v1_0"), "torchx");
  CHECK_THROWS_WITH_AS(s.log([] {
    auto q = fixture_query();
    q.app_id = "nope";
    return q;
  }()), "scheduler 'fx_frozen_v1_0' log: no such app", PluginCallError);

  auto stream = s.log(fixture_query());
  CHECK_FALSE(stream->batched());  // its table ends before log_read: never read past struct_size
  CHECK(all_lines(*stream) == k_fixture_lines);

  // Without following, the fallback gathers many log_next lines into one batch.
  stream = s.log(fixture_query());
  auto batch = stream->next_batch();
  REQUIRE(batch.has_value());
  CHECK(*batch == "hello from the fixture\n\nerror: something failed\n" + std::string(5000, 'x') + "\nlast line\n");
  CHECK_FALSE(stream->next_batch().has_value());

  // Following, each line is its own batch (the next one may be minutes away).
  stream = s.log(fixture_query(true));
  batch = stream->next_batch();
  REQUIRE(batch.has_value());
  CHECK(*batch == "hello from the fixture\n");

  // --regex, applied by the host, on the fallback's batches.
  stream = s.log(fixture_query());
  stream->set_filter([](std::string_view line) { return line.find("e") != std::string_view::npos; });
  CHECK(all_lines(*stream) == std::vector<std::string>{"hello from the fixture", "error: something failed", "last line"});
}

TEST_CASE("abi: a plugin with log_read (ABI 1.1) is read in batches, the same lines as log_next") {
  const Registry r = fixture_registry("log_read");
  auto library = r.load(r.plugins()[0]);
  const tx_scheduler_api* api = library->scheduler("fx_log_read");
  REQUIRE(api != nullptr);
  CHECK(api->struct_size == sizeof(tx_scheduler_api));
  SchedulerProxy s(library, api, "torchx");
  auto stream = s.log(fixture_query());
  CHECK(stream->batched());
  auto batch = stream->next_batch();
  REQUIRE(batch.has_value());  // everything in one call: the host's buffer holds 1 MiB
  CHECK(*batch == "hello from the fixture\n\nerror: something failed\n" + std::string(5000, 'x') + "\nlast line\n");
  CHECK_FALSE(stream->next_batch().has_value());
  CHECK_FALSE(stream->next_batch().has_value());  // the end stays the end

  stream = s.log(fixture_query());
  CHECK(all_lines(*stream) == k_fixture_lines);

  // The filter keeps whole lines of a batch, in order, and drops a batch it empties.
  stream = s.log(fixture_query());
  stream->set_filter([](std::string_view line) { return line.starts_with("error") || line.starts_with("last"); });
  batch = stream->next_batch();
  REQUIRE(batch.has_value());
  CHECK(*batch == "error: something failed\nlast line\n");
  stream = s.log(fixture_query());
  stream->set_filter([](std::string_view) { return false; });
  CHECK_FALSE(stream->next_batch().has_value());
}

TEST_CASE("abi: a log_read that ends a batch inside a line is a one-line error, not a torn line") {
  const Registry r = fixture_registry("bad_log_read");
  auto library = r.load(r.plugins()[0]);
  SchedulerProxy s(library, library->scheduler("fx_bad_log_read"), "torchx");
  auto stream = s.log(fixture_query());
  CHECK_THROWS_WITH_AS(stream->next_batch(),
                       "scheduler 'fx_bad_log_read' log: log_read returned a batch that does not end with a line "
                       "break (whole lines only; a plugin bug)",
                       PluginCallError);
  CHECK_FALSE(stream->next_batch().has_value());  // called no more after a failure
}

TEST_CASE("abi: a plugin whose name differs from its manifest is refused") {
  CHECK(load_error("name_mismatch") == "calls itself 'somebody_else', its manifest says 'fx_name_mismatch'");
}

TEST_CASE("abi: a plugin providing something its manifest does not list is refused") {
  CHECK(load_error("unlisted") ==
        "provides scheduler 'surprise', which its manifest does not list (it lists 'fx_unlisted'; rebuild after renaming)");
}

TEST_CASE("abi: an exception thrown by negotiate is contained") {
  CHECK(load_error("throws") == "threw an exception from tx_plugin_negotiate (exceptions must not cross the ABI)");
  // The failure is remembered: asking again gives the same error without calling the plugin.
  CHECK(load_error("throws") == "threw an exception from tx_plugin_negotiate (exceptions must not cross the ABI)");
}

TEST_CASE("abi: a manifest pointing at a missing library is refused with the path") {
  const Registry r = fixture_registry("good");
  Manifest m = r.plugins()[0].manifest;
  m.library_path = "/nonexistent/libnothing.so";
  try {
    (void)PluginLibrary::load(m);
    FAIL("expected PluginLoadError");
  } catch (const PluginLoadError& e) {
    CHECK(e.reason().starts_with("cannot load /nonexistent/libnothing.so: "));
  }
}

TEST_CASE("abi: malformed JSON from a plugin is an error, not a crash") {
  const Registry r = fixture_registry("bad_json");
  auto library = r.load(r.plugins()[0]);
  SchedulerProxy s(library, library->scheduler("fx_bad_json"), "torchx");
  try {
    (void)s.describe("fx-1");
    FAIL("expected PluginCallError");
  } catch (const PluginCallError& e) {
    CHECK(e.status() == TX_E_INTERNAL);
    CHECK(std::string(e.what()).starts_with("scheduler 'fx_bad_json' describe: returned invalid describe response JSON: "));
  }
}

TEST_CASE("abi: a plugin's status and message reach the caller") {
  const Registry r = fixture_registry("fails");
  auto library = r.load(r.plugins()[0]);
  SchedulerProxy s(library, library->scheduler("fx_fails"), "torchx");
  try {
    (void)s.schedule("{}");
    FAIL("expected PluginCallError");
  } catch (const PluginCallError& e) {
    CHECK(e.status() == TX_E_UNAVAILABLE);
    CHECK(std::string(e.what()) == "scheduler 'fx_fails' schedule: the fixture cluster is down");
  }
}

TEST_CASE("abi: every plugin exports exactly one symbol") {
  std::vector<std::filesystem::path> libraries;
  for (const auto& dir : std::filesystem::recursive_directory_iterator(TORCHX_BUILD_DIR)) {
    if (dir.path().extension() == ".so" && dir.path().filename().string().starts_with("libtorchx_plugin_")) {
      libraries.push_back(dir.path());
    }
  }
  CHECK(libraries.size() >= 10);  // the test plugin and the fixtures, at least
  for (const auto& lib : libraries) {
    CAPTURE(lib.string());
    boost::dll::library_info info(lib);
    std::vector<std::string> exported;
    for (const auto& s : info.symbols()) exported.push_back(s);
    if (lib.filename() == "libtorchx_plugin_fx_missing_symbol.so") {
      CHECK(exported.empty());
    } else {
      CHECK(exported == std::vector<std::string>{"tx_plugin_negotiate"});
    }
  }
}

TEST_SUITE_END();
