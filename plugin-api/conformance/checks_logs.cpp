// SPDX-License-Identifier: BSD-3-Clause
// The check of a scheduler's log_read (ABI 1.1): whole lines, within the buffer, the same lines as
// log_next. It needs an app with logs (--log-query), since the harness never schedules one.
#include "calls.hpp"
#include "checks.hpp"

#include <boost/json.hpp>

#include <cstring>
#include <vector>

namespace json = boost::json;

namespace torchx::conformance {
namespace {

/// Stop reading a stream past this much: a check must end, even on an endless log.
constexpr std::size_t k_max_log_bytes = std::size_t{64} << 20;
/// Bytes after the buffer that log_read must not touch.
constexpr std::size_t k_guard = 64;
constexpr unsigned char k_guard_byte = 0xA5;

/// Lines as log_next's would arrive through log_read with a buffer of `cap`: a line longer than
/// cap - 1 bytes in pieces of cap - 1.
std::vector<std::string> as_pieces(const std::vector<std::string>& lines, std::size_t cap) {
  std::vector<std::string> out;
  for (const auto& line : lines) {
    if (line.size() <= cap - 1) {
      out.push_back(line);
      continue;
    }
    for (std::size_t pos = 0; pos < line.size(); pos += cap - 1) out.push_back(line.substr(pos, cap - 1));
  }
  return out;
}

}  // namespace

CheckResult check_log_read(const tx_scheduler_api& api, const Options& options) {
  if (!TX_HAS_MEMBER(&api, tx_scheduler_api, log_read) || api.log_read == nullptr) {
    return skip("the scheduler has no log_read (ABI 1.1): hosts read its logs with log_next");
  }
  if (!options.log_query) return skip("no --log-query given: no app whose logs log_read could be compared on");
  json::object query;
  try {
    query = json::parse(*options.log_query).as_object();
  } catch (const std::exception&) {
    return fail("--log-query is not a JSON object");
  }
  query["should_tail"] = false;  // a snapshot: both reads must end
  query["regex"] = nullptr;
  const std::string query_json = json::serialize(query);
  const std::string name = api.name;
  void* instance = nullptr;
  const CallResult created = call("scheduler '" + name + "' create", [&](const tx_sink*, const tx_sink* err) {
    return api.create("conformance", &instance, err);
  });
  if (created.status == TX_E_UNAVAILABLE) return skip("the backend is unavailable: " + created.err);
  if (!created.ok()) return fail("create answered " + created.describe());
  struct Destroy {
    const tx_scheduler_api& api;
    void* instance;
    ~Destroy() { api.destroy(instance); }
  } destroy{api, instance};

  const auto open = [&](void** iterator) {
    return call("scheduler '" + name + "' log_open", [&](const tx_sink*, const tx_sink* err) {
      return api.log_open(instance, query_json.c_str(), iterator, err);
    });
  };
  // The reference: log_next, line by line.
  void* it = nullptr;
  if (const CallResult r = open(&it); !r.ok()) return skip("log_open of --log-query answered " + r.describe());
  std::vector<std::string> expected;
  std::size_t bytes = 0;
  while (bytes < k_max_log_bytes) {
    int done = 0;
    const CallResult r = call("scheduler '" + name + "' log_next", [&](const tx_sink* out, const tx_sink* err) {
      return api.log_next(it, out, &done, err);
    });
    if (!r.ok()) {
      api.log_close(it);
      return fail("log_next answered " + r.describe());
    }
    if (done != 0) break;
    bytes += r.out.size() + 1;
    expected.push_back(r.out);
  }
  api.log_close(it);
  const bool truncated = bytes >= k_max_log_bytes;

  // log_read with the smallest buffer a host may pass, so that long lines are cut into pieces.
  const std::size_t cap = TX_LOG_READ_MIN_CAP;
  if (const CallResult r = open(&it); !r.ok()) return fail("log_open answered " + r.describe() + " the second time");
  std::vector<char> buf(cap + k_guard);
  std::vector<std::string> got;
  std::size_t batches = 0;
  std::size_t got_bytes = 0;
  std::string problem;
  while (problem.empty() && got_bytes < k_max_log_bytes) {
    std::memset(buf.data(), k_guard_byte, buf.size());
    std::size_t len = 0;
    int done = 0;
    const CallResult r = call("scheduler '" + name + "' log_read", [&](const tx_sink*, const tx_sink* err) {
      return api.log_read(it, buf.data(), cap, &len, &done, err);
    });
    if (!r.ok()) {
      problem = "log_read answered " + r.describe();
      break;
    }
    if (len > cap) {
      problem = "log_read wrote " + std::to_string(len) + " bytes into a buffer of " + std::to_string(cap);
      break;
    }
    for (std::size_t i = cap; i < buf.size(); ++i) {
      if (static_cast<unsigned char>(buf[i]) != k_guard_byte) problem = "log_read wrote past the end of its buffer";
    }
    if (len > 0 && buf[len - 1] != '\n') problem = "log_read returned a batch that does not end with a line break";
    if (!problem.empty()) break;
    ++batches;
    got_bytes += len;
    for (std::size_t pos = 0; pos < len;) {
      const auto* nl = static_cast<const char*>(std::memchr(buf.data() + pos, '\n', len - pos));
      const std::size_t end = static_cast<std::size_t>(nl - buf.data());
      got.emplace_back(buf.data() + pos, end - pos);
      pos = end + 1;
    }
    if (done != 0) break;
  }
  api.log_close(it);
  if (!problem.empty()) return fail(problem);

  const auto want = as_pieces(expected, cap);
  const std::size_t compared = truncated ? std::min(want.size(), got.size()) : want.size();
  if (!truncated && got.size() != want.size()) {
    return fail("log_read returned " + counted(got.size(), "line") + ", log_next " + counted(want.size(), "line") +
                " (as pieces of " + std::to_string(cap - 1) + " bytes)");
  }
  for (std::size_t i = 0; i < compared; ++i) {
    if (got[i] != want[i]) {
      return fail("line " + std::to_string(i + 1) + " from log_read (" + std::to_string(got[i].size()) +
                  " bytes) differs from log_next's (" + std::to_string(want[i].size()) + " bytes)");
    }
  }
  return pass(counted(got.size(), "line") + " in " + counted(batches, "call") + " of at most " +
              std::to_string(cap) + " bytes, the same as log_next's");
}

}  // namespace torchx::conformance
