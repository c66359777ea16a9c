// SPDX-License-Identifier: BSD-3-Clause
// One JSON decoder of the specs library (torchx/specs/json.hpp), chosen at compile time by
// FUZZ_DECODE (one target per decoder, fuzz/CMakeLists.txt). Any text either decodes or throws
// JsonDecodeError; what decodes survives a round trip: decode(to_json(x)) == x, and encoding
// that again gives the same text (unless a number Boost.JSON 1.81 reads inexactly may have moved
// by an ulp: see fuzz::may_hold_inexact_number).
#include "fuzz_check.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>

#include <concepts>

#ifndef FUZZ_DECODE
#error "FUZZ_DECODE names the decoder, e.g. app_def_from_json"
#endif

namespace {

/// Equal values, where the type can say (RunOpts cannot: its text is compared instead).
template <typename T>
bool same(const T& a, const T& b) {
  if constexpr (std::equality_comparable<T>) {
    return a == b;
  } else {
    return true;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace torchx::specs;
  decltype(FUZZ_DECODE(std::string_view{})) first;
  try {
    first = FUZZ_DECODE(torchx::fuzz::text(data, size));
  } catch (const JsonDecodeError&) {
    return 0;
  }
  const std::string encoded = to_json(first);
  const auto second = FUZZ_DECODE(encoded);  // what we wrote must read back: no catch
  const bool exact = !torchx::fuzz::may_hold_inexact_number(torchx::fuzz::text(data, size));
  FUZZ_CHECK(!exact || same(second, first));
  FUZZ_CHECK(!exact || to_json(second) == encoded);
  return 0;
}
