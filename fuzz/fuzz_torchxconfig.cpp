// SPDX-License-Identifier: BSD-3-Clause
// .torchxconfig (runner::Config::parse, the text of one file) and everything read from it: a
// text parses or throws ConfigError; every key listed can be read; typed run-option defaults
// (InvalidRunConfigError), named resources (ConfigError) and the warnings never throw anything else.
#include "fuzz_check.hpp"

#include "config.hpp"

#include <torchx/specs/errors.hpp>

namespace {

using namespace torchx;

const specs::RunOpts& options() {
  static const specs::RunOpts opts = [] {
    specs::RunOpts o;
    o.add("s", specs::CfgType::str, "a str");
    o.add("i", specs::CfgType::integer, "an int");
    o.add("f", specs::CfgType::floating, "a float");
    o.add("b", specs::CfgType::boolean, "a bool");
    o.add("l", specs::CfgType::list_of_str, "a list");
    o.add("d", specs::CfgType::dict_of_str, "a dict");
    return o;
  }();
  return opts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  runner::Config config;
  try {
    config = runner::Config::parse(std::string(torchx::fuzz::text(data, size)), "/fuzz/.torchxconfig");
  } catch (const runner::ConfigError&) {
    return 0;
  }
  for (const auto& section : config.sections()) {
    for (const auto& key : config.keys(section)) FUZZ_CHECK(config.get(section, key).has_value());
    std::vector<std::string> warnings;
    try {
      (void)config.scheduler_cfg(section, options(), warnings);
    } catch (const specs::InvalidRunConfigError&) {
    }
    (void)config.component_defaults(section);
  }
  (void)config.all_component_defaults();
  try {
    (void)config.named_resources();
  } catch (const runner::ConfigError&) {
  }
  (void)config.unknown_sections({"local_cwd", "slurm"});
  return 0;
}
