// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/util/suggest.hpp>

#include <doctest/doctest.h>

using namespace torchx::util;

TEST_SUITE_BEGIN("util");

TEST_CASE("util::edit_distance counts edits and adjacent swaps") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("slurm", "slurm") == 0);
  CHECK(edit_distance("slrum", "slurm") == 1);
  CHECK(edit_distance("hepl", "help") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
}

TEST_CASE("util::closest_match suggests only plausible typos") {
  const std::vector<std::string> schedulers = {"local_cwd", "slurm", "kubernetes"};
  CHECK(closest_match("slurn", schedulers) == "slurm");
  CHECK(closest_match("kubernets", schedulers) == "kubernetes");
  CHECK(closest_match("local", schedulers) == "local_cwd");  // a prefix
  CHECK_FALSE(closest_match("docker", schedulers).has_value());
  CHECK_FALSE(closest_match("", schedulers).has_value());
  CHECK(did_you_mean("slurn", schedulers) == ": did you mean 'slurm'?");
  CHECK(did_you_mean("zzz", schedulers).empty());
}

TEST_SUITE_END();
