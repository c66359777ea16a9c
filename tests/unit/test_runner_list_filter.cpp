// SPDX-License-Identifier: BSD-3-Clause
// host/runner/list_filter: `list --state/--since/--older-than`, one row each.
#include "list_filter.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

using torchx::runner::ListFilter;
using torchx::specs::AppState;
using torchx::specs::ListAppResponse;

TEST_CASE("list_filter: parse_age takes a number and a unit, and names the flag otherwise") {
  CHECK(torchx::runner::parse_age("--since", "30d") == 30 * 86400.0);
  CHECK(torchx::runner::parse_age("--since", "1.5h") == 5400.0);
  CHECK(torchx::runner::parse_age("--since", "2w") == 14 * 86400.0);
  CHECK(torchx::runner::parse_age("--since", "90m") == 5400.0);
  CHECK(torchx::runner::parse_age("--since", "45s") == 45.0);
  CHECK(torchx::runner::parse_age("--since", "45") == 45.0);
  for (const char* bad : {"", "d", "-1d", "3x", "1e400d", "nan", "inf", "1 d", "d1"}) {
    INFO(bad);
    CHECK_THROWS_WITH_AS(torchx::runner::parse_age("--older-than", bad),
                         (std::string("--older-than: '") + bad +
                          "' is not an age (a number and a unit: s, m, h, d or w; e.g. 30d, 12h)")
                             .c_str(),
                         std::invalid_argument);
  }
}

TEST_CASE("list_filter: parse_states takes names in any case, and refuses the rest") {
  CHECK(torchx::runner::parse_states("running,FAILED,Failed") == std::vector<AppState>{AppState::RUNNING, AppState::FAILED});
  for (const char* bad : {"", "DONE", "RUNNING,", ",", "3"}) {
    INFO(bad);
    CHECK_THROWS_AS(torchx::runner::parse_states(bad), std::invalid_argument);
  }
}

TEST_CASE("list_filter: apply keeps the order, and an age filter leaves out items without a start time") {
  const double now = 1000000;
  std::vector<ListAppResponse> items{{"a", AppState::RUNNING, "", "a", now - 10},
                                     {"b", AppState::FAILED, "", "b", now - 100000},
                                     {"c", AppState::SUCCEEDED, "", "c", std::nullopt}};
  std::size_t unknown = 99;
  CHECK(torchx::runner::apply({}, items, now, unknown).size() == 3);
  CHECK(unknown == 0);
  auto kept = torchx::runner::apply(ListFilter{{AppState::FAILED, AppState::SUCCEEDED}, {}, {}}, items, now, unknown);
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].app_id == "b");
  CHECK(kept[1].app_id == "c");
  kept = torchx::runner::apply(ListFilter{{}, 3600.0, {}}, items, now, unknown);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].app_id == "a");
  CHECK(unknown == 1);
  kept = torchx::runner::apply(ListFilter{{}, {}, 3600.0}, items, now, unknown);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].app_id == "b");
}
