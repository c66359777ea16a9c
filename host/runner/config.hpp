// SPDX-License-Identifier: BSD-3-Clause
// Config: the .torchxconfig files (INI, TorchX's section names), read with inih.
#pragma once

#include <torchx/specs/resource.hpp>
#include <torchx/specs/run_opts.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace torchx::runner {

/// A .torchxconfig that cannot be read (missing TORCHXCONFIG file, a syntax error with its line).
class ConfigError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One value and the file it came from.
struct ConfigValue {
  std::string value;
  std::filesystem::path file;
};

/// Where config files are looked for. Seams for tests.
struct ConfigInputs {
  std::optional<std::string> torchxconfig;  ///< $TORCHXCONFIG
  std::optional<std::filesystem::path> home;  ///< $HOME
  std::filesystem::path cwd;
  static ConfigInputs from_environment();
};

/// The merged .torchxconfig. Files: `$TORCHXCONFIG` alone when set (it must exist); otherwise
/// `$HOME/.torchxconfig` then `./.torchxconfig`, the project's file (in the current directory)
/// winning per key over the user's, unlike TorchX where $HOME won. The command line wins over
/// both. Sections: `[<scheduler>]` run-option defaults, `[component:<name>]` argument defaults,
/// `[cli:run]` (`scheduler`, `component`), `[named_resource:<name>]` presets, `[torchx:tracker]`
/// and `[tracker:<name>]` (trackers). Keys keep their case; `#`/`;` start a comment line; an
/// indented line continues the value; there are no inline comments (as Python's configparser).
class Config {
public:
  /// Reads the files. Throws ConfigError for an unreadable TORCHXCONFIG, a syntax error or a byte
  /// that is not UTF-8 (with the file and line).
  static Config load(const ConfigInputs& inputs = ConfigInputs::from_environment());
  /// Parses one file's text (tests).
  static Config parse(const std::string& text, const std::filesystem::path& file);

  [[nodiscard]] const std::vector<std::filesystem::path>& files() const { return m_files; }
  [[nodiscard]] std::optional<ConfigValue> get(const std::string& section, const std::string& key) const;
  /// The keys of `section` in file order.
  [[nodiscard]] std::vector<std::string> keys(const std::string& section) const;
  [[nodiscard]] std::vector<std::string> sections() const;

  /// The run-option defaults of `[scheduler]`, typed per `opts` (bool: 1/yes/true/on or
  /// 0/no/false/off; list: ';' or ','; dict: `k:v` items; `None`: unset). A key that is no run
  /// option is a warning (appended to `warnings`), not an error; a bad value is an
  /// InvalidRunConfigError naming the file.
  [[nodiscard]] specs::Cfg scheduler_cfg(const std::string& scheduler, const specs::RunOpts& opts,
                                         std::vector<std::string>& warnings) const;
  /// `[component:<name>]` as argument name -> command-line text.
  [[nodiscard]] std::map<std::string, std::string> component_defaults(const std::string& component) const;
  /// Every `[component:<name>]` section (a non-empty name), as component -> component_defaults.
  [[nodiscard]] std::map<std::string, std::map<std::string, std::string>> all_component_defaults() const;
  /// `[named_resource:<name>]` presets (cpu, gpu, memMB; devices `name:count,...`; capabilities
  /// `key:value,...`). Bad values are errors naming the file and section.
  [[nodiscard]] specs::Dict<specs::Resource> named_resources() const;
  /// Warnings about sections torchx does not know (given the scheduler names that exist),
  /// unknown `[cli:run]` keys, and values holding ' #' (an inline comment, which INI files read
  /// as configparser does keep as part of the value).
  [[nodiscard]] std::vector<std::string> unknown_sections(const std::vector<std::string>& schedulers) const;

private:
  void merge(const Config& other);
  std::vector<std::filesystem::path> m_files;
  // section -> ordered (key, value)
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, ConfigValue>>>> m_sections;
  std::vector<std::pair<std::string, ConfigValue>>& section(const std::string& name);
};

/// The text of a .torchxconfig for `schedulers` with their run options: required options as
/// `key = #FIXME:(type) help`, and with `all` the optional ones with their defaults.
std::string dump_config(const std::vector<std::pair<std::string, specs::RunOpts>>& schedulers, bool all);

}  // namespace torchx::runner
