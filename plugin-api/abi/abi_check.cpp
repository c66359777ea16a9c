// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/abi_check.hpp>

#include <algorithm>
#include <cstddef>
#include <set>

namespace torchx::abi {
namespace {

/// What one kind of table must have, beyond struct_size and a name.
template <typename Table>
struct Rules;

/// Adds "<label> has no <member>" when the v1 member `member` of `t` is NULL.
#define TX_ABI_REQUIRE(member)                                                   \
  if (t.member == nullptr) missing.emplace_back(#member)

template <>
struct Rules<tx_scheduler_api> {
  static constexpr TableKind kind = TableKind::scheduler;
  static constexpr std::size_t v1_size = TX_SCHEDULER_V1_SIZE;
  static constexpr const char* v1_size_name = "TX_SCHEDULER_V1_SIZE";
  static void required(const tx_scheduler_api& t, std::vector<std::string>& missing, std::vector<std::string>& other) {
    TX_ABI_REQUIRE(create);
    TX_ABI_REQUIRE(destroy);
    TX_ABI_REQUIRE(run_opts);
    TX_ABI_REQUIRE(dryrun);
    TX_ABI_REQUIRE(schedule);
    TX_ABI_REQUIRE(describe);
    TX_ABI_REQUIRE(cancel);
    const int logs = (t.log_open != nullptr) + (t.log_next != nullptr) + (t.log_close != nullptr);
    if (logs != 0 && logs != 3) other.emplace_back("has some but not all of log_open, log_next, log_close");
    // ABI 1.1: log_read is read only when the table is long enough to have it.
    if (TX_HAS_MEMBER(&t, tx_scheduler_api, log_read) && t.log_read != nullptr && logs != 3) {
      other.emplace_back("has log_read without log_open, log_next and log_close");
    }
  }
};

template <>
struct Rules<tx_component_api> {
  static constexpr TableKind kind = TableKind::component;
  static constexpr std::size_t v1_size = TX_COMPONENT_V1_SIZE;
  static constexpr const char* v1_size_name = "TX_COMPONENT_V1_SIZE";
  static void required(const tx_component_api& t, std::vector<std::string>& missing, std::vector<std::string>&) {
    TX_ABI_REQUIRE(signature_json);
    TX_ABI_REQUIRE(build);
  }
};

template <>
struct Rules<tx_tracker_api> {
  static constexpr TableKind kind = TableKind::tracker;
  static constexpr std::size_t v1_size = TX_TRACKER_V1_SIZE;
  static constexpr const char* v1_size_name = "TX_TRACKER_V1_SIZE";
  static void required(const tx_tracker_api& t, std::vector<std::string>& missing, std::vector<std::string>&) {
    TX_ABI_REQUIRE(create);
    TX_ABI_REQUIRE(destroy);
    TX_ABI_REQUIRE(add_metadata);
    TX_ABI_REQUIRE(metadata);
    TX_ABI_REQUIRE(add_artifact);
    TX_ABI_REQUIRE(artifacts);
    TX_ABI_REQUIRE(add_source);
    TX_ABI_REQUIRE(sources);
    TX_ABI_REQUIRE(run_ids);
  }
};

template <>
struct Rules<tx_named_resources_api> {
  static constexpr TableKind kind = TableKind::named_resources;
  static constexpr std::size_t v1_size = TX_NAMED_RESOURCES_V1_SIZE;
  static constexpr const char* v1_size_name = "TX_NAMED_RESOURCES_V1_SIZE";
  static void required(const tx_named_resources_api& t, std::vector<std::string>& missing, std::vector<std::string>&) {
    TX_ABI_REQUIRE(list);
  }
};

template <>
struct Rules<tx_command_api> {
  static constexpr TableKind kind = TableKind::command;
  static constexpr std::size_t v1_size = TX_COMMAND_V1_SIZE;
  static constexpr const char* v1_size_name = "TX_COMMAND_V1_SIZE";
  static void required(const tx_command_api& t, std::vector<std::string>& missing, std::vector<std::string>&) {
    TX_ABI_REQUIRE(run);
  }
};

#undef TX_ABI_REQUIRE

template <typename Table>
void check_list(const Table* const* tables, std::uint32_t count, std::vector<TableProblem>& problems) {
  using R = Rules<Table>;
  const std::string kind = to_string(R::kind);
  auto problem = [&](std::uint32_t i, std::string message) { problems.push_back({R::kind, i, std::move(message)}); };
  if (count > k_max_tables) {
    problem(k_whole_list, kind + " list has " + std::to_string(count) + " entries, more than the " +
                              std::to_string(k_max_tables) + " a plugin may provide (is its count set?)");
    return;
  }
  if (count > 0 && tables == nullptr) {
    for (std::uint32_t i = 0; i < count; ++i) problem(i, kind + " list is NULL with " + std::to_string(count) + " entries");
    return;
  }
  std::set<std::string> seen;
  for (std::uint32_t i = 0; i < count; ++i) {
    const Table* t = tables[i];
    const std::string where = kind + " #" + std::to_string(i);
    if (t == nullptr) {
      problem(i, where + " table is NULL");
      continue;
    }
    // Nothing past struct_size is read: a table shorter than v1 has no member we may look at.
    if (t->struct_size < R::v1_size) {
      problem(i, where + " table is " + std::to_string(t->struct_size) + " bytes, ABI 1 needs at least " +
                     std::to_string(R::v1_size) + " (" + R::v1_size_name + ")");
      continue;
    }
    if (t->name == nullptr || *t->name == '\0') {
      problem(i, where + " table has no name");
      continue;
    }
    const std::string label = kind + " '" + t->name + "'";
    if (!seen.insert(t->name).second) problem(i, label + " is provided twice");
    std::vector<std::string> missing;
    std::vector<std::string> other;
    R::required(*t, missing, other);
    for (const auto& member : missing) problem(i, label + " has no " + member);
    for (const auto& text : other) problem(i, label + " " + text);
  }
}

}  // namespace

const char* to_string(TableKind kind) {
  switch (kind) {
    case TableKind::scheduler: return "scheduler";
    case TableKind::component: return "component";
    case TableKind::tracker: return "tracker";
    case TableKind::command: return "command";
    case TableKind::named_resources: break;
  }
  return "named-resources";
}

std::vector<TableProblem> check_tables(const tx_plugin_info& info) {
  std::vector<TableProblem> problems;
  check_list(info.schedulers, info.num_schedulers, problems);
  check_list(info.components, info.num_components, problems);
  check_list(info.trackers, info.num_trackers, problems);
  check_list(info.named_resources, info.num_named_resources, problems);
  // Revision 1.1: read only when the struct the host handed out has them (a zero-filled answer
  // of an older plugin has none).
  if (TX_HAS_MEMBER(&info, tx_plugin_info, num_commands)) check_list(info.commands, info.num_commands, problems);
  return problems;
}

bool usable(const std::vector<TableProblem>& problems, TableKind kind, std::uint32_t index) {
  return std::none_of(problems.begin(), problems.end(),
                      [&](const TableProblem& p) { return p.kind == kind && (p.index == index || p.index == k_whole_list); });
}

}  // namespace torchx::abi
