// SPDX-License-Identifier: BSD-3-Clause
// Internal: Boost.JSON-level encoders and decoders shared by the specs sources. Not installed.
#pragma once

#include <torchx/specs/app_status.hpp>
#include <torchx/specs/json_text.hpp>
#include <torchx/specs/role.hpp>
#include <torchx/specs/run_opts.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace torchx::specs::detail {

boost::json::value encode(const Role& role);
boost::json::value encode(const Resource& resource);
boost::json::value encode(const AppDef& app);
boost::json::value encode(const AppStatus& status, const std::vector<std::string>& filter_roles);
boost::json::value encode(const std::vector<RoleStatus>& roles, const std::vector<std::string>& filter_roles);
boost::json::value encode(const Cfg& cfg);
boost::json::value encode(const JsonText& text);

/// Append the JSON text of a value to `out`, written directly: the same bytes as
/// boost::json::serialize(encode(value)), without building the value (no node to allocate, copy
/// or free). A JsonText that is not JSON is written as null, as encode does.
void append_json(std::string& out, const Role& role);
void append_json(std::string& out, const Resource& resource);
void append_json(std::string& out, const AppDef& app);
void append_json(std::string& out, const std::vector<RoleStatus>& roles);
/// A run option value and a run config, as encode(...) serialized.
void append_json(std::string& out, const CfgValue& value);
void append_json(std::string& out, const Cfg& cfg);

/// Decodes one payload with `decode(Decoder&, const value&)`, throwing JsonDecodeError(subject)
/// listing every problem. The parsed value lives in an arena (a stack buffer first) for the call
/// only: `decode` must copy out what it keeps (strings, numbers), never a boost::json value.
template <typename T, typename Decode>
T decode_payload(std::string_view text, const std::string& subject, Decode decode);

/// Parses `text` as JSON; throws JsonDecodeError("<subject>") with the parser's reason.
boost::json::value parse(std::string_view text, const std::string& subject);
/// The same, the value's memory from `storage`.
boost::json::value parse(std::string_view text, const std::string& subject, boost::json::storage_ptr storage);

/// Collects every problem met while decoding one payload, each prefixed with its path.
class Decoder {
public:
  void problem(const std::string& path, const std::string& message);
  /// Throws JsonDecodeError(subject) if any problem was recorded.
  void throw_if_problems(const std::string& subject) const;

  const boost::json::object* object(const boost::json::value& v, const std::string& path);
  /// Field readers: a missing key or null leaves `out` as it was (its default), unless
  /// `required`; a value of the wrong type is a problem.
  void read(const boost::json::object& o, std::string_view key, const std::string& path, std::string& out,
            bool required = false);
  void read(const boost::json::object& o, std::string_view key, const std::string& path, int& out);
  void read(const boost::json::object& o, std::string_view key, const std::string& path, bool& out);
  void read(const boost::json::object& o, std::string_view key, const std::string& path,
            std::vector<std::string>& out);
  void read(const boost::json::object& o, std::string_view key, const std::string& path,
            Dict<std::string>& out);
  void read(const boost::json::object& o, std::string_view key, const std::string& path, Dict<int>& out);
  void read(const boost::json::object& o, std::string_view key, const std::string& path,
            Dict<JsonText>& out);

  Role role(const boost::json::value& v, const std::string& path);
  Resource resource(const boost::json::value& v, const std::string& path);
  AppDef app_def(const boost::json::value& v, const std::string& path);
  AppStatus app_status(const boost::json::value& v, const std::string& path);
  std::vector<RoleStatus> role_statuses(const boost::json::value& v, const std::string& path);
  /// Reads "state" as a name or a number; missing or unknown is a problem.
  void state(const boost::json::object& o, const std::string& path, AppState& out);

  bool as_int(const boost::json::value& v, const std::string& path, int& out);
  bool as_string(const boost::json::value& v, const std::string& path, std::string& out);

private:
  std::vector<std::string> m_problems;
};

/// "roles[0].env" style path joining; an empty parent yields just the key.
std::string join_path(const std::string& parent, std::string_view key);
/// "a string", "an integer", ... for messages.
const char* kind_name(const boost::json::value& v);
std::string index_path(const std::string& parent, std::size_t index);

template <typename T, typename Decode>
T decode_payload(std::string_view text, const std::string& subject, Decode decode) {
  // No malloc per node and no walk of the tree to free it (a describe response or an AppDef of
  // a few roles fits the buffer; a larger payload takes blocks from the heap).
  alignas(std::max_align_t) unsigned char buffer[4096];
  boost::json::monotonic_resource arena(buffer, sizeof buffer);
  const boost::json::value v = parse(text, subject, &arena);
  Decoder d;
  T result = decode(d, v);
  d.throw_if_problems(subject);
  return result;
}

}  // namespace torchx::specs::detail
