// SPDX-License-Identifier: BSD-3-Clause
#include "log_printer.hpp"

#include "command.hpp"
#include "errors.hpp"
#include "prefixed_lines.hpp"
#include "runner.hpp"

#include <torchx/specs/app_handle.hpp>
#include <torchx/specs/errors.hpp>
#include <torchx/util/input_checks.hpp>

#include <boost/json.hpp>
#include <fmt/ranges.h>

#include <chrono>
#include <exception>
#include <stdexcept>
#include <mutex>
#include <ostream>
#include <thread>

namespace torchx::cli {

LogSelection parse_log_identifier(const std::string& identifier) {
  auto bad = [&] {
    // A malformed handle, as `status garbage`: an operation that failed (exit 1), not a usage error.
    return specs::MalformedAppHandleError("invalid log identifier '" + identifier +
                                          "': expected SCHEDULER://[SESSION]/APP_ID[/ROLE[/REPLICA_IDS,...]]");
  };
  const auto scheme = identifier.find("://");
  if (scheme == std::string::npos || scheme == 0) throw bad();
  std::vector<std::string> parts;
  std::string current;
  for (char c : identifier.substr(scheme + 3) + "/") {
    if (c == '/') {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (parts.size() < 2 || parts.size() > 4 || parts[1].empty()) throw bad();
  const std::string session = parts[0].empty() ? "default" : parts[0];
  LogSelection s;
  s.app_handle = identifier.substr(0, scheme) + "://" + session + "/" + parts[1];
  if (parts.size() >= 3) {
    if (parts[2].empty()) throw bad();
    s.role = parts[2];
  }
  if (parts.size() == 4) {
    std::string id;
    for (char c : parts[3] + ",") {
      if (c == ',') {
        if (!id.empty()) s.replicas.push_back(*util::parse_integer<int>(id));  // at most 9 digits: fits
        id.clear();
      } else if (c >= '0' && c <= '9' && id.size() < 9) {
        id += c;
      } else {
        throw bad();
      }
    }
    if (s.replicas.empty()) throw bad();
  }
  return s;
}

void print_logs(runner::Runner& runner, const LogSelection& sel, std::ostream& out) {
  // Wait until the app has started (or ended), as TorchX does. UNKNOWN is not waited for: the
  // scheduler cannot tell (local_cwd: a corrupt record, for good), so its logs are read as they are.
  // One describe gives the state and the roles (for `run`, most apps have started by now).
  std::optional<runner::Runner::DescribedApp> described;
  while (true) {
    described = runner.describe_app(sel.app_handle);
    if (!described) throw runner::UnknownAppError("app '" + sel.app_handle + "' not found (it does not exist or was removed)");
    const specs::AppState state = described->status.state;
    if (specs::is_started(state) || state == specs::AppState::UNKNOWN) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  const specs::AppStatus& status = described->status;
  const specs::AppDef& app = described->app;
  if (app.roles.empty() && status.state == specs::AppState::UNKNOWN) {
    throw specs::Error("cannot read the logs of app '" + sel.app_handle + "', its state is UNKNOWN" +
                       (status.msg.empty() ? std::string{} : ": " + status.msg));
  }

  std::vector<std::pair<std::string, int>> targets;
  std::vector<std::string> role_names;
  for (const auto& role : app.roles) {
    role_names.push_back(role.name);
    if (sel.role && role.name != *sel.role) continue;
    if (sel.replicas.empty()) {
      for (int k = 0; k < role.num_replicas; ++k) targets.emplace_back(role.name, k);
    } else {
      for (int k : sel.replicas) targets.emplace_back(role.name, k);
    }
  }
  if (sel.role && std::find(role_names.begin(), role_names.end(), *sel.role) == role_names.end()) {
    // Exit 1 like an unknown app or replica (and TorchX's `torchx log`), not a usage error.
    throw std::runtime_error("app '" + sel.app_handle + "' has no role '" + *sel.role + "' (roles: " +
                     fmt::format("{}", fmt::join(role_names, ", ")) + ")");
  }

  // Open every stream first (errors surface before any thread starts), then read concurrently.
  std::vector<std::unique_ptr<loader::LogStream>> streams;
  for (const auto& [role, k] : targets) {
    streams.push_back(runner.log_lines_of_known_app(sel.app_handle, role, k, sel.regex, sel.tail, sel.streams));
  }
  std::mutex out_mutex;
  std::exception_ptr first_error;
  auto read_stream = [&](std::size_t i) {
    try {
      PrefixedLines prefixed(targets[i].first + "/" + std::to_string(targets[i].second) + " ");
      std::string json_text;
      while (auto batch = streams[i]->next_batch()) {
        std::string_view text;  // one batch as printed: one write under the lock, whole lines only
        if (sel.json) {
          json_text.clear();
          for (std::size_t pos = 0; pos < batch->size();) {
            const std::size_t nl = batch->find('\n', pos);  // every batch ends with '\n'
            json_text += boost::json::serialize(boost::json::object{
                {"role", targets[i].first}, {"replica", targets[i].second}, {"line", batch->substr(pos, nl - pos)}});
            json_text += '\n';
            pos = nl + 1;
          }
          text = json_text;
        } else {
          text = prefixed.format(*batch);
        }
        std::lock_guard lock(out_mutex);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        if (sel.tail) out.flush();  // following: a line shows when it comes, not when a buffer fills
      }
    } catch (...) {
      std::lock_guard lock(out_mutex);
      if (!first_error) first_error = std::current_exception();
    }
  };
  // One stream (a one-replica app, the usual `torchx run`) is read here: no thread to start and
  // no hand-off to wake this one when it ends (a scheduling delay on a loaded machine).
  std::vector<std::thread> threads;
  if (streams.size() == 1) {
    read_stream(0);
  } else {
    for (std::size_t i = 0; i < streams.size(); ++i) threads.emplace_back(read_stream, i);
  }
  for (auto& t : threads) t.join();
  out.flush();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace torchx::cli
