// SPDX-License-Identifier: BSD-3-Clause
#include "list_filter.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace torchx::runner {

namespace {

constexpr specs::AppState k_states[] = {specs::AppState::UNSUBMITTED, specs::AppState::SUBMITTED, specs::AppState::PENDING,
                                        specs::AppState::RUNNING,     specs::AppState::SUCCEEDED, specs::AppState::FAILED,
                                        specs::AppState::CANCELLED,   specs::AppState::UNKNOWN};

std::string shown(std::string_view text) {
  return std::string(text.substr(0, 40)) + (text.size() > 40 ? "..." : "");
}

}  // namespace

std::vector<specs::AppState> parse_states(std::string_view text) {
  std::vector<specs::AppState> out;
  std::string names;
  for (const auto s : k_states) names += (names.empty() ? "" : ", ") + std::string(specs::to_string(s));
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    std::string word(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::toupper(c); });
    const auto state = word.empty() ? std::nullopt : specs::app_state_from_string(word);
    // app_state_from_string also takes numbers; only the names are offered on the command line.
    if (!state || word.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != std::string::npos) {
      throw std::invalid_argument("--state: '" + shown(word.empty() ? text : std::string_view(word)) +
                                  "' is not an app state (one of " + names + ", comma-separated)");
    }
    if (std::find(out.begin(), out.end(), *state) == out.end()) out.push_back(*state);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

double parse_age(std::string_view flag, std::string_view text) {
  double unit = 1;
  std::string_view number = text;
  if (!text.empty()) {
    switch (text.back()) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 7 * 86400; break;
      default: unit = 0;
    }
    if (unit != 0) number.remove_suffix(1);
    else unit = 1;
  }
  double v = NAN;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
  if (number.empty() || ec != std::errc{} || end != number.data() + number.size() || !std::isfinite(v) || v < 0 ||
      !std::isfinite(v * unit)) {
    throw std::invalid_argument(std::string(flag) + ": '" + shown(text) +
                                "' is not an age (a number and a unit: s, m, h, d or w; e.g. 30d, 12h)");
  }
  return v * unit;
}

std::vector<specs::ListAppResponse> apply(const ListFilter& filter, std::vector<specs::ListAppResponse> items, double now,
                                          std::size_t& unknown_age) {
  unknown_age = 0;
  if (filter.empty()) return items;
  const bool by_age = filter.since_seconds || filter.older_than_seconds;
  std::vector<specs::ListAppResponse> out;
  for (auto& item : items) {
    if (!filter.states.empty() &&
        std::find(filter.states.begin(), filter.states.end(), item.state) == filter.states.end()) {
      continue;
    }
    if (by_age) {
      if (!item.started_at) {
        ++unknown_age;
        continue;
      }
      const double age = now - *item.started_at;
      if (filter.since_seconds && age > *filter.since_seconds) continue;
      if (filter.older_than_seconds && age <= *filter.older_than_seconds) continue;
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace torchx::runner
