// SPDX-License-Identifier: BSD-3-Clause
// torchx::abi::check_tables, the one validator of a plugin's tables (the loader and the
// conformance harness call it): one row per rule, on tables built in memory.
#include <torchx/abi_check.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace {

tx_status s_create(const char*, void**, const tx_sink*) { return TX_OK; }
void s_destroy(void*) {}
tx_status s_out(void*, const tx_sink*, const tx_sink*) { return TX_OK; }
tx_status s_in_out(void*, const char*, const tx_sink*, const tx_sink*) { return TX_OK; }
tx_status s_cancel(void*, const char*, const tx_sink*) { return TX_OK; }
tx_status s_log_open(void*, const char*, void**, const tx_sink*) { return TX_OK; }
tx_status s_log_next(void*, const tx_sink*, int*, const tx_sink*) { return TX_OK; }
void s_log_close(void*) {}
tx_status s_log_read(void*, char*, size_t, size_t*, int*, const tx_sink*) { return TX_OK; }
tx_status c_build(const tx_component_api*, const char*, const tx_sink*, const tx_sink*) { return TX_OK; }
tx_status r_list(const tx_named_resources_api*, const tx_sink*, const tx_sink*) { return TX_OK; }

tx_scheduler_api scheduler(const char* name) {
  tx_scheduler_api s{};
  s.struct_size = static_cast<std::uint32_t>(sizeof s);
  s.name = name;
  s.create = s_create;
  s.destroy = s_destroy;
  s.run_opts = s_out;
  s.dryrun = s_in_out;
  s.schedule = s_in_out;
  s.describe = s_in_out;
  s.cancel = s_cancel;
  return s;
}

tx_component_api component(const char* name) {
  tx_component_api c{};
  c.struct_size = static_cast<std::uint32_t>(sizeof c);
  c.name = name;
  c.signature_json = "{}";
  c.build = c_build;
  return c;
}

std::string problems_of(const tx_plugin_info& info) {
  std::string out;
  for (const auto& p : torchx::abi::check_tables(info)) {
    out += (out.empty() ? "" : "; ") + std::string(torchx::abi::to_string(p.kind)) + "[" + std::to_string(p.index) +
           "] " + p.message;
  }
  return out;
}

/// `info` with the schedulers `s` (and nothing else).
std::string check_schedulers(std::vector<tx_scheduler_api> s) {
  std::vector<const tx_scheduler_api*> list;
  for (auto& t : s) list.push_back(&t);
  tx_plugin_info info{};
  info.schedulers = list.data();
  info.num_schedulers = static_cast<std::uint32_t>(list.size());
  return problems_of(info);
}

}  // namespace

TEST_SUITE_BEGIN("abi");

TEST_CASE("abi::check_tables: one row per rule") {
  struct Row {
    const char* rule;
    std::function<void(tx_scheduler_api&)> change;
    std::string expected;
  };
  const std::vector<Row> rows = {
      {"a complete table", [](tx_scheduler_api&) {}, ""},
      {"all three log functions", [](tx_scheduler_api& s) {
         s.log_open = s_log_open;
         s.log_next = s_log_next;
         s.log_close = s_log_close;
       }, ""},
      {"exactly the v1 size", [](tx_scheduler_api& s) { s.struct_size = static_cast<std::uint32_t>(TX_SCHEDULER_V1_SIZE); }, ""},
      {"larger than this header knows", [](tx_scheduler_api& s) { s.struct_size = 4096; }, ""},
      {"one byte short of v1", [](tx_scheduler_api& s) { s.struct_size = static_cast<std::uint32_t>(TX_SCHEDULER_V1_SIZE - 1); },
       "scheduler[0] scheduler #0 table is " + std::to_string(TX_SCHEDULER_V1_SIZE - 1) +
           " bytes, ABI 1 needs at least " + std::to_string(TX_SCHEDULER_V1_SIZE) + " (TX_SCHEDULER_V1_SIZE)"},
      {"no name", [](tx_scheduler_api& s) { s.name = nullptr; }, "scheduler[0] scheduler #0 table has no name"},
      {"an empty name", [](tx_scheduler_api& s) { s.name = ""; }, "scheduler[0] scheduler #0 table has no name"},
      {"a required function missing", [](tx_scheduler_api& s) { s.cancel = nullptr; },
       "scheduler[0] scheduler 'a' has no cancel"},
      {"two required functions missing", [](tx_scheduler_api& s) {
         s.create = nullptr;
         s.run_opts = nullptr;
       },
       "scheduler[0] scheduler 'a' has no create; scheduler[0] scheduler 'a' has no run_opts"},
      {"optional functions NULL", [](tx_scheduler_api& s) {
         s.list = nullptr;
         s.delete_app = nullptr;
         s.description = nullptr;
       }, ""},
      {"some log functions", [](tx_scheduler_api& s) { s.log_open = s_log_open; },
       "scheduler[0] scheduler 'a' has some but not all of log_open, log_next, log_close"},
      {"log_read with the three log functions", [](tx_scheduler_api& s) {
         s.log_open = s_log_open;
         s.log_next = s_log_next;
         s.log_close = s_log_close;
         s.log_read = s_log_read;
       }, ""},
      {"log_read alone", [](tx_scheduler_api& s) { s.log_read = s_log_read; },
       "scheduler[0] scheduler 'a' has log_read without log_open, log_next and log_close"},
      {"log_read beyond a v1-sized table is not read", [](tx_scheduler_api& s) {
         s.log_read = s_log_read;  // lies past struct_size: garbage to the host, never looked at
         s.struct_size = static_cast<std::uint32_t>(TX_SCHEDULER_V1_SIZE);
       }, ""},
  };
  for (const auto& row : rows) {
    CAPTURE(row.rule);
    auto s = scheduler("a");
    row.change(s);
    CHECK(check_schedulers({s}) == row.expected);
  }
}

TEST_CASE("abi::check_tables: lists, duplicates and every kind") {
  CHECK(check_schedulers({scheduler("a"), scheduler("b")}) == "");
  CHECK(check_schedulers({scheduler("a"), scheduler("a")}) == "scheduler[1] scheduler 'a' is provided twice");

  tx_plugin_info info{};
  info.num_schedulers = 2;  // a count without a list
  CHECK(problems_of(info) == "scheduler[0] scheduler list is NULL with 2 entries; "
                             "scheduler[1] scheduler list is NULL with 2 entries");
  const tx_scheduler_api* null_table[] = {nullptr};
  info.schedulers = null_table;
  info.num_schedulers = 1;
  CHECK(problems_of(info) == "scheduler[0] scheduler #0 table is NULL");
  CHECK_FALSE(torchx::abi::usable(torchx::abi::check_tables(info), torchx::abi::TableKind::scheduler, 0));
  // A garbage count, with or without a list: one problem, nothing read past the one entry there is
  // (nor 2^31 problems made for a NULL list).
  const auto one = scheduler("one");
  const tx_scheduler_api* one_table[] = {&one};
  const tx_scheduler_api* const* lists[] = {one_table, nullptr};
  for (const tx_scheduler_api* const* list : lists) {
    info.schedulers = list;
    info.num_schedulers = 0x80000000u;
    CHECK(problems_of(info) == "scheduler[4294967295] scheduler list has 2147483648 entries, more than the 4096 a "
                               "plugin may provide (is its count set?)");
    const auto problems = torchx::abi::check_tables(info);
    CHECK_FALSE(torchx::abi::usable(problems, torchx::abi::TableKind::scheduler, 0));
    CHECK(torchx::abi::usable(problems, torchx::abi::TableKind::component, 0));
  }
  info.schedulers = null_table;
  info.num_schedulers = 1;

  tx_plugin_info others{};
  auto echo = component("echo");
  auto broken = component("broken");
  broken.signature_json = nullptr;
  const tx_component_api* components[] = {&echo, &broken};
  others.components = components;
  others.num_components = 2;
  tx_tracker_api tracker{};
  tracker.struct_size = static_cast<std::uint32_t>(TX_TRACKER_V1_SIZE);
  tracker.name = "t";
  tracker.create = s_create;
  tracker.destroy = s_destroy;
  const tx_tracker_api* trackers[] = {&tracker};
  others.trackers = trackers;
  others.num_trackers = 1;
  tx_named_resources_api resources{};
  resources.struct_size = static_cast<std::uint32_t>(sizeof resources);
  resources.name = "site";
  resources.list = r_list;
  const tx_named_resources_api* sets[] = {&resources};
  others.named_resources = sets;
  others.num_named_resources = 1;
  CHECK(problems_of(others) ==
        "component[1] component 'broken' has no signature_json; tracker[0] tracker 't' has no add_metadata; "
        "tracker[0] tracker 't' has no metadata; tracker[0] tracker 't' has no add_artifact; "
        "tracker[0] tracker 't' has no artifacts; tracker[0] tracker 't' has no add_source; "
        "tracker[0] tracker 't' has no sources; tracker[0] tracker 't' has no run_ids");
  const auto problems = torchx::abi::check_tables(others);
  CHECK(torchx::abi::usable(problems, torchx::abi::TableKind::component, 0));
  CHECK_FALSE(torchx::abi::usable(problems, torchx::abi::TableKind::component, 1));
  CHECK(torchx::abi::usable(problems, torchx::abi::TableKind::named_resources, 0));
}

TEST_SUITE_END();
