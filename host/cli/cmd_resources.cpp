// SPDX-License-Identifier: BSD-3-Clause
// `torchx resources`: the named resources `-h NAME` accepts, and where each comes from.
#include "command.hpp"
#include "exit_codes.hpp"
#include "runner.hpp"
#include "session.hpp"
#include "verb_args.hpp"

#include <torchx/specs/json.hpp>

#include <boost/json.hpp>
#include <fmt/ranges.h>

#include <ostream>

namespace torchx::cli {

int cmd_resources(const Invocation& inv) {
  VerbSpec spec{"torchx resources [--json]",
                "Lists the named resources components accept with -h NAME: .torchxconfig presets\n"
                "([named_resource:NAME]) first, then named-resource plugins, then the built-in tables.",
                {}, {}};
  spec.options.add_options()("json", "print JSON: {name: {source, resource}}");
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  auto& runner = inv.session.runner();
  std::vector<std::vector<std::string>> rows;
  boost::json::object all;
  for (const auto& [name, source] : runner.named_resources()) {
    const specs::Resource r = runner.named_resource(name);
    if (vm->count("json") != 0U) {
      all[name] = {{"source", source}, {"resource", boost::json::parse(specs::to_json(r))}};
      continue;
    }
    std::vector<std::string> devices;
    for (const auto& [d, n] : r.devices) devices.push_back(d + "=" + std::to_string(n));
    rows.push_back({name, std::to_string(r.cpu), std::to_string(r.gpu), std::to_string(r.memMB),
                    fmt::format("{}", fmt::join(devices, ", ")), source});
  }
  if (vm->count("json") != 0U) inv.out << boost::json::serialize(all) << "\n";
  else inv.out << format_table({"NAME", "CPU", "GPU", "MEMMB", "DEVICES", "SOURCE"}, rows);
  return k_exit_ok;
}

}  // namespace torchx::cli
