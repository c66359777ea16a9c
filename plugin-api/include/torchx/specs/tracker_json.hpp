// SPDX-License-Identifier: BSD-3-Clause
// JSON codecs of the tracker payloads (plugin-api/docs/payloads.md, "Trackers"), header-only.
// Includes Boost.JSON: include it only from the .cpp files that cross the tracker ABI (the SDK's
// plugin_impl.hpp and the host's tracker proxy), never from a widely included header.
//
// Decoders throw JsonDecodeError naming the payload and every problem; encoders never throw
// except for std::bad_alloc and a metadata text that is not JSON (JsonDecodeError).
#pragma once

#include <torchx/specs/errors.hpp>
#include <torchx/specs/tracker_types.hpp>

#include <boost/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace torchx::specs::tracker_json {

namespace detail {

inline boost::json::value parse(std::string_view text, const char* subject) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) throw JsonDecodeError(subject, {"not JSON (" + ec.message() + ")"});
  return v;
}

inline boost::json::value optional_string(const std::optional<std::string>& s) {
  return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

/// `o[key]` as a string; appends a problem (and returns "") when absent or not a string.
inline std::string string_field(const boost::json::object& o, const char* key, const std::string& path,
                                std::vector<std::string>& problems) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    problems.push_back(path + key + ": expected a string");
    return {};
  }
  return std::string(v->get_string());
}

/// `o[key]` as a string or null/absent.
inline std::optional<std::string> optional_string_field(const boost::json::object& o, const char* key,
                                                        const std::string& path, std::vector<std::string>& problems) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    problems.push_back(path + key + ": expected a string or null");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

inline TrackerArtifact artifact_from(const boost::json::value& v, const std::string& path,
                                     std::vector<std::string>& problems) {
  TrackerArtifact a;
  const auto* o = v.if_object();
  if (o == nullptr) {
    problems.push_back((path.empty() ? std::string("the artifact") : path.substr(0, path.size() - 1)) + ": expected an object");
    return a;
  }
  a.name = string_field(*o, "name", path, problems);
  a.path = string_field(*o, "path", path, problems);
  const auto* m = o->if_contains("metadata");
  if (m == nullptr || m->is_null()) a.metadata_json = "null";
  else if (m->is_object()) a.metadata_json = boost::json::serialize(*m);
  else problems.push_back(path + "metadata: expected an object or null");
  return a;
}

inline std::vector<LineageLink> links_from(const boost::json::value* v, const std::string& key,
                                           std::vector<std::string>& problems) {
  std::vector<LineageLink> out;
  if (v == nullptr || !v->is_array()) {
    problems.push_back(key + ": expected an array");
    return out;
  }
  const auto& a = v->get_array();
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string path = key + "[" + std::to_string(i) + "].";
    const auto* o = a[i].if_object();
    if (o == nullptr) {
      problems.push_back(key + "[" + std::to_string(i) + "]: expected an object");
      continue;
    }
    LineageLink l;
    l.run_id = string_field(*o, "run_id", path, problems);
    l.via_run_id = string_field(*o, "via_run_id", path, problems);
    l.artifact_name = optional_string_field(*o, "artifact_name", path, problems);
    const auto* d = o->if_contains("depth");
    if (d == nullptr || !d->is_int64() || d->get_int64() < 1) problems.push_back(path + "depth: expected an integer >= 1");
    else l.depth = static_cast<int>(d->get_int64());
    out.push_back(std::move(l));
  }
  return out;
}

inline boost::json::array links_to(const std::vector<LineageLink>& links) {
  boost::json::array a;
  for (const auto& l : links) {
    a.push_back(boost::json::object{{"run_id", l.run_id},
                                    {"via_run_id", l.via_run_id},
                                    {"artifact_name", optional_string(l.artifact_name)},
                                    {"depth", l.depth}});
  }
  return a;
}

}  // namespace detail

/// `{"name", "path", "metadata": object|null}`.
inline std::string to_json(const TrackerArtifact& a) {
  return boost::json::serialize(boost::json::object{
      {"name", a.name}, {"path", a.path}, {"metadata", detail::parse(a.metadata_json, "artifact metadata")}});
}
inline TrackerArtifact artifact_from_json(std::string_view text) {
  std::vector<std::string> problems;
  auto a = detail::artifact_from(detail::parse(text, "artifact"), "", problems);
  if (!problems.empty()) throw JsonDecodeError("artifact", problems);
  return a;
}

/// `{name: {"name", "path", "metadata"}, ...}` in the given order.
inline std::string to_json(const std::vector<TrackerArtifact>& artifacts) {
  boost::json::object o;
  for (const auto& a : artifacts) o[a.name] = boost::json::parse(to_json(a));
  return boost::json::serialize(o);
}
inline std::vector<TrackerArtifact> artifacts_from_json(std::string_view text) {
  const auto v = detail::parse(text, "artifacts");
  const auto* o = v.if_object();
  if (o == nullptr) throw JsonDecodeError("artifacts", {"expected an object {name: artifact}"});
  std::vector<std::string> problems;
  std::vector<TrackerArtifact> out;
  for (const auto& kv : *o) out.push_back(detail::artifact_from(kv.value(), std::string(kv.key()) + ".", problems));
  if (!problems.empty()) throw JsonDecodeError("artifacts", problems);
  return out;
}

/// `{"source_run_id", "artifact_name": string|null}`.
inline std::string to_json(const TrackerSource& s) {
  return boost::json::serialize(
      boost::json::object{{"source_run_id", s.source_run_id}, {"artifact_name", detail::optional_string(s.artifact_name)}});
}
inline TrackerSource source_from_json(std::string_view text) {
  const auto v = detail::parse(text, "source");
  const auto* o = v.if_object();
  if (o == nullptr) throw JsonDecodeError("source", {"expected an object"});
  std::vector<std::string> problems;
  TrackerSource s{detail::string_field(*o, "source_run_id", "", problems),
                  detail::optional_string_field(*o, "artifact_name", "", problems)};
  if (!problems.empty()) throw JsonDecodeError("source", problems);
  return s;
}

/// `[{"source_run_id", "artifact_name"}, ...]`.
inline std::string to_json(const std::vector<TrackerSource>& sources) {
  boost::json::array a;
  for (const auto& s : sources) a.push_back(boost::json::parse(to_json(s)));
  return boost::json::serialize(a);
}
inline std::vector<TrackerSource> sources_from_json(std::string_view text) {
  const auto v = detail::parse(text, "sources");
  const auto* a = v.if_array();
  if (a == nullptr) throw JsonDecodeError("sources", {"expected an array"});
  std::vector<TrackerSource> out;
  for (const auto& item : *a) out.push_back(source_from_json(boost::json::serialize(item)));
  return out;
}

/// A JSON array of strings (run ids).
inline std::string to_json(const std::vector<std::string>& run_ids) {
  boost::json::array a;
  for (const auto& id : run_ids) a.emplace_back(id);
  return boost::json::serialize(a);
}
inline std::vector<std::string> run_ids_from_json(std::string_view text) {
  const auto v = detail::parse(text, "run ids");
  const auto* a = v.if_array();
  std::vector<std::string> out;
  if (a != nullptr) {
    for (const auto& item : *a) {
      if (!item.is_string()) throw JsonDecodeError("run ids", {"expected an array of strings"});
      out.emplace_back(item.get_string());
    }
    return out;
  }
  throw JsonDecodeError("run ids", {"expected an array of strings"});
}

/// `{"ancestors": [link], "descendants": [link]}`, each link `{"run_id", "via_run_id",
/// "artifact_name", "depth"}`.
inline std::string to_json(const Lineage& l) {
  return boost::json::serialize(
      boost::json::object{{"ancestors", detail::links_to(l.ancestors)}, {"descendants", detail::links_to(l.descendants)}});
}
inline Lineage lineage_from_json(std::string_view text) {
  const auto v = detail::parse(text, "lineage");
  const auto* o = v.if_object();
  if (o == nullptr) throw JsonDecodeError("lineage", {"expected an object"});
  std::vector<std::string> problems;
  Lineage l;
  l.ancestors = detail::links_from(o->if_contains("ancestors"), "ancestors", problems);
  l.descendants = detail::links_from(o->if_contains("descendants"), "descendants", problems);
  if (!problems.empty()) throw JsonDecodeError("lineage", problems);
  return l;
}

/// The run-ids query `{"parent_run_id": id|null}`; decoding accepts a missing key.
inline std::string run_ids_query_to_json(const std::optional<std::string>& parent_run_id) {
  return boost::json::serialize(boost::json::object{{"parent_run_id", detail::optional_string(parent_run_id)}});
}
inline std::optional<std::string> run_ids_query_from_json(std::string_view text) {
  const auto v = detail::parse(text.empty() ? std::string_view("{}") : text, "run ids query");
  const auto* o = v.if_object();
  if (o == nullptr) throw JsonDecodeError("run ids query", {"expected an object"});
  std::vector<std::string> problems;
  auto parent = detail::optional_string_field(*o, "parent_run_id", "", problems);
  if (!problems.empty()) throw JsonDecodeError("run ids query", problems);
  return parent;
}

}  // namespace torchx::specs::tracker_json
