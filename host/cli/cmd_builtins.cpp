// SPDX-License-Identifier: BSD-3-Clause
// `torchx builtins`: the components the plugins provide (reads manifests; loads nothing).
#include "command.hpp"
#include "component_args.hpp"
#include "exit_codes.hpp"
#include "runner.hpp"
#include "registry.hpp"
#include "session.hpp"
#include "verb_args.hpp"

#include <torchx/specs/json.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <ostream>

namespace torchx::cli {

namespace {

/// The component's help, then the AppDef it builds from its defaults (or what it still needs).
int print_component(const Invocation& inv, const std::string& name) {
  auto& runner = inv.session.runner();
  const auto signature = runner::parse_signature(runner.component_signature(name));
  inv.out << runner::component_help(name, signature) << "\n";
  std::vector<std::string> required;
  for (const auto& a : signature.args) {
    if (a.required && !a.default_json) required.push_back("--" + a.name);
  }
  if (!required.empty()) {
    inv.out << "It builds its AppDef once given " << fmt::format("{}", fmt::join(required, ", ")) << ".\n";
    return k_exit_ok;
  }
  try {
    const specs::AppDef app = runner.build_component(name, {});
    inv.out << "With its defaults it builds:\n" << pretty_json(specs::to_json(app)) << "\n";
  } catch (const std::exception& e) {
    inv.out << "With its defaults it does not build: " << e.what() << "\n";
  }
  return k_exit_ok;
}

}  // namespace

int cmd_builtins(const Invocation& inv) {
  VerbSpec spec{"torchx builtins [--json] [--print NAME]",
                "Lists the components that `torchx run` can launch, from every component plugin found.", {}, {}};
  spec.options.add_options()("json", "print JSON: [{\"name\", \"plugin\"}]")(
      "print", boost::program_options::value<std::string>(), "show NAME's arguments and the AppDef it builds");
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  if (vm->count("print") != 0U) return print_component(inv, get<std::string>(*vm, "print"));
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
