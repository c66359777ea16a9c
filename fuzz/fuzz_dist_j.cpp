// SPDX-License-Identifier: BSD-3-Clause
// dist.ddp's and dist.spmd's `-j` ([min:]nnodes x nproc, e.g. 1:2x4), through the components'
// build functions with every other argument at its declared default: a `-j` builds an AppDef
// or throws plugin::InvalidArgument (the component's error for bad input), nothing else; the
// AppDef survives a JSON round trip and validation either passes or lists its problems.
#include "fuzz_check.hpp"

#include "components.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>
#include <torchx/util/input_checks.hpp>

#include <boost/json.hpp>

namespace {

using namespace torchx;

/// The build request the host would send: each argument's default, `script`, and `j`.
plugin::ComponentArgs request(const plugin::Component& c, std::string_view j) {
  boost::json::object args;
  for (const auto& arg : c.args) {
    if (arg.default_json) args[arg.name] = boost::json::parse(*arg.default_json);
  }
  args["script"] = "train.py";
  args["j"] = j;
  plugin::ComponentArgs a;
  a.args_json = boost::json::serialize(args);
  a.named_resources_json = R"({"gpu.small": {"cpu": 8, "gpu": 1, "memMB": 16384}})";
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto j = torchx::fuzz::text(data, size);
  if (!util::is_valid_utf8(j)) return 0;  // the host refuses it before any component sees it
  static const auto components = components::dist_components();
  for (const auto& c : components) {
    try {
      const auto app = c.build(request(c, j));
      FUZZ_CHECK(app.roles.size() == 1);
      FUZZ_CHECK(specs::app_def_from_json(specs::to_json(app)) == app);
      try {
        specs::validate(app);  // `-j 0` builds 0 replicas: validation refuses it, as TorchX's
      } catch (const specs::AppDefValidationError&) {
      }
    } catch (const plugin::InvalidArgument&) {
    }
  }
  return 0;
}
