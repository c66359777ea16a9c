// SPDX-License-Identifier: BSD-3-Clause
// The one translation unit that holds doctest's runner.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
