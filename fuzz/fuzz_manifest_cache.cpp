// SPDX-License-Identifier: BSD-3-Clause
// The discovery cache's entries (host/loader/manifest_cache.hpp): a body decodes or is refused,
// never a crash; what decodes is encoded back into a body that decodes to the very same stamp
// and reading, and encoding is stable from then on.
#include "fuzz_check.hpp"

#include "manifest_cache.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using torchx::loader::ManifestCache;
  const auto decoded = ManifestCache::decode_entry(torchx::fuzz::text(data, size));
  if (!decoded) return 0;
  const auto& [stamp, reading] = *decoded;
  const std::string body = ManifestCache::encode_entry(stamp, reading);
  const auto again = ManifestCache::decode_entry(body);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->first == stamp);
  FUZZ_CHECK(again->second.manifest == reading.manifest);
  FUZZ_CHECK(again->second.error == reading.error);
  FUZZ_CHECK(again->second.claimed == reading.claimed);
  FUZZ_CHECK(ManifestCache::encode_entry(again->first, again->second) == body);
  return 0;
}
