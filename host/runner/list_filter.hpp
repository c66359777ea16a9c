// SPDX-License-Identifier: BSD-3-Clause
// ListFilter: which apps `list` keeps, by state and by age, for every scheduler alike.
#pragma once

#include <torchx/specs/app_state.hpp>
#include <torchx/specs/scheduler_types.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::runner {

/// Which apps `Runner::list` keeps; the default keeps every app. Ages are taken from each item's
/// `started_at` (ListAppResponse); an item without one has no known age and is left out by an age
/// filter (the runner warns once per call how many were).
struct ListFilter {
  std::vector<specs::AppState> states;       ///< empty: any state
  std::optional<double> since_seconds;       ///< started at most this many seconds ago
  std::optional<double> older_than_seconds;  ///< started more than this many seconds ago
  bool empty() const { return states.empty() && !since_seconds && !older_than_seconds; }
};

/// The states in `text`, a comma-separated list of AppState names (any case, e.g.
/// "running,FAILED"). Throws std::invalid_argument with a one-line message naming the bad word and
/// the valid names.
std::vector<specs::AppState> parse_states(std::string_view text);

/// The number of seconds in an age such as "30d", "12h", "90m", "45s", "2w" or "1.5d" (a positive
/// number and one unit letter; a bare number is seconds). Throws std::invalid_argument with a
/// one-line message naming `flag` otherwise.
double parse_age(std::string_view flag, std::string_view text);

/// The items of `items` that `filter` keeps, in their order, judged at `now` (epoch seconds).
/// `unknown_age` is set to how many were left out only because they have no start time.
std::vector<specs::ListAppResponse> apply(const ListFilter& filter, std::vector<specs::ListAppResponse> items, double now,
                                          std::size_t& unknown_age);

}  // namespace torchx::runner
