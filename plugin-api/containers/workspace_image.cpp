// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/containers/workspace_image.hpp>

#include <torchx/http/client.hpp>
#include <torchx/plugin.hpp>
#include <torchx/util/tar.hpp>
#include <torchx/util/workspace.hpp>

#include <boost/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace json = boost::json;

namespace torchx::containers {

std::string content_hash(std::string_view data) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

std::string image_id(Engine& engine, const std::string& image) {
  const auto r = engine.call("GET", "/images/" + http::url_encode(image) + "/json");
  if (r.status == 404) return {};
  if (r.status >= 400) throw plugin::Error(TX_E_INTERNAL, "cannot inspect image '" + image + "': " + engine_message(r.body));
  boost::system::error_code ec;
  const auto v = json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("Id") || !v.at("Id").is_string()) {
    throw plugin::Error(TX_E_INTERNAL, "the engine described image '" + image + "' without an Id");
  }
  return std::string(v.at("Id").as_string());
}

std::string build_workspace_image(Engine& engine, const std::string& workspace, const std::string& base_image,
                                  const std::string& version) {
  std::string context;
  try {
    const auto files = util::workspace_files(workspace, ".dockerignore");
    std::vector<std::pair<std::string, std::string>> extra;
    if (std::find(files.begin(), files.end(), "Dockerfile.torchx") == files.end()) {
      extra.emplace_back("Dockerfile.torchx", k_default_dockerfile);
    }
    context = util::tar_files(workspace, files, extra);
  } catch (const std::filesystem::filesystem_error& e) {
    throw plugin::InvalidArgument("cannot read the workspace '" + workspace + "': " + e.code().message() + " (" +
                                  e.path1().string() + ")");
  } catch (const std::invalid_argument& e) {
    throw plugin::InvalidArgument(e.what());
  }
  const std::string base_id = image_id(engine, base_image);
  if (base_id.empty()) {
    throw plugin::InvalidArgument("image '" + base_image + "', which the workspace '" + workspace +
                                  "' is built onto, is not on the engine at " + engine.url());
  }
  const std::string tag = std::string(k_workspace_repo) + ":" + content_hash(base_id + "\n" + context);
  if (!image_id(engine, tag).empty()) return tag;  // unchanged: never built again

  const json::object args{{"IMAGE", base_image}, {"WORKSPACE", workspace}};
  const json::object labels{{"torchx.pytorch.org/version", version}};
  const std::string target = "/build?t=" + http::url_encode(tag) + "&dockerfile=Dockerfile.torchx&rm=1&forcerm=1&buildargs=" +
                             http::url_encode(json::serialize(args)) + "&labels=" + http::url_encode(json::serialize(labels));
  auto stream = engine.open("POST", target, context, "application/x-tar", std::chrono::minutes(30));
  const bool progress = ::isatty(STDERR_FILENO) != 0;
  std::string pending, step, error, body;
  std::vector<std::string> layers;  // "--> <id>": the steps' images, which a failed build leaves untagged
  while (auto piece = stream->read_some()) {
    if (stream->status() >= 400 && body.size() < 4096) body += *piece;
    pending += *piece;
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      const std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      boost::system::error_code ec;
      const auto v = json::parse(line, ec);
      if (ec || !v.is_object()) continue;
      const auto& o = v.as_object();
      if (const auto* s = o.if_contains("stream"); s != nullptr && s->is_string()) {
        std::string text(s->get_string());
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        if (text.starts_with("STEP ") || text.starts_with("Step ")) step = text;
        if (text.starts_with("--> ") && text.size() > 4 && text.find_first_not_of("0123456789abcdef", 4) == std::string::npos) {
          layers.push_back(text.substr(4));
        }
        if (progress && !text.empty()) plugin::log(TX_LOG_INFO, "build: " + text);
      }
      if (const auto* e = o.if_contains("error"); e != nullptr && e->is_string()) error = e->get_string();
    }
  }
  if (stream->status() >= 400 && error.empty()) error = engine_message(body);
  // One line: the engine's error may end with, or hold, line breaks.
  while (!error.empty() && (error.back() == '\n' || error.back() == '\r' || error.back() == ' ')) error.pop_back();
  std::replace(error.begin(), error.end(), '\n', ' ');
  if (!error.empty()) {
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
      try {
        engine.call("DELETE", "/images/" + *it);  // untagged leftovers of this build; in use: refused, kept
      } catch (const std::exception&) {
      }
    }
    throw plugin::InvalidArgument("the image build of the workspace '" + workspace + "' failed" +
                                  (step.empty() ? std::string{} : " at '" + step + "'") + ": " + error);
  }
  if (image_id(engine, tag).empty()) {
    throw plugin::Error(TX_E_INTERNAL, "the engine built the workspace '" + workspace + "' but has no image '" + tag + "'");
  }
  return tag;
}

}  // namespace torchx::containers
