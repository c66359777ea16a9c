// SPDX-License-Identifier: BSD-3-Clause
// Parsing a verb's own arguments with Boost.Program_options, with torchx's errors and help.
#pragma once

#include "command.hpp"

#include <boost/program_options.hpp>

#include <optional>
#include <string>

namespace torchx::cli {

/// A verb's usage line, description, options and positional arguments.
struct VerbSpec {
  std::string usage;        ///< "torchx status [--json] [--roles R] APP_HANDLE"
  std::string description;  ///< a few lines
  boost::program_options::options_description options;
  boost::program_options::positional_options_description positional;
};

/// Parses `inv.args` (`-h/--help` is added to every verb). Returns nullopt after printing the help
/// on `--help`. Throws UsageError for an unknown option ("did you mean"), a missing value, a
/// missing required positional or too many of them.
std::optional<boost::program_options::variables_map> parse_verb(const VerbSpec& spec, const Invocation& inv);

/// The option's value, or `fallback`.
template <typename T>
T get(const boost::program_options::variables_map& vm, const char* name, T fallback = {}) {
  return vm.count(name) != 0U ? vm[name].as<T>() : fallback;
}

/// A JSON value printed with 2-space indentation (Boost.JSON 1.81 has no pretty printer).
std::string pretty_json(const std::string& json_text);

/// Rows as a left-aligned text table with a header line and a rule (TorchX uses `tabulate`).
/// Columns are as wide as their widest cell in bytes, two spaces apart; the last column is not
/// padded. Cells that are not ASCII are padded by fmt's width (display width), as they always
/// were. Cells beyond the headers' count are dropped. Pure; never throws except std::bad_alloc.
std::string format_table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows);

}  // namespace torchx::cli
