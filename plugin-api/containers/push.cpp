// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/containers/push.hpp>

#include <torchx/containers/image_reference.hpp>
#include <torchx/containers/registry_auth.hpp>
#include <torchx/plugin.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>

namespace json = boost::json;

namespace torchx::containers {

namespace {

constexpr std::size_t k_max_line = std::size_t{1} << 20;
constexpr std::size_t k_max_error = 500;

/// `text` on one line: control characters as spaces, trailing blanks dropped, bounded.
std::string one_line(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, k_max_error)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (text.size() > k_max_error) out += "...";
  return out;
}

std::string string_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string{};
}

/// The X-Registry-Auth value: the options', else the user's for `repository`, else "{}".
std::string auth_header(const PushOptions& options, const ImageRepository* repository) {
  if (options.registry_auth) return *options.registry_auth;
  if (repository == nullptr) return std::string(k_no_registry_auth);
  std::vector<std::string> warnings;
  const auto found = find_registry_auth(
      *repository, [](const char* n) { return std::getenv(n); }, &warnings);
  for (const auto& w : warnings) plugin::log(TX_LOG_WARNING, w);
  if (!found) return std::string(k_no_registry_auth);
  plugin::log(TX_LOG_DEBUG, "credentials for " + repository->registry() + " from " + found->source);
  return found->header;
}

}  // namespace

void PushStreamReader::line(std::string_view text, std::vector<std::string>& out) {
  boost::system::error_code ec;
  const auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return;
  const auto& o = v.get_object();
  if (m_error.empty()) {
    std::string e;
    if (const auto* d = o.if_contains("errorDetail"); d != nullptr && d->is_object())
      e = string_at(d->get_object(), "message");
    if (e.empty()) e = string_at(o, "error");
    if (!e.empty()) {
      m_error = one_line(e);
      if (m_error.empty()) m_error = "the engine reported an error with no message";
      return;
    }
  }
  if (const auto* aux = o.if_contains("aux"); aux != nullptr && aux->is_object()) {
    if (auto d = string_at(aux->get_object(), "Digest"); !d.empty()) m_digest = one_line(d);
  }
  const std::string status = string_at(o, "status");
  if (status.empty()) return;
  if (const auto at = status.find("digest: "); at != std::string::npos && m_digest.empty()) {
    const auto start = at + 8;
    m_digest = one_line(status.substr(start, status.find(' ', start) - start));
  }
  // Byte counts ("Pushing" with a progress bar) change many times a second: not shown.
  if (const auto* pd = o.if_contains("progressDetail");
      pd != nullptr && pd->is_object() && pd->get_object().contains("current")) {
    return;
  }
  const std::string id = string_at(o, "id");
  std::string shown = one_line(id.empty() ? status : id + ": " + status);
  if (shown.empty() || shown == m_last) return;
  m_last = shown;
  out.push_back(std::move(shown));
}

std::vector<std::string> PushStreamReader::feed(std::string_view bytes) {
  std::vector<std::string> out;
  for (const char c : bytes) {
    if (c == '\n') {
      if (!m_overlong) line(m_pending, out);
      m_pending.clear();
      m_overlong = false;
      continue;
    }
    if (m_overlong) continue;
    m_pending.push_back(c);
    if (m_pending.size() > k_max_line) {
      m_pending.clear();
      m_overlong = true;
    }
  }
  return out;
}

std::vector<std::string> PushStreamReader::finish() {
  std::vector<std::string> out;
  if (!m_overlong && !m_pending.empty()) line(m_pending, out);
  m_pending.clear();
  m_overlong = false;
  return out;
}

namespace {

/// Reads a push or pull stream to its end, showing progress: {error as one line ("" for none), digest}.
std::pair<std::string, std::string> read_stream(http::StreamingResponse& stream, const PushOptions& options,
                                                const std::string& doing) {
  PushStreamReader reader;
  std::string body;  // an error status's body, for its message
  auto show = [&](const std::vector<std::string>& lines) {
    if (!options.progress) return;
    for (const auto& l : lines) options.progress(l);
  };
  try {
    while (auto piece = stream.read_some()) {
      if (stream.status() >= 400 && body.size() < 4096) body += *piece;
      show(reader.feed(*piece));
    }
  } catch (const http::HttpError& e) {
    throw plugin::Unavailable("the container engine stopped answering while " + doing + ": " + e.what());
  }
  show(reader.finish());
  std::string error = reader.error();
  if (error.empty() && stream.status() >= 400) {
    error = one_line(engine_message(body)) + " (HTTP " + std::to_string(stream.status()) + ")";
  }
  return {error, reader.digest()};
}

}  // namespace

PushResult push_image(Engine& engine, const std::string& local_image, const std::string& target_name,
                      const PushOptions& options) {
  ImageName target;
  try {
    target = parse_image_name(target_name);
  } catch (const std::invalid_argument& e) {
    throw plugin::InvalidArgument(std::string("cannot push to ") + e.what());
  }
  const std::string registry = target.repository.registry();

  // 1. Tag: POST /images/{local}/tag?repo=&tag= (201; 404 for an image the engine lacks).
  const auto tagged = engine.call("POST", "/images/" + http::url_encode(local_image) +
                                              "/tag?repo=" + http::url_encode(target.repository.str()) +
                                              "&tag=" + http::url_encode(target.tag));
  if (tagged.status == 404) {
    throw plugin::InvalidArgument("cannot push '" + printable(local_image) + "': the engine at " + engine.url() +
                                  " has no such image");
  }
  if (tagged.status >= 400) {
    throw plugin::Error(TX_E_INTERNAL, "cannot tag '" + printable(local_image) + "' as '" + target.str() +
                                           "': " + one_line(engine_message(tagged.body)) + " (HTTP " +
                                           std::to_string(tagged.status) + ")");
  }

  // 2. Push: POST /images/{repository}/push?tag= with X-Registry-Auth; the answer is a stream
  // whose HTTP status is 200 even when the push fails (the error is a line of it).
  const std::string auth = auth_header(options, &target.repository);
  auto stream = engine.open(
      "POST", "/images/" + http::url_encode(target.repository.str()) + "/push?tag=" + http::url_encode(target.tag), {},
      "application/json", std::chrono::minutes(10), {{"X-Registry-Auth", auth}});
  const auto [error, digest] = read_stream(*stream, options, "pushing '" + target.str() + "'");
  if (!error.empty()) {
    throw plugin::Error(TX_E_INTERNAL, "cannot push '" + target.str() + "' to " + registry + ": " + error);
  }
  return PushResult{target.str(), digest};
}

void pull_image(Engine& engine, const std::string& image, const PushOptions& options) {
  // The repository, for credentials: the name without its digest or tag. A name the grammar
  // refuses is still the engine's to judge; it gets no credentials.
  std::string_view name = image;
  name = name.substr(0, name.find('@'));
  if (const auto colon = name.rfind(':');
      colon != std::string_view::npos && (name.rfind('/') == std::string_view::npos || colon > name.rfind('/'))) {
    name = name.substr(0, colon);
  }
  std::optional<ImageRepository> repository;
  try {
    repository = parse_repository(name);
  } catch (const std::invalid_argument&) {
  }
  const std::string auth = auth_header(options, repository ? &*repository : nullptr);
  auto stream = engine.open("POST", "/images/create?fromImage=" + http::url_encode(image), {}, "application/json",
                            std::chrono::minutes(10), {{"X-Registry-Auth", auth}});
  const auto [error, digest] = read_stream(*stream, options, "pulling '" + printable(image) + "'");
  if (!error.empty()) throw plugin::Error(TX_E_INTERNAL, "cannot pull '" + printable(image) + "': " + error);
}

}  // namespace torchx::containers
