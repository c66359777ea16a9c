// SPDX-License-Identifier: BSD-3-Clause
// `torchx prune -s SCHEDULER --older-than AGE [--dry-run]`: deletes the apps of a scheduler that
// finished (SUCCEEDED, FAILED, CANCELLED) at least AGE ago, through the host's services only
// (list, then delete each), and lists what it deletes. The example command plugin of the SDK
// (plugin-api/docs/writing-a-command.md): the way to keep a local_cwd state small.
#include <torchx/plugin.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using torchx::plugin::CommandContext;
using torchx::plugin::InvalidArgument;

constexpr const char* k_usage = "usage: torchx prune -s SCHEDULER --older-than AGE [--dry-run]\n";
constexpr const char* k_help =
    "\n"
    "Deletes the apps of SCHEDULER that finished (SUCCEEDED, FAILED or CANCELLED) at least AGE ago,\n"
    "as 'torchx delete' would, and prints the handle of each on stdout (a summary goes to stderr).\n"
    "Running apps are never touched; a finished app whose scheduler does not say when it finished\n"
    "is kept (and counted). Deleting keeps a scheduler's state small (local_cwd keeps every app).\n"
    "\n"
    "options:\n"
    "  -s, --scheduler SCHEDULER  the scheduler whose apps to prune (e.g. local_cwd)\n"
    "  --older-than AGE           a number and a unit: s, m, h, d (days) or w (weeks), e.g. 30d, 12h\n"
    "  --dry-run                  print what would be deleted, delete nothing\n"
    "  -h, --help                 show this help\n"
    "\n"
    "exit codes: 0 ok (also when nothing was old enough); 1 an app could not be deleted (the others\n"
    "were) or the scheduler failed; 2 a bad argument; 4 the scheduler is unavailable.\n";

/// Seconds in AGE ("30d", "12h", "1.5w"); throws InvalidArgument with the expected form.
double parse_age(const std::string& text) {
  const auto bad = [&] {
    return InvalidArgument("invalid --older-than '" + text +
                           "': expected a number and a unit (s, m, h, d or w), e.g. 30d or 12h");
  };
  if (text.size() < 2 || text.size() > 32) throw bad();
  const char unit = text.back();
  double scale = 0;
  switch (unit) {
    case 's':
      scale = 1;
      break;
    case 'm':
      scale = 60;
      break;
    case 'h':
      scale = 3600;
      break;
    case 'd':
      scale = 86400;
      break;
    case 'w':
      scale = 7 * 86400;
      break;
    default:
      throw bad();
  }
  const std::string number = text.substr(0, text.size() - 1);
  for (char c : number) {
    if ((c < '0' || c > '9') && c != '.') throw bad();
  }
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end == number.c_str() || *end != '\0' || !std::isfinite(value)) throw bad();
  const double seconds = value * scale;
  if (seconds > 1000.0 * 365 * 86400) throw bad();
  return seconds;
}

struct Options {
  std::string scheduler;
  std::string older_than;
  bool dry_run = false;
  bool help = false;
};

Options parse_args(const std::vector<std::string>& args) {
  Options o;
  auto value = [&](std::size_t& i, const std::string& flag) -> std::string {
    const std::string& a = args[i];
    if (a.size() > flag.size() && a.compare(0, flag.size() + 1, flag + "=") == 0) return a.substr(flag.size() + 1);
    if (i + 1 >= args.size()) throw InvalidArgument("option " + flag + " needs a value (see: torchx prune --help)");
    return args[++i];
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (a == "--dry-run") {
      o.dry_run = true;
    } else if (a == "-s" || a == "--scheduler" || a.rfind("--scheduler=", 0) == 0) {
      o.scheduler = value(i, a == "-s" ? "-s" : "--scheduler");
    } else if (a == "--older-than" || a.rfind("--older-than=", 0) == 0) {
      o.older_than = value(i, "--older-than");
    } else {
      std::string shown = a.size() > 80 ? a.substr(0, 80) + "..." : a;
      throw InvalidArgument("unrecognized argument '" + shown + "' (see: torchx prune --help)");
    }
  }
  return o;
}

std::string age_text(double seconds) {
  char buf[64];
  if (seconds >= 86400)
    std::snprintf(buf, sizeof buf, "%.1f days", seconds / 86400);
  else if (seconds >= 3600)
    std::snprintf(buf, sizeof buf, "%.1f hours", seconds / 3600);
  else
    std::snprintf(buf, sizeof buf, "%.0f seconds", seconds);
  return buf;
}

int prune(const CommandContext& ctx) {
  const Options o = parse_args(ctx.args);
  if (o.help) {
    ctx.out(std::string(k_usage) + k_help);
    return 0;
  }
  if (o.scheduler.empty()) throw InvalidArgument("the option -s/--scheduler is required (see: torchx prune --help)");
  if (o.older_than.empty()) throw InvalidArgument("the option --older-than is required, e.g. --older-than 30d");
  const double min_age = parse_age(o.older_than);
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

  int deleted = 0;
  int failed = 0;
  int no_time = 0;
  int kept = 0;
  for (const auto& app : ctx.services.list(o.scheduler)) {
    if (!torchx::specs::is_terminal(app.state)) {
      ++kept;
      continue;
    }
    if (!app.finished_at) {
      ++no_time;
      continue;
    }
    const double age = now - *app.finished_at;
    if (age < min_age) {
      ++kept;
      continue;
    }
    const std::string what =
        " (" + std::string(torchx::specs::to_string(app.state)) + ", finished " + age_text(age) + " ago)";
    if (o.dry_run) {
      ctx.out(app.app_handle + "\n");
      ctx.diag("prune: would delete " + app.app_handle + what + "\n");
      ++deleted;
      continue;
    }
    try {
      ctx.services.delete_app(app.app_handle);
      ctx.out(app.app_handle + "\n");
      ++deleted;
    } catch (const torchx::plugin::Error& e) {
      ctx.diag("prune: could not delete " + app.app_handle + ": " + e.what() + "\n");
      ++failed;
    }
  }
  std::string summary = "prune: " + std::string(o.dry_run ? "would delete " : "deleted ") + std::to_string(deleted) +
                        " app(s) of '" + o.scheduler + "' finished at least " + o.older_than + " ago; kept " +
                        std::to_string(kept);
  if (no_time > 0) summary += "; kept " + std::to_string(no_time) + " finished app(s) whose finish time is unknown";
  if (failed > 0) summary += "; " + std::to_string(failed) + " could not be deleted";
  ctx.diag(summary + "\n");
  return failed > 0 ? 1 : 0;
}

}  // namespace

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
  static torchx::plugin::Plugin plugin =
      torchx::plugin::Plugin(TORCHX_PLUGIN_NAME, TORCHX_PLUGIN_VERSION)
          .command(
              {"prune", "delete a scheduler's finished apps older than an age (--older-than 30d) [--dry-run]", &prune});
  return plugin.negotiate(host, info);
}
