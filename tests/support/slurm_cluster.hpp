// SPDX-License-Identifier: BSD-3-Clause
// Whether the Slurm tests can run here: skip with a reason in a plain `ctest`, fail in
// scripts/test.sh (which starts the cluster and sets TORCHX_TEST_REQUIRE_SLURM=1).
#pragma once

#include "util/subprocess.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

namespace torchx::test {

/// Why no Slurm cluster answers here ("" when `sinfo` lists nodes).
inline std::string slurm_unavailable_reason() {
  try {
    util::ProcessOptions options;
    options.timeout = std::chrono::seconds(10);  // without a slurm.conf, sinfo retries for a minute
    const auto r = util::run_process({"sinfo", "-h", "-o", "%D"}, options);
    if (r.timed_out) return "sinfo did not answer within 10 s";
    if (r.exit_code == 0 && !r.out.empty()) return "";
    const std::string said = r.err.empty() ? r.out : r.err;
    return "sinfo failed (exit " + std::to_string(r.exit_code) + "): " + said.substr(0, said.find('\n'));
  } catch (const std::exception&) {
    return "sinfo is not installed";
  }
}

/// True when the local Slurm cluster answers. Otherwise, with TORCHX_TEST_REQUIRE_SLURM=1 the current
/// test fails with the reason; without it the reason is printed after TORCHX_TEST_SKIPPED, which
/// ctest reports as "Skipped" (SKIP_REGULAR_EXPRESSION; `ctest -V` shows the reason), and the
/// caller returns at once.
inline bool slurm_cluster_or_skip() {
  const std::string why = slurm_unavailable_reason();
  if (why.empty()) return true;
  const std::string message = "no Slurm cluster (" + why + "): start one with tests/slurm/start-local-slurm.sh, "
                              "or run scripts/test.sh, which does";
  const char* require = std::getenv("TORCHX_TEST_REQUIRE_SLURM");
  if (require != nullptr && std::string(require) == "1") FAIL(message << " [TORCHX_TEST_REQUIRE_SLURM=1]");
  std::cout << "TORCHX_TEST_SKIPPED: " << message << std::endl;
  return false;
}

}  // namespace torchx::test
