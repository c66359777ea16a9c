// SPDX-License-Identifier: BSD-3-Clause
// The local_docker scheduler plugin: each replica a container on a per-app network of a Docker
// or Podman engine, through the Docker Engine API (v1.41) over its unix socket. Nothing is kept
// on disk: the engine's labels are the record, so every verb works from any process.
#include "docker_request.hpp"
#include "engine_json.hpp"

#include <torchx/containers/engine.hpp>
#include <torchx/containers/workspace_image.hpp>
#include <torchx/util/app_id.hpp>
#include <torchx/http/client.hpp>
#include <torchx/plugin.hpp>

#include <boost/json.hpp>

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>

extern char** environ;  // NOLINT: POSIX

namespace json = boost::json;
using namespace torchx;
using namespace std::chrono_literals;
using containers::Engine;

namespace {


std::string cfg_str(const specs::Cfg& cfg, const char* key) {
  const auto* v = cfg.get(key);
  return (v != nullptr && std::holds_alternative<std::string>(*v)) ? std::get<std::string>(*v) : std::string{};
}

/// `{"label": ["k=v", ...]}` as a URL-encoded filters parameter.
std::string label_filter(const std::vector<std::string>& labels) {
  json::array a;
  for (const auto& l : labels) a.emplace_back(l);
  return "filters=" + http::url_encode(json::serialize(json::object{{"label", std::move(a)}}));
}

/// The grace period of cancel (seconds): TORCHX_DOCKER_GRACE_SECONDS, default 10 as `docker stop`.
int grace_seconds() {
  const char* g = std::getenv("TORCHX_DOCKER_GRACE_SECONDS");
  if (g == nullptr || *g == '\0') return 10;
  const std::string s(g);
  if (s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos) {
    throw plugin::InvalidArgument("TORCHX_DOCKER_GRACE_SECONDS='" + s + "': expected whole seconds (0-9999)");
  }
  return std::stoi(s);
}

/// An app id as torchx makes them, so it can go into a label filter safely.
void check_app_id(const std::string& app_id) {
  if (app_id.empty() || app_id.size() > 200 ||
      app_id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != std::string::npos) {
    throw plugin::NotFound("app '" + app_id + "' not found (not a local_docker app id)");
  }
}

struct AppContainers {
  std::vector<docker::ContainerInfo> containers;  ///< sorted by role, then replica id
  bool cancelled = false;    ///< cancel's record (a labelled volume) exists
  bool has_network = false;  ///< only looked for when asked (delete)
};

class DockerScheduler : public plugin::Scheduler {
public:
  specs::RunOpts run_opts() override {
    specs::RunOpts o;
    o.add("docker_host", specs::CfgType::str,
          "The engine's API socket (unix:///path or /path). Default: $DOCKER_HOST, else Podman's "
          "(/run/podman/podman.sock, $XDG_RUNTIME_DIR/podman/podman.sock), else Docker's (/var/run/docker.sock). "
          "status, log, cancel and list use $DOCKER_HOST or the defaults: set DOCKER_HOST for another socket.");
    o.add("copy_env", specs::CfgType::list_of_str,
          "list of glob patterns of environment variables to copy if not set in AppDef. Ex: FOO_*");
    o.add("env", specs::CfgType::dict_of_str,
          "environment variables to be passed to the run. The separator sign can be either comma or semicolon "
          "(e.g. ENV1:v1,ENV2:v2,ENV3:v3 or ENV1:V1;ENV2:V2). Environment variables from env will be applied on top "
          "of the ones from copy_env");
    o.add("privileged", specs::CfgType::boolean, "If true runs the container with elevated permissions. Equivalent to running with `docker run --privileged`.", false);
    return o;
  }

  /// As TorchX: the containers' create requests, printable. With a workspace, schedule builds it
  /// onto role 0's image (TorchX's DockerWorkspaceMixin) and its containers run that image.
  plugin::DryRunInfo submit_dryrun(const plugin::DryRunRequest& request) override {
    const specs::Cfg& cfg = request.cfg;
    docker::RequestOptions options;
    options.app_id = util::make_app_id(request.app.name);
    options.version = TORCHX_PLUGIN_VERSION;
    if (const auto* v = cfg.get("privileged"); v != nullptr && std::holds_alternative<bool>(*v)) options.privileged = std::get<bool>(*v);
    if (const auto* v = cfg.get("copy_env"); v != nullptr && std::holds_alternative<std::vector<std::string>>(*v)) {
      std::map<std::string, std::string> copied;  // sorted, as TorchX's set is not: stable output
      for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string entry(*e);
        const auto eq = entry.find('=');
        if (eq == std::string::npos) continue;
        for (const auto& pattern : std::get<std::vector<std::string>>(*v)) {
          if (::fnmatch(pattern.c_str(), entry.substr(0, eq).c_str(), 0) == 0) copied[entry.substr(0, eq)] = entry.substr(eq + 1);
        }
      }
      for (const auto& [k, val] : copied) options.env.set(k, val);
    }
    if (const auto* v = cfg.get("env"); v != nullptr && std::holds_alternative<specs::Dict<std::string>>(*v)) {
      for (const auto& [k, val] : std::get<specs::Dict<std::string>>(*v)) options.env.set(k, val);
    }
    json::object req;
    try {
      req = docker::make_request(request.app, options);
    } catch (const std::invalid_argument& e) {
      throw plugin::InvalidArgument(e.what());
    }
    const std::string host = cfg_str(cfg, "docker_host");
    req["docker_host"] = host.empty() ? json::value(nullptr) : json::value(host);
    std::string text = docker::request_text(req);
    if (request.workspace && !request.app.roles.empty()) {
      const auto& role = request.app.roles.front();
      req["workspace"] = {{"path", *request.workspace}, {"role", role.name}, {"image", role.image}};
      text += "  workspace: " + *request.workspace + " is built onto " + role.image + " for role '" + role.name +
              "' (Dockerfile.torchx, else FROM the image + COPY . .; minus .dockerignore), tagged by content: an "
              "unchanged workspace reuses its image\n";
    }
    return plugin::DryRunInfo{json::serialize(req), text, /*runs_locally=*/true};
  }

  std::string schedule(const plugin::ScheduleRequest& sr) override {
    json::object req = json::parse(sr.request_json).as_object();
    const auto* host = req.if_contains("docker_host");
    try {
      docker::check_bind_sources(req);
    } catch (const std::invalid_argument& e) {
      throw plugin::InvalidArgument(e.what());
    }
    Engine engine = Engine::connect(host != nullptr && host->is_string() ? std::string(host->get_string()) : "");
    if (const auto* ws = req.if_contains("workspace"); ws != nullptr && ws->is_object()) {
      const std::string image = containers::build_workspace_image(engine, std::string(ws->at("path").as_string()),
                                                              std::string(ws->at("image").as_string()), TORCHX_PLUGIN_VERSION);
      for (auto& c : req.at("containers").as_array()) {
        if (c.at("role") == ws->at("role")) c.at("create").as_object()["Image"] = image;
      }
    }
    const std::string app_id(req.at("app_id").as_string());
    const auto& network = req.at("network");
    const std::string network_name = network.is_object() ? std::string(network.at("Name").as_string()) : "";
    if (!network_name.empty()) {
      engine.check("POST", "/networks/create", json::serialize(network), "cannot create the network '" + network_name + "'");
    }
    std::vector<std::string> created;
    try {
      for (const auto& c : req.at("containers").as_array()) {
        const std::string name(c.at("name").as_string());
        const auto& create = c.at("create").as_object();
        const std::string body = json::serialize(create);
        const std::string target = "/containers/create?name=" + http::url_encode(name);
        auto r = engine.call("POST", target, body);
        if (r.status == 404) {
          pull(engine, std::string(create.at("Image").as_string()), docker::engine_message(r.body));
          r = engine.call("POST", target, body);
        }
        if (r.status >= 400) {
          throw plugin::Error(TX_E_INTERNAL, "cannot create the container '" + name + "': " + docker::engine_message(r.body));
        }
        created.push_back(docker::parse_created_id(r.body));
      }
      for (const auto& id : created) {
        engine.check("POST", "/containers/" + id + "/start", {}, "cannot start the container " + id.substr(0, 12));
      }
    } catch (...) {
      // Leave nothing half made: what was created goes, with the network.
      for (const auto& id : created) {
        try {
          engine.call("DELETE", "/containers/" + id + "?force=1&v=1");
        } catch (const std::exception&) {
        }
      }
      try {
        if (!network_name.empty()) engine.call("DELETE", "/networks/" + http::url_encode(network_name));
      } catch (const std::exception&) {
      }
      throw;
    }
    return app_id;
  }

  std::optional<specs::DescribeAppResponse> describe(const std::string& app_id) override {
    check_app_id(app_id);
    Engine engine = Engine::connect("");
    const AppContainers app = find(engine, app_id);
    if (app.containers.empty() && !app.cancelled) return std::nullopt;
    specs::DescribeAppResponse d;
    d.app_id = app_id;
    if (app.containers.empty()) {
      d.state = specs::AppState::CANCELLED;
      d.msg = "its containers were removed (cancelled)";
      return d;
    }
    std::vector<specs::AppState> states;
    for (const auto& c : app.containers) {
      const auto state = docker::replica_state(c);
      states.push_back(state);
      auto it = std::find_if(d.roles_statuses.begin(), d.roles_statuses.end(), [&](const auto& r) { return r.role == c.role; });
      if (it == d.roles_statuses.end()) {
        it = d.roles_statuses.insert(d.roles_statuses.end(), specs::RoleStatus{c.role, {}});
        specs::Role role;
        role.name = c.role;
        role.image = c.image;
        role.num_replicas = 0;
        if (!c.cmd.empty()) {
          role.entrypoint = c.cmd.front();
          role.args.assign(c.cmd.begin() + 1, c.cmd.end());
        }
        d.roles.push_back(std::move(role));
      }
      for (auto& r : d.roles) {
        if (r.name == c.role) ++r.num_replicas;
      }
      it->replicas.push_back({c.replica_id, state, c.role, c.name});
      d.num_restarts = std::max(d.num_restarts, c.restart_count);
      if (const auto why = docker::exit_text(c); !why.empty() && d.msg.empty()) d.msg = c.name + " " + why;
    }
    d.state = docker::app_state(states);
    return d;
  }

  std::vector<specs::ListAppResponse> list() override {
    Engine engine = Engine::connect("");
    std::map<std::string, std::string> names;  // app id -> name, sorted
    const auto markers = docker::parse_volumes(
        engine.check("GET", "/volumes?" + label_filter({docker::k_label_cancelled}), {}, "cannot list volumes").body);
    for (const auto& m : markers) names[m.app_id] = m.app_name;
    const auto listed = docker::parse_list(
        engine.check("GET", "/containers/json?all=1&" + label_filter({docker::k_label_app_id}), {}, "cannot list containers").body);
    for (const auto& c : listed) names.emplace(c.app_id, c.app_name);
    std::vector<specs::ListAppResponse> out;
    for (const auto& [id, name] : names) {
      const auto d = describe(id);
      if (d) out.push_back({id, d->state, "", name});
    }
    return out;
  }

  /// Stops every container of a running app with the grace period (SIGTERM, then SIGKILL), then
  /// removes them: nothing of it runs or remains but a labelled empty volume, the record that it
  /// was cancelled (and its network), until delete. A finished app is left as it is.
  void cancel(const std::string& app_id) override {
    check_app_id(app_id);
    Engine engine = Engine::connect("");
    const AppContainers app = find(engine, app_id);
    if (app.containers.empty() && !app.cancelled) throw plugin::NotFound("app '" + app_id + "' not found on " + engine.url());
    const bool running = std::any_of(app.containers.begin(), app.containers.end(),
                                     [](const auto& c) { return !specs::is_terminal(docker::replica_state(c)); });
    if (!running) return;
    const int grace = grace_seconds();
    // The record first: status never finds the app gone between the removal and the record.
    json::object marker{{"Name", docker::cancelled_marker_name(app_id)},
                        {"Labels", {{docker::k_label_app_id, app_id},
                                    {docker::k_label_app_name, app.containers.front().app_name},
                                    {docker::k_label_cancelled, "1"}}}};
    engine.check("POST", "/volumes/create", json::serialize(marker), "cannot record the cancellation of '" + app_id + "'");
    for (const auto& c : app.containers) {
      engine.call("POST", "/containers/" + c.id + "/stop?t=" + std::to_string(grace), {},
                  std::chrono::milliseconds((grace + 60) * 1000));
    }
    remove_containers(engine, app);
  }

  void delete_app(const std::string& app_id) override {
    check_app_id(app_id);
    Engine engine = Engine::connect("");
    const AppContainers app = find(engine, app_id, /*with_network=*/true);
    if (app.containers.empty() && !app.has_network && !app.cancelled) {
      throw plugin::NotFound("app '" + app_id + "' not found on " + engine.url());
    }
    remove_containers(engine, app);
    if (app.cancelled) {
      const auto r = engine.call("DELETE", "/volumes/" + http::url_encode(docker::cancelled_marker_name(app_id)));
      if (r.status >= 400 && r.status != 404) {
        throw plugin::Error(TX_E_INTERNAL, "cannot remove the volume '" + docker::cancelled_marker_name(app_id) +
                                               "': " + docker::engine_message(r.body));
      }
    }
    if (app.has_network) {
      const auto r = engine.call("DELETE", "/networks/" + http::url_encode(docker::network_name(app_id)));
      if (r.status >= 400 && r.status != 404) {
        throw plugin::Error(TX_E_INTERNAL, "cannot remove the network '" + docker::network_name(app_id) +
                                               "': " + docker::engine_message(r.body));
      }
    }
  }

  std::unique_ptr<plugin::LogIterator> log_iter(const specs::LogQuery& q) override;

  /// The app's containers (inspected); when it has none, whether cancel's record exists; with
  /// `with_network`, both records and whether its network exists (Podman lists networks slowly,
  /// about 70 ms here: only delete asks).
  AppContainers find(Engine& engine, const std::string& app_id, bool with_network = false) {
    AppContainers app;
    const std::string label = std::string(docker::k_label_app_id) + "=" + app_id;
    const auto listed = docker::parse_list(
        engine.check("GET", "/containers/json?all=1&" + label_filter({label}), {}, "cannot list the containers of '" + app_id + "'").body);
    for (const auto& l : listed) {
      const auto r = engine.call("GET", "/containers/" + l.id + "/json");
      if (r.status == 404) continue;  // removed meanwhile
      if (r.status >= 400) throw plugin::Error(TX_E_INTERNAL, "cannot inspect container " + l.id + ": " + docker::engine_message(r.body));
      app.containers.push_back(docker::parse_inspect(r.body));
    }
    std::sort(app.containers.begin(), app.containers.end(),
              [](const auto& a, const auto& b) { return std::tie(a.role, a.replica_id) < std::tie(b.role, b.replica_id); });
    if (!with_network && !app.containers.empty()) return app;
    for (const auto& m : docker::parse_volumes(
             engine.check("GET", "/volumes?" + label_filter({label}), {}, "cannot list the volumes of '" + app_id + "'").body)) {
      app.cancelled = app.cancelled || m.app_id == app_id;
    }
    if (!with_network) return app;
    for (const auto& n : docker::parse_networks(
             engine.check("GET", "/networks?" + label_filter({label}), {}, "cannot list the networks of '" + app_id + "'").body)) {
      app.has_network = app.has_network || n.app_id == app_id;
    }
    return app;
  }

private:
  static void remove_containers(Engine& engine, const AppContainers& app) {
    for (const auto& c : app.containers) {
      const auto r = engine.call("DELETE", "/containers/" + c.id + "?force=1&v=1");
      if (r.status >= 400 && r.status != 404) {
        throw plugin::Error(TX_E_INTERNAL, "cannot remove the container '" + c.name + "': " + docker::engine_message(r.body));
      }
    }
  }

  /// Pulls `image` after a create said it is missing; one clear line when that fails too.
  static void pull(Engine& engine, const std::string& image, const std::string& create_said) {
    const std::string missing = "image '" + image + "' is not on the engine at " + engine.url() + " (" + create_said + ")";
    http::Response r;
    try {
      r = engine.call("POST", "/images/create?fromImage=" + http::url_encode(image), {}, std::chrono::minutes(30));
    } catch (const plugin::Unavailable& e) {
      throw plugin::InvalidArgument(missing + " and pulling it failed: " + e.what());
    }
    // The pull answers a stream of JSON progress objects; a failure is one with "error".
    std::string error;
    if (r.status >= 400) error = docker::engine_message(r.body);
    for (std::size_t start = 0; error.empty() && start < r.body.size();) {
      const auto end = std::min(r.body.find('\n', start), r.body.size());
      boost::system::error_code ec;
      const auto v = json::parse(std::string_view(r.body).substr(start, end - start), ec);
      if (!ec && v.is_object()) {
        if (const auto* e = v.get_object().if_contains("error"); e != nullptr && e->is_string()) error = e->get_string();
      }
      start = end + 1;
    }
    if (!error.empty()) {
      if (error.size() > 300) error = error.substr(0, 300) + "...";
      throw plugin::InvalidArgument(missing + " and pulling it failed: " + error);
    }
  }
};

/// One replica's log lines from the engine's (multiplexed) log stream.
class DockerLogIterator : public plugin::LogIterator {
public:
  DockerLogIterator(std::unique_ptr<http::StreamingResponse> stream) : m_stream(std::move(stream)) {}

  std::optional<std::string> next() override {
    while (true) {
      if (auto line = m_demux.next()) return std::move(line->text);
      if (m_done) return std::nullopt;
      if (auto data = m_stream->read_some()) {
        m_demux.feed(*data);
      } else {
        m_demux.finish();
        m_done = true;
      }
    }
  }

private:
  std::unique_ptr<http::StreamingResponse> m_stream;
  docker::LogDemux m_demux;
  bool m_done = false;
};

std::unique_ptr<plugin::LogIterator> DockerScheduler::log_iter(const specs::LogQuery& q) {
  check_app_id(q.app_id);
  Engine engine = Engine::connect("");
  const std::vector<std::string> labels{std::string(docker::k_label_app_id) + "=" + q.app_id,
                                        std::string(docker::k_label_role_name) + "=" + q.role_name,
                                        std::string(docker::k_label_replica_id) + "=" + std::to_string(q.k)};
  const auto listed = docker::parse_list(
      engine.check("GET", "/containers/json?all=1&" + label_filter(labels), {}, "cannot list the containers of '" + q.app_id + "'").body);
  if (listed.empty()) {
    throw plugin::NotFound("app '" + q.app_id + "' has no container for replica " + q.role_name + "/" + std::to_string(q.k) +
                           " on " + engine.url());
  }
  bool follow = q.should_tail;
  if (follow) {
    // An ended container has nothing more to say: Podman's follow still waits a while on one.
    const auto r = engine.call("GET", "/containers/" + listed.front().id + "/json");
    if (r.status < 400 && specs::is_terminal(docker::replica_state(docker::parse_inspect(r.body)))) follow = false;
  }
  std::string target = "/containers/" + listed.front().id + "/logs?stdout=" +
                       (q.streams == specs::Stream::stderr_ ? "0" : "1") + "&stderr=" +
                       (q.streams == specs::Stream::stdout_ ? "0" : "1");
  if (follow) target += "&follow=1";
  if (q.since) target += "&since=" + std::to_string(static_cast<long long>(std::floor(*q.since)));
  if (q.until) target += "&until=" + std::to_string(static_cast<long long>(std::ceil(*q.until)));
  auto stream = engine.open(target, follow ? std::nullopt : std::optional<std::chrono::milliseconds>(60s));
  if (stream->status() >= 400) {
    std::string body;
    while (auto piece = stream->read_some()) {
      body += *piece;
      if (body.size() > 4096) break;
    }
    throw plugin::Error(TX_E_INTERNAL, "cannot read the logs of " + q.role_name + "/" + std::to_string(q.k) + ": " +
                                           docker::engine_message(body));
  }
  return std::make_unique<DockerLogIterator>(std::move(stream));
}

}  // namespace

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
  static plugin::Plugin p = plugin::Plugin(TORCHX_PLUGIN_NAME, TORCHX_PLUGIN_VERSION)
                                .scheduler<DockerScheduler>("local_docker", "containers on a local Docker or Podman engine");
  return p.negotiate(host, info);
}
