// SPDX-License-Identifier: BSD-3-Clause
// Logging set-up for the CLI: one stderr logger, TorchX's level names.
#pragma once

#include <optional>
#include <string_view>

namespace torchx::cli {

/// The level names `--log_level` takes (any case), most verbose first.
inline constexpr std::string_view k_log_levels[] = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"};

/// True if `name` is one of k_log_levels, in any case.
bool is_log_level(std::string_view name);

/// True if `level` (one of k_log_levels, any case) logs debug records.
bool logs_debug(std::string_view level);

/// Sends log records at `level` and above to stderr as `torchx <date> <time> <LEVEL> <message>`.
/// `level` must satisfy is_log_level.
void init_logging(std::string_view level);

}  // namespace torchx::cli
