// SPDX-License-Identifier: BSD-3-Clause
// `torchx log` identifiers (cli::parse_log_identifier): parse or throw MalformedAppHandleError;
// what parses names a role only when one is given, non-negative replica ids, and an app handle
// that parse_app_handle takes back with the same app id.
#include "fuzz_check.hpp"

#include "log_printer.hpp"

#include <torchx/specs/app_handle.hpp>
#include <torchx/specs/errors.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace torchx;
  const std::string identifier(torchx::fuzz::text(data, size));
  cli::LogSelection selection;
  try {
    selection = cli::parse_log_identifier(identifier);
  } catch (const specs::MalformedAppHandleError&) {
    return 0;
  }
  FUZZ_CHECK(!selection.role || !selection.role->empty());
  for (int id : selection.replicas) FUZZ_CHECK(id >= 0);
  try {
    const auto handle = specs::parse_app_handle(selection.app_handle);
    FUZZ_CHECK(handle.str() == selection.app_handle);
  } catch (const specs::MalformedAppHandleError&) {
    // a handle with a line break: refused later by the runner, with the same error type
  }
  return 0;
}
