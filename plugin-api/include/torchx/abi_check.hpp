// SPDX-License-Identifier: BSD-3-Clause
// The one validator of a plugin's answer to tx_plugin_negotiate: the size rule and the required
// members of plugin_api.h, used by the host's loader and by torchx-plugin-conformance alike.
#pragma once

#include <torchx/plugin_api.h>

#include <cstdint>
#include <string>
#include <vector>

namespace torchx::abi {

/// The kinds of table a plugin hands out, in the order tx_plugin_info lists them.
enum class TableKind { scheduler, component, tracker, named_resources, command };

/// "scheduler", "component", "tracker", "named-resources", "command".
const char* to_string(TableKind kind);

/// The most tables of one kind a plugin may hand out. A larger count is a plugin bug (an unset
/// or garbage count): refused without reading the list, which cannot be that long.
inline constexpr std::uint32_t k_max_tables = 4096;

/// TableProblem::index of a problem with the whole list of a kind: no table of it is usable.
inline constexpr std::uint32_t k_whole_list = UINT32_MAX;

/// One thing wrong with a plugin's tables: which table (kind and index in its list) and a
/// one-line message naming it ("scheduler 'x' has no create").
struct TableProblem {
  TableKind kind;
  std::uint32_t index;
  std::string message;
};

/// Checks every table of `info` (as answered for ABI 1) against plugin_api.h's rules and returns
/// the problems, in list order (empty: the host may use every table). The rules:
/// - a count is at most k_max_tables (else one problem, index k_whole_list, and no entry of the
///   list is read);
/// - a list is non-NULL when its count is not 0, and each of its tables is non-NULL;
/// - a table's struct_size is at least its v1 size (TX_SCHEDULER_V1_SIZE, ...): members are read
///   only when they lie within struct_size, and a larger table than this header knows is
///   accepted, its tail ignored;
/// - it has a non-empty name, unique among the tables of its kind;
/// - it has every member plugin_api.h marks "Required" (and the scheduler's log_open, log_next
///   and log_close all three or none; its log_read, ABI 1.1, only with all three).
/// Commands (revision 1.1) are checked when `info.struct_size` covers num_commands.
/// A table with a problem must not be called; the others may. Reads only `info` and the tables
/// it points to; never throws except std::bad_alloc. Thread-safe.
std::vector<TableProblem> check_tables(const tx_plugin_info& info);

/// True when `kind`'s table `index` has no problem among `problems` (nor its whole list).
bool usable(const std::vector<TableProblem>& problems, TableKind kind, std::uint32_t index);

}  // namespace torchx::abi
