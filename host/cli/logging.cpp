// SPDX-License-Identifier: BSD-3-Clause
#include "logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace torchx::cli {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

}  // namespace

bool is_log_level(std::string_view name) {
  const std::string u = upper(name);
  return std::find(std::begin(k_log_levels), std::end(k_log_levels), u) != std::end(k_log_levels);
}

bool logs_debug(std::string_view level) { return upper(level) == "DEBUG"; }

void init_logging(std::string_view level) {
  const std::string u = upper(level);
  auto logger = spdlog::stderr_logger_st("torchx");
  logger->set_pattern("torchx %Y-%m-%d %H:%M:%S %-8l %v");
  spdlog::level::level_enum lvl = spdlog::level::info;
  if (u == "DEBUG") lvl = spdlog::level::debug;
  else if (u == "WARNING") lvl = spdlog::level::warn;
  else if (u == "ERROR") lvl = spdlog::level::err;
  else if (u == "CRITICAL") lvl = spdlog::level::critical;
  logger->set_level(lvl);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace torchx::cli
