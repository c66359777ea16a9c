// SPDX-License-Identifier: BSD-3-Clause
// Component signatures and the command-line arguments of `torchx run <component> ...`.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace torchx::runner {

/// One declared argument of a component (payloads.md, "Component signature").
struct ComponentArgSpec {
  std::string name;
  std::string type = "str";  ///< str, int, float, bool, list, dict
  std::optional<std::string> default_json;  ///< nullopt: no default
  bool required = false;
  std::string help;
  std::string short_name;
  bool varargs = false;
};

/// A component's doc and arguments, as its plugin declared them.
struct ComponentSignature {
  std::string doc;
  std::vector<ComponentArgSpec> args;
};

/// The most bytes a command line (every argument together) may hold: 1 MiB.
inline constexpr std::size_t k_max_arguments_bytes = std::size_t{1} << 20;

/// What is wrong with command-line `args`, numbered from `first_number` in the message, or "" if
/// nothing is: an argument that is not valid UTF-8 (they travel to plugins as JSON), named by its
/// position, its text with the bad bytes as `\xNN`, and the flag it is the value of ("argument
/// 4 ('\xff', the value of --msg) is not valid UTF-8"); or more than k_max_arguments_bytes in all.
std::string arguments_problem(const std::vector<std::string>& args, std::size_t first_number = 1);

/// Parses a signature. Throws specs::JsonDecodeError.
ComponentSignature parse_signature(const std::string& signature_json);

/// Turns `torchx run <component>` arguments into the build request `{"args": {...}, "varargs":
/// [...]}`: `--name value`, `--name=value` and `-x value` (declared short names) for declared
/// arguments, values converted to the declared type (`list`: comma-separated; `dict`:
/// `k=v,k2=v2`; `bool`: true/false), defaults filled in, the rest (or everything after `--`) as
/// varargs. Throws ComponentArgsError for an unknown (with "did you mean") or repeated argument,
/// a missing required one, a value of the wrong type, or arguments_problem(args).
/// `defaults` (argument name -> command-line text, e.g. from `[component:NAME]` in
/// .torchxconfig) stand between the command line and the signature's defaults; a varargs default
/// is split on whitespace.
std::string build_request(const std::string& component, const ComponentSignature& signature,
                          const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& defaults = {});

/// The `torchx run <component> --help` text: the doc, then each argument with "(required)" or
/// "(default: X)".
std::string component_help(const std::string& component, const ComponentSignature& signature);

}  // namespace torchx::runner
