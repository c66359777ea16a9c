// SPDX-License-Identifier: BSD-3-Clause
// RFC 4648 base32 with padding: how TorchX's fsspec tracker names a run's directory
// (`base64.b32encode(run_id.encode())`).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace torchx::trackers {

/// The base32 text of `bytes` (alphabet A-Z2-7, '=' padding), as Python's `b32encode`.
std::string b32encode(std::string_view bytes);

/// The bytes of `text`, or nullopt when it is not base32 as `b32encode` writes it (Python's
/// `b32decode` with casefold=False: upper case, padded to a multiple of 8).
std::optional<std::string> b32decode(std::string_view text);

}  // namespace torchx::trackers
