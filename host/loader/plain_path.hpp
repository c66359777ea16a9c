// SPDX-License-Identifier: BSD-3-Clause
// Plain absolute paths: the texts that need no std::filesystem::path work (discovery's hot path).
#pragma once

#include <string_view>

namespace torchx::loader {

/// Whether `p` is absolute and already lexically normal: no empty, "." or ".." component and no
/// trailing '/' ("/" itself is not: it has no component). Such a path is its own
/// lexically_normal(), and two of them name the same path exactly when their texts are equal.
/// Pure; never throws.
bool is_plain_absolute(std::string_view p);

}  // namespace torchx::loader
