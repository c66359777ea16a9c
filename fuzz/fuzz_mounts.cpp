// SPDX-License-Identifier: BSD-3-Clause
// `--mounts`: the text is split on ',' into tokens as the CLI does; the tokens parse or throw
// MountParseError, and each mount is one of the three types.
#include "fuzz_check.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/mounts.hpp>

#include <cstdlib>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ::setenv("HOME", "/home/fuzz", 1);  // `src=~/x`
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace torchx::specs;
  std::vector<Mount> mounts;
  try {
    mounts = parse_mounts(torchx::fuzz::split(torchx::fuzz::text(data, size), ','));
  } catch (const MountParseError&) {
    return 0;
  }
  for (const auto& mount : mounts) {
    const std::string type = mount_type_name(mount);
    FUZZ_CHECK(type == "bind" || type == "volume" || type == "device");
  }
  return 0;
}
