// SPDX-License-Identifier: BSD-3-Clause
// App handles: a handle parses or throws MalformedAppHandleError; what parses is made back into
// the very same text, and that text parses into the same parts.
#include "fuzz_check.hpp"

#include <torchx/specs/app_handle.hpp>
#include <torchx/specs/errors.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace torchx::specs;
  const auto text = torchx::fuzz::text(data, size);
  AppHandle handle;
  try {
    handle = parse_app_handle(text);
  } catch (const MalformedAppHandleError&) {
    return 0;
  }
  FUZZ_CHECK(!handle.scheduler_backend.empty());
  FUZZ_CHECK(!handle.app_id.empty());
  const std::string made = handle.str();
  FUZZ_CHECK(made == text);
  FUZZ_CHECK(parse_app_handle(made) == handle);
  return 0;
}
