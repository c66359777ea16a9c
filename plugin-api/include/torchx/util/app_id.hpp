// SPDX-License-Identifier: BSD-3-Clause
// App ids as TorchX makes them, for schedulers that name apps themselves (local_cwd, local_docker).
#pragma once

#include <random>
#include <string>

namespace torchx::util {

/// TorchX's `make_unique`: `<name>-<random>`, the random part 13 characters from TorchX's
/// alphabet (a consonant first, no '8'), from std::random_device. Thread-safe; never throws
/// except std::bad_alloc or what std::random_device throws when the system has no entropy source.
inline std::string make_app_id(const std::string& name) {
  static const std::string first = "bcdfghjklmnpqrstvwxz";
  static const std::string rest = first + "012345679";
  std::random_device rd;
  std::string id(1, first[rd() % first.size()]);
  for (int i = 0; i < 12; ++i) id += rest[rd() % rest.size()];
  return name + "-" + id;
}

}  // namespace torchx::util
