// SPDX-License-Identifier: BSD-3-Clause
// The host's name for the SDK's process helper (plugin-api/include/torchx/util/process.hpp): one
// implementation, which plugins use too.
#pragma once

#include <torchx/util/process.hpp>
