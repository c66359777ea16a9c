// SPDX-License-Identifier: BSD-3-Clause
#include "calls.hpp"

namespace torchx::conformance {

std::string status_name(tx_status status) {
  switch (status) {
    case TX_OK:
      return "TX_OK";
    case TX_E_INVALID_ARGUMENT:
      return "TX_E_INVALID_ARGUMENT";
    case TX_E_NOT_FOUND:
      return "TX_E_NOT_FOUND";
    case TX_E_UNSUPPORTED:
      return "TX_E_UNSUPPORTED";
    case TX_E_UNAVAILABLE:
      return "TX_E_UNAVAILABLE";
    case TX_E_INTERNAL:
      return "TX_E_INTERNAL";
  }
  return "unknown status " + std::to_string(static_cast<int>(status));
}

std::string counted(std::size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

tx_sink string_sink(std::string& target) {
  return tx_sink{&target, [](void* ctx, const char* data, size_t len) {
                   if (data != nullptr && len > 0) static_cast<std::string*>(ctx)->append(data, len);
                 }};
}

std::string CallResult::describe() const {
  if (ok()) return "TX_OK";
  return status_name(status) + (err.empty() ? " (no message)" : " (\"" + err + "\")");
}

namespace {
std::string excerpt(const std::string& text) {
  constexpr std::size_t k_max = 60;
  return "\"" + (text.size() > k_max ? text.substr(0, k_max) + "...\" (" + std::to_string(text.size()) + " bytes)"
                                     : text + "\"");
}
}  // namespace

std::string difference(const CallResult& first, const CallResult& second) {
  if (first.status != second.status)
    return "status " + status_name(first.status) + ", then " + status_name(second.status);
  if (first.out != second.out) return "out sink " + excerpt(first.out) + ", then " + excerpt(second.out);
  if (first.err != second.err) return "err sink " + excerpt(first.err) + ", then " + excerpt(second.err);
  return {};
}

MessageLedger& ledger() {
  static MessageLedger l;
  return l;
}

void note_call(const std::string& what, const CallResult& result) {
  if (result.ok()) return;
  MessageLedger& l = ledger();
  ++l.error_returns;
  if (result.err.empty()) {
    l.problems.push_back(what + " returned " + status_name(result.status) + " with an empty message");
  } else if (result.err.find_first_of("\r\n") != std::string::npos) {
    l.problems.push_back(what + " returned " + status_name(result.status) + " with a message that is not one line");
  }
}

}  // namespace torchx::conformance
