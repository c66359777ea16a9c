// SPDX-License-Identifier: BSD-3-Clause
// Calls across the plugin boundary as the host makes them: host-owned string sinks, the status
// and message of each call, and the ledger of error returns that the message check reads.
#pragma once

#include <torchx/plugin_api.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace torchx::conformance {

/// "TX_E_NOT_FOUND" and so on; "unknown status N" for a code plugin_api.h does not define.
std::string status_name(tx_status status);

/// `n` and the noun, plural unless n is 1: "1 table", "2 tables".
std::string counted(std::size_t n, const std::string& noun);

/// A host-owned sink appending to `target`, which must outlive every use of the sink.
tx_sink string_sink(std::string& target);

/// What one call returned: its status and what it wrote to its `out` and `err` sinks.
struct CallResult {
  tx_status status = TX_E_INTERNAL;
  std::string out;
  std::string err;
  [[nodiscard]] bool ok() const { return status == TX_OK; }
  /// `TX_E_NOT_FOUND ("app 'x' not found")`, or `TX_OK` for a success.
  [[nodiscard]] std::string describe() const;
  bool operator==(const CallResult&) const = default;
};

/// How `second` differs from `first`, the answers of two identical calls (`status TX_OK, then
/// TX_E_INTERNAL`, `out sink: "[]", then "[][]"`); empty if it does not.
std::string difference(const CallResult& first, const CallResult& second);

/// Thrown by call() when a C++ exception escaped the plugin (exceptions must not cross the ABI);
/// the check that made the call fails with this message.
class EscapedExceptionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Error returns seen in this process: every non-OK status counted, and a problem noted for each
/// one whose message is empty or not one line (plugin_api.h: "on failure, writes a one-line ...
/// message to its `err` sink").
struct MessageLedger {
  int error_returns = 0;
  std::vector<std::string> problems;
};
/// This process's ledger.
MessageLedger& ledger();

/// Records `result` of the call named `what` (`scheduler 'x' describe`) in the ledger.
void note_call(const std::string& what, const CallResult& result);

/// Calls `fn(out_sink, err_sink)`, which makes one plugin call and returns its status, and
/// records it under `what`. Throws EscapedExceptionError if an exception escapes the plugin.
template <typename Fn>
CallResult call(const std::string& what, Fn&& fn) {
  CallResult r;
  const tx_sink out = string_sink(r.out);
  const tx_sink err = string_sink(r.err);
  try {
    r.status = fn(&out, &err);
  } catch (...) {
    throw EscapedExceptionError(what + " let a C++ exception escape (exceptions must not cross the ABI)");
  }
  note_call(what, r);
  return r;
}

}  // namespace torchx::conformance
