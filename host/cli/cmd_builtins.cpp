// SPDX-License-Identifier: BSD-3-Clause
// `torchx builtins`: the components the plugins provide (reads manifests; loads nothing).
#include "command.hpp"
#include "exit_codes.hpp"
#include "registry.hpp"
#include "session.hpp"
#include "verb_args.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <ostream>

namespace torchx::cli {

int cmd_builtins(const Invocation& inv) {
  VerbSpec spec{"torchx builtins [--json]",
                "Lists the components that `torchx run` can launch, from every component plugin found.", {}, {}};
  spec.options.add_options()("json", "print JSON: [{\"name\", \"plugin\"}]");
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  const auto& registry = inv.session.registry();
  auto names = registry.names(loader::Kind::component);
  std::sort(names.begin(), names.end());
  if (vm->count("json") != 0U) {
    boost::json::array out;
    for (const auto& n : names) {
      out.push_back({{"name", n}, {"plugin", registry.provider(loader::Kind::component, n)->manifest.name}});
    }
    inv.out << boost::json::serialize(out) << "\n";
    return k_exit_ok;
  }
  inv.out << "Found " << names.size() << " builtin components:\n";
  for (std::size_t i = 0; i < names.size(); ++i) inv.out << fmt::format(" {:2d}. {}\n", i + 1, names[i]);
  return k_exit_ok;
}

}  // namespace torchx::cli
