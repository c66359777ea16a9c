// SPDX-License-Identifier: BSD-3-Clause
// A YAML document as a tree, parsed with libyaml (the C parser PyYAML uses; Debian's libyaml-dev,
// linked from its static archive). Why not yaml-cpp, which the host uses: Debian's libyaml-cpp.a
// is not position-independent (it cannot be linked into the plugin's shared object), and its
// shared library would make the plugin load a C++ library beyond libstdc++ (the startup test).
// Internal to plugins/kubernetes; no libyaml type in this header.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace torchx::k8s::yaml {

/// One node. Aliases are expanded (copies of the anchored node).
struct Node {
  enum class Kind { null, scalar, sequence, mapping };
  Kind kind = Kind::null;
  std::string value;                           ///< a scalar's text
  bool plain = true;                           ///< a scalar without quotes or tag (`null`, `true`, `3` are typed)
  std::size_t line = 0;                        ///< 1-based line where the node starts
  std::vector<Node> items;                     ///< a sequence's items
  std::vector<std::pair<Node, Node>> entries;  ///< a mapping's key/value pairs, in order

  /// Null: no value, or a plain `~`, `null`, `Null`, `NULL` or empty scalar.
  [[nodiscard]] bool is_null() const;
  [[nodiscard]] bool is_scalar() const { return kind == Kind::scalar && !is_null(); }
  /// The value of the first entry whose key is the scalar `key`; nullptr when there is none
  /// (or this is not a mapping).
  [[nodiscard]] const Node* find(std::string_view key) const;
};

/// Malformed YAML: libyaml's fixed problem text (never a piece of the input) and the 1-based line.
class ParseError : public std::runtime_error {
public:
  ParseError(const std::string& problem, std::size_t line_) : std::runtime_error(problem), line(line_) {}
  std::size_t line;
};

/// Limits on what a document may expand to: nesting, and nodes after alias expansion (a
/// "billion laughs" document is an error, not an exhausted memory).
inline constexpr std::size_t k_max_depth = 512;
inline constexpr std::size_t k_max_nodes = 1'000'000;

/// The first document of `text` (a null node for an empty stream). Throws ParseError. Thread-safe.
Node parse(std::string_view text);

}  // namespace torchx::k8s::yaml
