// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/app_state.hpp>

#include <array>

namespace torchx::specs {
namespace {

constexpr std::array<const char*, 8> k_names = {"UNSUBMITTED", "SUBMITTED", "PENDING",   "RUNNING",
                                                "SUCCEEDED",   "FAILED",    "CANCELLED", "UNKNOWN"};

}  // namespace

const char* to_string(AppState state) {
  const auto index = static_cast<std::size_t>(state);
  return index < k_names.size() ? k_names[index] : "UNKNOWN";
}

std::string to_repr(AppState state) {
  return std::string(to_string(state)) + " (" + std::to_string(static_cast<int>(state)) + ")";
}

std::optional<AppState> app_state_from_string(std::string_view text) {
  for (std::size_t i = 0; i < k_names.size(); ++i) {
    if (text == k_names[i] || text == std::to_string(i)) return static_cast<AppState>(i);
  }
  return std::nullopt;
}

bool is_terminal(AppState state) {
  return state == AppState::SUCCEEDED || state == AppState::FAILED || state == AppState::CANCELLED;
}

bool is_started(AppState state) { return state == AppState::RUNNING || is_terminal(state); }

}  // namespace torchx::specs
