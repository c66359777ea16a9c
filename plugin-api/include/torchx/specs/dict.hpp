// SPDX-License-Identifier: BSD-3-Clause
// Dict: a small insertion-ordered string-keyed map, the C++ stand-in for a Python dict.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace torchx::specs {

/// An insertion-ordered map from string keys to `V`, like a Python dict.
///
/// TorchX's fields (`env`, `port_map`, `metadata`, ...) are Python dicts whose order is visible in
/// the output users compare (the JSON of an AppDef, the `--export=` list of an sbatch script), so
/// the order keys were first set in is kept. Lookups are linear: these maps hold a handful of
/// entries. Setting an existing key replaces its value in place, keeping its position.
template <typename V>
class Dict {
public:
  using value_type = std::pair<std::string, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  Dict() = default;
  Dict(std::initializer_list<value_type> items) {
    for (const auto& item : items) set(item.first, item.second);
  }

  /// Sets `key` to `value`; an existing key keeps its position.
  void set(std::string_view key, V value) {
    if (auto it = find(key); it != m_items.end()) {
      it->second = std::move(value);
    } else {
      m_items.emplace_back(std::string(key), std::move(value));
    }
  }
  /// Sets `key` only if it is absent (Python's `setdefault`). Returns true if it was set.
  bool set_default(std::string_view key, V value) {
    if (contains(key)) return false;
    m_items.emplace_back(std::string(key), std::move(value));
    return true;
  }
  /// Removes `key`; returns true if it was present.
  bool erase(std::string_view key) {
    auto it = find(key);
    if (it == m_items.end()) return false;
    m_items.erase(it);
    return true;
  }

  [[nodiscard]] iterator find(std::string_view key) {
    return std::find_if(m_items.begin(), m_items.end(), [&](const auto& kv) { return kv.first == key; });
  }
  [[nodiscard]] const_iterator find(std::string_view key) const {
    return std::find_if(m_items.begin(), m_items.end(), [&](const auto& kv) { return kv.first == key; });
  }
  [[nodiscard]] bool contains(std::string_view key) const { return find(key) != m_items.end(); }
  /// The value of `key`, or nullptr when absent.
  [[nodiscard]] const V* get(std::string_view key) const {
    auto it = find(key);
    return it == m_items.end() ? nullptr : &it->second;
  }
  [[nodiscard]] V* get(std::string_view key) {
    auto it = find(key);
    return it == m_items.end() ? nullptr : &it->second;
  }

  [[nodiscard]] iterator begin() { return m_items.begin(); }
  [[nodiscard]] iterator end() { return m_items.end(); }
  [[nodiscard]] const_iterator begin() const { return m_items.begin(); }
  [[nodiscard]] const_iterator end() const { return m_items.end(); }
  [[nodiscard]] std::size_t size() const { return m_items.size(); }
  [[nodiscard]] bool empty() const { return m_items.empty(); }

  /// Equal when both hold the same keys with equal values, whatever the order (as Python's ==).
  friend bool operator==(const Dict& a, const Dict& b) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, v] : a) {
      const V* other = b.get(k);
      if (other == nullptr || !(*other == v)) return false;
    }
    return true;
  }

private:
  std::vector<value_type> m_items;
};

}  // namespace torchx::specs
