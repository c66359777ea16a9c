// SPDX-License-Identifier: BSD-3-Clause
// The one translation unit that holds doctest's runner.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include <stdlib.h>
#include <unistd.h>

/// Every test runs without this machine's torchx settings: the TORCHX_*, XDG_*, TORCHXCONFIG and
/// LOGLEVEL variables are removed from the test process before any test runs, so that in-process
/// code (the embedded runner, the loader) cannot see them; tests set what they need afterwards,
/// and children get the hermetic environment of cli_env.hpp. Kept: TORCHX_TEST_*, the switches
/// of the test suite itself (TORCHX_TEST_REQUIRE_SLURM from scripts/test.sh, failure seams), which
/// torchx never reads.
int main(int argc, char** argv) {
  std::vector<std::string> names;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    if (name.starts_with("TORCHX_TEST_")) continue;
    if (name.starts_with("TORCHX_") || name.starts_with("XDG_") || name == "TORCHXCONFIG" || name == "LOGLEVEL") {
      names.emplace_back(name);
    }
  }
  for (const auto& name : names) ::unsetenv(name.c_str());
  doctest::Context context(argc, argv);
  return context.run();
}
