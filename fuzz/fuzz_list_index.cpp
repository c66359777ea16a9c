// SPDX-License-Identifier: BSD-3-Clause
// local_cwd's list index (plugins/local/list_index.hpp), a file in the state root that a crash
// may cut short and anyone with access may edit: any text parses to rows or to none (ignored
// whole), never a crash; rows that parse are formatted back into an index that parses to the
// very same rows.
#include "fuzz_check.hpp"

#include "list_index.hpp"

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace torchx::local;
  const std::string text(torchx::fuzz::text(data, size));
  const auto rows = parse_list_index(text);
  if (rows.empty()) return 0;
  std::vector<IndexRow> list;
  list.reserve(rows.size());
  for (const auto& [id, row] : rows) {
    FUZZ_CHECK(id == row.app_id);
    list.push_back(row);
  }
  std::sort(list.begin(), list.end(), [](const IndexRow& a, const IndexRow& b) { return a.app_id < b.app_id; });
  const auto back = parse_list_index(format_list_index(list));
  FUZZ_CHECK(back == rows);
  return 0;
}
