// SPDX-License-Identifier: BSD-3-Clause
#include "kube_yaml.hpp"

#include <yaml.h>

#include <map>
#include <memory>
#include <optional>

namespace torchx::k8s::yaml {

bool Node::is_null() const {
  if (kind == Kind::null) return true;
  return kind == Kind::scalar && plain &&
         (value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL");
}

const Node* Node::find(std::string_view key) const {
  if (kind != Kind::mapping) return nullptr;
  for (const auto& [k, v] : entries) {
    if (k.kind == Kind::scalar && k.value == key) return &v;
  }
  return nullptr;
}

namespace {

std::size_t count_nodes(const Node& node) {
  std::size_t count = 1;
  for (const auto& item : node.items) count += count_nodes(item);
  for (const auto& [k, v] : node.entries) count += count_nodes(k) + count_nodes(v);
  return count;
}

/// A collection being built, and its anchor.
struct Frame {
  Node node;
  std::optional<Node> key;  ///< a mapping's key waiting for its value
  std::string anchor;
};

class Builder {
public:
  /// Adds a finished node to the collection being built (or makes it the document).
  void attach(Node node, const std::string& anchor, std::size_t nodes = 1) {
    m_nodes += nodes;
    if (m_nodes > k_max_nodes)
      throw ParseError("the document has more than 1,000,000 nodes (aliases included)", node.line);
    if (!anchor.empty()) m_anchors[anchor] = node;
    if (m_stack.empty()) {
      m_document = std::move(node);
      m_done = true;
      return;
    }
    Frame& parent = m_stack.back();
    if (parent.node.kind == Node::Kind::sequence) {
      parent.node.items.push_back(std::move(node));
    } else if (!parent.key) {
      parent.key = std::move(node);
    } else {
      parent.node.entries.emplace_back(std::move(*parent.key), std::move(node));
      parent.key.reset();
    }
  }
  void open(Node::Kind kind, std::size_t line, std::string anchor) {
    if (m_stack.size() >= k_max_depth) throw ParseError("the document is nested more than 512 levels deep", line);
    Frame frame;
    frame.node.kind = kind;
    frame.node.line = line;
    frame.anchor = std::move(anchor);
    m_stack.push_back(std::move(frame));
  }
  void close() {
    Frame frame = std::move(m_stack.back());
    m_stack.pop_back();
    attach(std::move(frame.node), frame.anchor);
  }
  void alias(const std::string& anchor, std::size_t line) {
    const auto it = m_anchors.find(anchor);
    if (it == m_anchors.end()) throw ParseError("an alias names an unknown anchor", line);
    attach(it->second, {}, count_nodes(it->second));
  }
  [[nodiscard]] bool done() const { return m_done; }
  Node take() { return std::move(m_document); }

private:
  std::vector<Frame> m_stack;
  std::map<std::string, Node> m_anchors;
  Node m_document;
  std::size_t m_nodes = 0;
  bool m_done = false;
};

std::string text_of(const yaml_char_t* text) {
  return text == nullptr ? std::string() : reinterpret_cast<const char*>(text);
}

struct ParserDeleter {
  void operator()(yaml_parser_t* parser) const {
    yaml_parser_delete(parser);
    delete parser;
  }
};
struct EventGuard {
  yaml_event_t* event;
  ~EventGuard() { yaml_event_delete(event); }
};

}  // namespace

Node parse(std::string_view text) {
  std::unique_ptr<yaml_parser_t, ParserDeleter> parser(new yaml_parser_t{});
  if (yaml_parser_initialize(parser.get()) == 0) throw ParseError("out of memory", 0);
  yaml_parser_set_input_string(parser.get(), reinterpret_cast<const unsigned char*>(text.data()), text.size());
  Builder builder;
  while (!builder.done()) {
    yaml_event_t event{};
    if (yaml_parser_parse(parser.get(), &event) == 0) {
      std::string problem = parser->problem != nullptr ? parser->problem : "malformed YAML";
      if (parser->context != nullptr) problem = std::string(parser->context) + ": " + problem;
      throw ParseError(problem, parser->problem_mark.line + 1);
    }
    const EventGuard guard{&event};
    const std::size_t line = event.start_mark.line + 1;
    switch (event.type) {
      case YAML_STREAM_END_EVENT:
        return Node{};  // an empty stream
      case YAML_SCALAR_EVENT: {
        Node node;
        node.kind = Node::Kind::scalar;
        node.line = line;
        node.value.assign(reinterpret_cast<const char*>(event.data.scalar.value), event.data.scalar.length);
        node.plain = event.data.scalar.plain_implicit != 0 && event.data.scalar.tag == nullptr;
        builder.attach(std::move(node), text_of(event.data.scalar.anchor));
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
        builder.open(Node::Kind::sequence, line, text_of(event.data.sequence_start.anchor));
        break;
      case YAML_MAPPING_START_EVENT:
        builder.open(Node::Kind::mapping, line, text_of(event.data.mapping_start.anchor));
        break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        builder.close();
        break;
      case YAML_ALIAS_EVENT:
        builder.alias(text_of(event.data.alias.anchor), line);
        break;
      default:  // stream and document start/end
        break;
    }
  }
  return builder.take();
}

}  // namespace torchx::k8s::yaml
