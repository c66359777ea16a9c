// SPDX-License-Identifier: BSD-3-Clause
// `-cfg k=v,...` (parse_key_values, cast_cfg_value, RunOpts::cfg_from_str): any literal parses or
// throws KeyValueParseError; each value casts to each type or throws InvalidRunConfigError, and a
// cast value has the type asked for; cfg_from_str keeps only known options, typed as declared.
#include "fuzz_check.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/run_opts.hpp>

namespace {

using namespace torchx::specs;

constexpr CfgType k_types[] = {CfgType::str,     CfgType::integer,     CfgType::floating,
                               CfgType::boolean, CfgType::list_of_str, CfgType::dict_of_str};

const RunOpts& options() {
  static const RunOpts opts = [] {
    RunOpts o;
    o.add("s", CfgType::str, "a str");
    o.add("i", CfgType::integer, "an int");
    o.add("f", CfgType::floating, "a float");
    o.add("b", CfgType::boolean, "a bool");
    o.add("l", CfgType::list_of_str, "a list");
    o.add("d", CfgType::dict_of_str, "a dict");
    return o;
  }();
  return opts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto literal = torchx::fuzz::text(data, size);
  try {
    const auto pairs = parse_key_values(literal);
    for (const auto& [key, value] : pairs) {
      for (const CfgType type : k_types) {
        try {
          const CfgValue cast = cast_cfg_value(key, value, type);
          const auto cast_type = type_of(cast);
          FUZZ_CHECK(!cast_type || *cast_type == type);
          (void)to_display(cast);
        } catch (const InvalidRunConfigError&) {
        }
      }
    }
  } catch (const KeyValueParseError&) {
  }
  try {
    const Cfg cfg = options().cfg_from_str(literal, "fuzz");
    for (const auto& [key, value] : cfg) {
      const RunOpt* opt = options().get(key);
      FUZZ_CHECK(opt != nullptr);
      const auto value_type = type_of(value);
      FUZZ_CHECK(!value_type || *value_type == opt->type);
    }
  } catch (const KeyValueParseError&) {
  } catch (const InvalidRunConfigError&) {
  }
  return 0;
}
