// SPDX-License-Identifier: BSD-3-Clause
// RunOpts: the run options (`-cfg k=v`) a scheduler accepts, and how user input is checked.
#pragma once

#include <torchx/specs/dict.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace torchx::specs {

/// The type of a run option (TorchX's `CfgVal` types).
enum class CfgType { str, integer, floating, boolean, list_of_str, dict_of_str };

/// TorchX's type names as `torchx runopts` prints them: "str", "int", "float", "bool",
/// "typing.List[str]", "typing.Dict[str, str]".
const char* to_string(CfgType type);

/// A run option value; `std::monostate` is Python's None (unset).
using CfgValue = std::variant<std::monostate, std::string, std::int64_t, double, bool,
                              std::vector<std::string>, Dict<std::string>>;
/// A run config: option name to value, in the order given.
using Cfg = Dict<CfgValue>;

/// The type a value holds, or nullopt for None.
std::optional<CfgType> type_of(const CfgValue& value);
/// The value as TorchX prints it: `None`, `True`, `3`, `0.5`, `abc`, `['a', 'b']`, `{'k': 'v'}`.
std::string to_display(const CfgValue& value);

/// One run option: its type, default, whether it is required, and its help text.
struct RunOpt {
  std::string name;
  CfgType type = CfgType::str;
  CfgValue default_value;
  bool is_required = false;
  std::string help;
};

/// The ordered set of run options of a scheduler (TorchX `runopts`).
class RunOpts {
public:
  /// Adds (or replaces) an option. Throws std::invalid_argument when a required option has a
  /// default or the default's type is not `type` (an int default is accepted for a float).
  void add(std::string_view name, CfgType type, std::string_view help, CfgValue default_value = {},
           bool required = false);

  [[nodiscard]] const RunOpt* get(std::string_view name) const;
  [[nodiscard]] const std::vector<RunOpt>& options() const { return m_opts; }
  [[nodiscard]] std::size_t size() const { return m_opts.size(); }
  [[nodiscard]] bool empty() const { return m_opts.empty(); }
  /// Appends the options of `other`, replacing ours of the same name (TorchX `update`).
  void update(const RunOpts& other);

  /// Parses a `-cfg` literal (`k=v,k2=v2`, see `parse_key_values`) and casts each value to its
  /// option's type (`cast_cfg_value`). Unlike TorchX, which dropped unknown keys with a warning,
  /// an unknown key is an InvalidRunConfigError with "did you mean". Defaults are not applied.
  [[nodiscard]] Cfg cfg_from_str(std::string_view literal, std::string_view scheduler = {}) const;

  /// Checks `cfg` and fills in defaults (TorchX `resolve`): a required option that is missing or
  /// None, a value of the wrong type, or an unknown key is an InvalidRunConfigError naming the
  /// option (`scheduler` only improves the message). The result lists every option, in our order.
  [[nodiscard]] Cfg resolve(const Cfg& cfg, std::string_view scheduler = {}) const;

  /// The text `torchx runopts` prints for these options (TorchX `repr(runopts)`).
  [[nodiscard]] std::string format() const;

private:
  std::vector<RunOpt> m_opts;
};

/// Casts the text of one option value to `type` (TorchX `cast_to_type`): bool from
/// true/false/1/0/yes/no/on/off (any case; TorchX read anything but "true" as false), int and
/// float from their whole text, a list split on ',' or ';' (empty items dropped), a dict of
/// `k:v` items split the same way. Throws InvalidRunConfigError naming `name` otherwise.
CfgValue cast_cfg_value(std::string_view name, std::string_view text, CfgType type);

/// TorchX's `to_dict`: parses `k1=v1,k2=v2` into ordered key/value text.
///
/// Pairs are separated by ',' or ';'; a value may itself hold ',' or ';' (a list), in which case
/// the last delimiter before the next key separates the pairs: `FOO=v1,v2,BAR=v3` gives FOO
/// "v1,v2" and BAR "v3". Single or double quotes protect `=`, `,` and `;` and are removed:
/// `k='a=b'` gives "a=b" (TorchX could not pass a value holding '='), and `k=''` gives "".
/// Whitespace around keys and values is trimmed. Throws KeyValueParseError for an empty key, a
/// piece that cannot be split into value and next key, an unterminated quote, or a key given twice.
Dict<std::string> parse_key_values(std::string_view literal);

}  // namespace torchx::specs
