// SPDX-License-Identifier: BSD-3-Clause
// The SDK's component signatures (what negotiate hands the host in tx_component_api.signature_json):
// written directly, they must be the text the boost::json object built member by member made.
#include <torchx/plugin.hpp>

#include <boost/json.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

using torchx::plugin::Component;
using torchx::plugin::ComponentArg;

/// The SDK's implementation before it wrote the text directly: the reference.
std::string reference_signature_json(const Component& c) {
  boost::json::array args;
  for (const auto& a : c.args) {
    boost::json::value def = nullptr;
    if (a.default_json) def = boost::json::parse(*a.default_json);
    args.push_back(boost::json::object{{"name", a.name},
                                       {"type", a.type},
                                       {"default", def},
                                       {"required", !a.default_json.has_value() && !a.varargs},
                                       {"help", a.help},
                                       {"short", a.short_name},
                                       {"varargs", a.varargs}});
  }
  return boost::json::serialize(boost::json::object{{"doc", c.doc}, {"args", std::move(args)}});
}

Component with_default(const std::string& default_json) {
  return Component{"c", "doc", {{"x", "str", default_json, "help", "", false}}, {}};
}

}  // namespace

TEST_CASE("component_signature_json is the text the boost::json object made, byte for byte") {
  std::string every_byte;
  for (int c = 1; c < 256; ++c) every_byte += static_cast<char>(c);
  const std::vector<Component> components{
      {"empty", "", {}, {}},
      {"utils.echo",
       "Echos a message to stdout (calls echo).",
       {{"msg", "str", "\"hello world\"", "message to echo", "", false},
        {"image", "str", "\"ghcr.io/pytorch/torchx:0.8.0dev0\"", "image to run", "", false},
        {"num_replicas", "int", "1", "number of replicas to run", "", false},
        {"args", "str", std::nullopt, "the command", "", true},
        {"file", "str", std::nullopt, "file to create", "f", false},
        {"verbose", "bool", "false", "say more", "v", false}},
       {}},
      {"quotes", "a \"quoted\" \\ doc\twith\ncontrol\x01\x1f and UTF-8 \xc3\xa9", {{every_byte, every_byte, "null", every_byte, every_byte, true}}, {}},
  };
  for (const auto& c : components) {
    CAPTURE(c.name);
    CHECK(torchx::plugin::detail::component_signature_json(c) == reference_signature_json(c));
  }
  // Each character that must be escaped, at every offset of a longer text (the scan goes 8 bytes a step).
  for (const char special : {'"', '\\', '\n', '\x01', '\x1f'}) {
    for (std::size_t at = 0; at < 24; ++at) {
      std::string text(24, 'a');
      text[at] = special;
      text += "\xc3\xa9\x7f\x20";
      const Component c{"c", text, {}, {}};
      CAPTURE(at);
      CHECK(torchx::plugin::detail::component_signature_json(c) == reference_signature_json(c));
    }
  }
  // Defaults: the canonical tokens pass as they are, the rest is parsed and written again.
  for (const std::string def : {"null", "true", "false", "0", "1", "-5", "123456789012345678", "-0", "1.5", "1e3",
                                "12345678901234567890", "-12345678901234567890", " 1 ", "\"\"", "\"a b\"",
                                "\"a\\u0041\"", "\"tab\\t\"", "\"\xc3\xa9\"", "\"\x7f\"", "[1, 2]", "{\"a\": [true, null]}"}) {
    CAPTURE(def);
    CHECK(torchx::plugin::detail::component_signature_json(with_default(def)) ==
          reference_signature_json(with_default(def)));
  }
  // A default that is not JSON is refused, as it was (negotiate then fails with the parser's message).
  for (const std::string bad : {"", "01", "hello", "\"open", "1 2"}) {
    CAPTURE(bad);
    CHECK_THROWS(torchx::plugin::detail::component_signature_json(with_default(bad)));
    CHECK_THROWS(reference_signature_json(with_default(bad)));
  }
}
