// SPDX-License-Identifier: BSD-3-Clause
// Component files: components users write in YAML and run without compiling anything.
#pragma once

#include "component_args.hpp"

#include <torchx/specs/resource.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace torchx::runner {

/// A component from a YAML file (docs/component-files.md): its signature and the `app` template.
class ComponentFile {
public:
  /// Bounds on a component file (docs/component-files.md, "Bounds"), refused with
  /// ComponentFileError naming the file and line: its size, its YAML nodes once aliases are
  /// expanded (list and dict values spliced or substituted count per item), the bytes of text
  /// they hold after substitution, and how deep it nests.
  static constexpr std::size_t k_max_file_bytes = std::size_t{1} << 20;
  static constexpr std::size_t k_max_nodes = 10000;
  static constexpr std::size_t k_max_text_bytes = std::size_t{4} << 20;
  static constexpr std::size_t k_max_depth = 64;

  /// If `spec` names a component file (`path.yaml:name`, `path.yml`, or an existing file before
  /// the last ':'), the path and the component name (empty: the file's only component).
  static std::optional<std::pair<std::filesystem::path, std::string>> parse_reference(const std::string& spec);

  /// Loads component `name` (or the only one) of the YAML file at `path`. Throws
  /// ComponentNotFoundError for a missing file or name, and ComponentFileError with
  /// `file:line:column: reason` for a malformed file.
  static ComponentFile load(const std::filesystem::path& path, const std::string& name);

  [[nodiscard]] const std::string& name() const { return m_name; }
  [[nodiscard]] const ComponentSignature& signature() const { return m_signature; }
  /// The signature as the JSON a component plugin would declare.
  [[nodiscard]] std::string signature_json() const;

  /// Builds the AppDef JSON from a build request (`{"args": {...}, "varargs": [...]}`):
  /// `${param}` placeholders are replaced, a placeholder that is a whole value keeps the
  /// parameter's type (and a list parameter or the varargs placed as a list item are spliced in),
  /// other `${...}` (the scheduler macros) are left for the scheduler. `resolve` turns `h: NAME`
  /// in a resource into the named resource. Throws ComponentFileError pointing at the line.
  [[nodiscard]] std::string build(const std::string& request_json,
                                  const std::function<specs::Resource(const std::string&)>& resolve) const;

private:
  std::filesystem::path m_path;
  std::string m_name;
  ComponentSignature m_signature;
  std::string m_text;  ///< the file's text, parsed again by build() so marks keep their lines
};

/// A malformed component file; `what()` starts with `file:line:column:`.
class ComponentFileError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

}  // namespace torchx::runner
