// SPDX-License-Identifier: BSD-3-Clause
// The kubernetes scheduler plugin: an app as one Volcano Job (TorchX's shape, the default) or as
// batch/v1 Indexed Jobs with a headless Service (job_kind=batch, no CRD needed), over the
// Kubernetes REST API (k8s_api.hpp) with the credentials kubectl would use (kube_config.hpp).
// Nothing is kept on this machine: the objects' labels are the record, so every verb works from
// any process. App ids are TorchX's `<namespace>:<name>`.
#include "k8s_api.hpp"
#include "k8s_render.hpp"
#include "k8s_status.hpp"
#include "k8s_workspace.hpp"
#include "kube_config.hpp"

#include <torchx/plugin.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <thread>

namespace json = boost::json;
using namespace torchx;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_scheduler = "kubernetes";
/// The query kubectl create sends with each object (tests/k8s/kubectl-golden), our own field manager.
constexpr const char* k_create_query = "?fieldManager=torchx&fieldValidation=Strict";
/// kubectl delete's body: the dependents (pods) are removed in the background.
constexpr const char* k_delete_body = R"({"propagationPolicy":"Background"})";

std::string cfg_str(const specs::Cfg& cfg, const char* key) {
  const auto* v = cfg.get(key);
  return (v != nullptr && std::holds_alternative<std::string>(*v)) ? std::get<std::string>(*v) : std::string{};
}

bool cfg_bool(const specs::Cfg& cfg, const char* key) {
  const auto* v = cfg.get(key);
  return v != nullptr && std::holds_alternative<bool>(*v) && std::get<bool>(*v);
}

/// The credentials of `context` (empty: the current one); a kubeconfig that cannot be used is
/// the user's to fix (exit 1, one line from ConfigError).
k8s::Credentials credentials(const std::string& context) {
  k8s::LoadOptions options;
  options.context = context;
  try {
    return k8s::load_credentials(options);
  } catch (const k8s::ConfigError& e) {
    throw plugin::InvalidArgument(e.what());
  }
}

/// A DNS-1123 subdomain (a Job name): [a-z0-9.-], at most 253, alphanumeric at both ends.
bool is_object_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

struct AppRef {
  std::string ns;
  std::string name;
};

/// `<namespace>:<name>` as schedule made it; nullopt for anything else (it names no app of
/// ours, and never reaches a URL).
std::optional<AppRef> parse_app_id(const std::string& app_id) {
  const auto colon = app_id.find(':');
  if (colon == std::string::npos) return std::nullopt;
  AppRef r{app_id.substr(0, colon), app_id.substr(colon + 1)};
  if (!k8s::is_dns_label(r.ns) || !is_object_name(r.name)) return std::nullopt;
  return r;
}

AppRef app_ref_or_not_found(const std::string& app_id) {
  auto r = parse_app_id(app_id);
  if (!r) {
    throw plugin::NotFound("app '" + app_id.substr(0, 300) +
                           "' not found: a kubernetes app id is <namespace>:<name> (e.g. default:echo-x1y2z3)");
  }
  return *r;
}

std::string label_selector(const std::string& selector) { return "labelSelector=" + http::url_encode(selector); }

std::string instance_selector(const std::string& name) {
  return label_selector(std::string(k8s::k_label_instance) + "=" + name);
}

json::array as_array(std::vector<json::object> objects) {
  json::array a;
  for (auto& o : objects) a.emplace_back(std::move(o));
  return a;
}

/// Replaces the image of every pod template of role `role_index` in `v` (the objects as
/// rendered: Volcano tasks' and batch Jobs' `template`s carry the role-index label).
void replace_role_image(json::value& v, const std::string& role_index, const std::string& image) {
  if (v.is_array()) {
    for (auto& e : v.get_array()) replace_role_image(e, role_index, image);
    return;
  }
  if (!v.is_object()) return;
  auto& o = v.get_object();
  if (auto* tmpl = o.if_contains("template"); tmpl != nullptr && tmpl->is_object()) {
    const auto* labels = tmpl->get_object().if_contains("metadata");
    labels = (labels != nullptr && labels->is_object()) ? labels->get_object().if_contains("labels") : nullptr;
    const auto* idx = (labels != nullptr && labels->is_object())
                          ? labels->get_object().if_contains(k8s::k_label_role_index)
                          : nullptr;
    auto* spec = tmpl->get_object().if_contains("spec");
    if (idx != nullptr && idx->is_string() && idx->get_string() == role_index && spec != nullptr && spec->is_object()) {
      if (auto* containers = spec->get_object().if_contains("containers");
          containers != nullptr && containers->is_array()) {
        for (auto& c : containers->get_array()) {
          if (c.is_object()) c.get_object()["image"] = image;
        }
      }
    }
  }
  for (auto& [key, child] : o) {
    if (key != "template") replace_role_image(child, role_index, image);
  }
}

/// RFC 3339 (UTC, whole seconds) of `epoch_seconds`.
std::string rfc3339(double epoch_seconds) {
  const std::time_t t = static_cast<std::time_t>(std::floor(epoch_seconds));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// One pod's log lines (k8s::LineSplitter) as its stream arrives.
class PodLogIterator : public plugin::LogIterator {
 public:
  /// `stream` null: no log (the container has not started).
  explicit PodLogIterator(std::unique_ptr<http::StreamingResponse> stream) : m_stream(std::move(stream)) {
    if (!m_stream) m_lines.finish();
  }

  std::optional<std::string> next() override {
    while (true) {
      if (auto line = m_lines.next()) return line;
      if (!m_stream) return std::nullopt;
      if (auto piece = m_stream->read_some()) {
        m_lines.feed(*piece);
      } else {
        m_stream.reset();
        m_lines.finish();
      }
    }
  }

 private:
  std::unique_ptr<http::StreamingResponse> m_stream;
  k8s::LineSplitter m_lines;
};

class KubernetesScheduler : public plugin::Scheduler {
 public:
  specs::RunOpts run_opts() override {
    specs::RunOpts o;
    o.add("namespace", specs::CfgType::str,
          "Kubernetes namespace to schedule job in (default: the namespace of the kube context, else default)");
    o.add("queue", specs::CfgType::str,
          "Volcano queue to schedule job in (job_kind=volcano; default: the queue Volcano always creates, 'default')",
          std::string("default"));
    o.add("service_account", specs::CfgType::str, "The service account name to set on the pod specs");
    o.add("priority_class", specs::CfgType::str, "The name of the PriorityClass to set on the job specs");
    o.add("image_repo", specs::CfgType::str,
          "The image repository to use when pushing patched images, must have push access. Ex: "
          "example.com/your/container");
    o.add("quiet", specs::CfgType::boolean,
          "whether to suppress verbose output for image building. Defaults to ``False``.", false);
    o.add("context", specs::CfgType::str,
          "The kubeconfig context to use (default: its current-context), as kubectl --context. status, log, cancel, "
          "delete and list use the current context");
    o.add("job_kind", specs::CfgType::str,
          "volcano: one batch.volcano.sh/v1alpha1 Job, a task per replica (TorchX's; needs Volcano); batch: a "
          "batch/v1 Indexed Job per role and a headless Service for rank 0 (no CRD needed)",
          std::string("volcano"));
    return o;
  }

  /// The objects as YAML (TorchX prints its request so), nothing sent anywhere. The namespace
  /// comes from the run option, else the kubeconfig's context (read, never contacted), else
  /// "default".
  plugin::DryRunInfo submit_dryrun(const plugin::DryRunRequest& request) override {
    const specs::Cfg& cfg = request.cfg;
    const std::string kind_text = cfg_str(cfg, "job_kind").empty() ? "volcano" : cfg_str(cfg, "job_kind");
    k8s::RenderOptions options;
    if (kind_text == "volcano") {
      options.kind = k8s::JobKind::volcano;
    } else if (kind_text == "batch") {
      options.kind = k8s::JobKind::batch;
    } else {
      throw plugin::InvalidArgument("run option 'job_kind': expected volcano or batch, found '" +
                                    kind_text.substr(0, 100) + "'");
    }
    // TorchX requires a queue; every Volcano install has the queue 'default' (and Volcano's admission
    // puts a Job without one there), so that is our default: `--dryrun dist.ddp` works as it is.
    options.queue = cfg_str(cfg, "queue");
    if (options.kind == k8s::JobKind::volcano && options.queue.empty()) options.queue = "default";
    const std::string context = cfg_str(cfg, "context");
    options.namespace_ = cfg_str(cfg, "namespace");
    if (options.namespace_.empty()) options.namespace_ = context_namespace(context);
    if (!k8s::is_dns_label(options.namespace_)) {
      throw plugin::InvalidArgument("run option 'namespace': '" + options.namespace_.substr(0, 100) +
                                    "' is not a Kubernetes namespace (lowercase letters, digits and '-', at most 63)");
    }
    options.service_account = cfg_str(cfg, "service_account");
    options.priority_class = cfg_str(cfg, "priority_class");
    options.version = TORCHX_PLUGIN_VERSION;
    json::array objects;
    std::string text;
    try {
      options.name = k8s::unique_app_name(request.app.name);
      objects = k8s::render(request.app, options);
      text = k8s::to_yaml(objects, /*as_documents=*/true);
    } catch (const std::invalid_argument& e) {
      throw plugin::InvalidArgument(e.what());
    }
    json::object req{{"app_id", options.namespace_ + ":" + options.name},
                     {"namespace", options.namespace_},
                     {"name", options.name},
                     {"job_kind", kind_text},
                     {"context", context},
                     {"objects", objects},
                     {"workspace", nullptr},
                     {"image_repo", cfg_str(cfg, "image_repo")},
                     {"quiet", cfg_bool(cfg, "quiet")}};
    if (request.workspace && !request.app.roles.empty()) {
      const auto& role = request.app.roles.front();
      req["workspace"] = {{"path", *request.workspace}, {"role", role.name}, {"image", role.image}};
      const std::string repo = cfg_str(cfg, "image_repo");
      text +=
          "# workspace: " + *request.workspace + " is built onto " + role.image + " for role '" + role.name + "' and " +
          (repo.empty()
               ? std::string(
                     "pushed to image_repo (not set: run refuses; -cfg image_repo=REGISTRY/REPO, or --workspace \"\")")
               : "pushed to " + repo + ":<content tag>, which the role's containers then run") +
          "\n";
    }
    return plugin::DryRunInfo{json::serialize(req), text, /*runs_locally=*/false};
  }

  /// Pushes the workspace image (if any), then creates each object in order; on a failure,
  /// deletes what it created, so nothing is left half made.
  std::string schedule(const plugin::ScheduleRequest& sr) override {
    json::object req = json::parse(sr.request_json).as_object();
    const std::string app_id(req.at("app_id").as_string());
    const std::string ns(req.at("namespace").as_string());
    const std::string context(req.at("context").as_string());
    if (!k8s::is_dns_label(ns))
      throw plugin::InvalidArgument("the request's namespace '" + ns.substr(0, 100) +
                                    "' is not a Kubernetes namespace");
    auto& objects = req.at("objects");
    if (const auto* ws = req.if_contains("workspace"); ws != nullptr && ws->is_object()) {
      const std::string repo(req.at("image_repo").as_string());
      if (repo.empty()) {
        throw plugin::InvalidArgument("a workspace (" + std::string(ws->at("path").as_string()) +
                                      ") needs the run option image_repo, the registry its image is pushed to for the "
                                      "cluster to pull (-cfg image_repo=registry.example.com/you/app), or run with "
                                      "--workspace \"\" to use role 0's image as it is");
      }
      const std::string image =
          k8s::push_workspace_image(std::string(ws->at("path").as_string()), std::string(ws->at("image").as_string()),
                                    repo, TORCHX_PLUGIN_VERSION, req.at("quiet").as_bool());
      replace_role_image(objects, "0", image);
    }
    k8s::Api api(credentials(context));
    std::vector<std::pair<k8s::Resource, std::string>> created;
    try {
      for (const auto& value : objects.as_array()) {
        const auto& o = value.as_object();
        const std::string api_version(o.at("apiVersion").as_string());
        const std::string kind(o.at("kind").as_string());
        const std::string name(o.at("metadata").at("name").as_string());
        const auto resource = k8s::resource_of(api_version, kind);
        if (!resource)
          throw plugin::Error(TX_E_INTERNAL,
                              "cannot create a " + api_version + " " + kind + ": not a kind the plugin makes");
        const std::string doing =
            "cannot create " + kind + " '" + name + "' (" + api_version + ") in namespace '" + ns + "'";
        const auto r = api.call("POST", k8s::resource_path(*resource, ns) + k_create_query, json::serialize(o));
        if (r.status >= 400) fail_create(api, r, *resource, doing);
        created.emplace_back(*resource, name);
      }
    } catch (...) {
      for (auto it = created.rbegin(); it != created.rend(); ++it) {
        try {
          api.call("DELETE", k8s::resource_path(it->first, ns, it->second), k_delete_body);
        } catch (const std::exception&) {
        }
      }
      throw;
    }
    return app_id;
  }

  std::optional<specs::DescribeAppResponse> describe(const std::string& app_id) override {
    const auto ref = parse_app_id(app_id);
    if (!ref) return std::nullopt;
    k8s::Api api(credentials({}));
    auto objects = find(api, *ref, /*with_pods=*/true);
    if (!objects) return std::nullopt;
    return k8s::describe_app(app_id, *objects);
  }

  /// The apps of the current context's namespace: Volcano Jobs (none when the cluster has no
  /// Volcano) and batch/v1 Jobs and Services with TorchX's managed-by label.
  std::vector<specs::ListAppResponse> list() override {
    k8s::Api api(credentials({}));
    const std::string ns = api.default_namespace().empty() ? "default" : api.default_namespace();
    const std::string selector = label_selector(std::string(k8s::k_label_managed_by) + "=" + k8s::k_managed_by);
    std::vector<specs::ListAppResponse> out;
    // nullopt: no Volcano CRD on this cluster (404), skipped.
    if (auto v = api.list(k8s::resource_path(k8s::Resource::volcano_jobs, ns), selector,
                          "cannot list the Volcano Jobs of namespace '" + ns + "'", /*none_if_404=*/true)) {
      out = k8s::list_volcano(as_array(std::move(*v)));
    }
    auto jobs = api.list(k8s::resource_path(k8s::Resource::batch_jobs, ns), selector,
                         "cannot list the Jobs of namespace '" + ns + "'");
    auto services = api.list(k8s::resource_path(k8s::Resource::services, ns), selector,
                             "cannot list the Services of namespace '" + ns + "'");
    for (auto& b : k8s::list_batch(as_array(std::move(*jobs)), as_array(std::move(*services))))
      out.push_back(std::move(b));
    return out;
  }

  /// Deletes the app's Jobs (Volcano's, or every batch/v1 one) as `kubectl delete` does; the pods
  /// go with them. A batch app keeps its Service (status then says CANCELLED) until delete.
  void cancel(const std::string& app_id) override {
    const auto ref = app_ref_or_not_found(app_id);
    k8s::Api api(credentials({}));
    const auto objects = find(api, ref, /*with_pods=*/false);
    if (!objects) throw plugin::NotFound(not_found_text(api, ref));
    delete_jobs(api, ref, *objects);
  }

  /// cancel, then the Service of a batch app: nothing of the app remains.
  void delete_app(const std::string& app_id) override {
    const auto ref = app_ref_or_not_found(app_id);
    k8s::Api api(credentials({}));
    const auto objects = find(api, ref, /*with_pods=*/false);
    if (!objects) throw plugin::NotFound(not_found_text(api, ref));
    delete_jobs(api, ref, *objects);
    if (objects->has_service) {
      const auto services = api.list(k8s::resource_path(k8s::Resource::services, ref.ns), instance_selector(ref.name),
                                     "cannot list the Services of '" + ref.name + "'");
      for (const auto& s : *services) delete_object(api, k8s::Resource::services, ref.ns, object_name(s));
    }
  }

  std::unique_ptr<plugin::LogIterator> log_iter(const specs::LogQuery& q) override;

 private:
  static std::string object_name(const json::object& o) {
    const auto* meta = o.if_contains("metadata");
    const auto* name = (meta != nullptr && meta->is_object()) ? meta->get_object().if_contains("name") : nullptr;
    return (name != nullptr && name->is_string()) ? std::string(name->get_string()) : std::string{};
  }

  static std::string not_found_text(const k8s::Api& api, const AppRef& ref) {
    return "app '" + ref.ns + ":" + ref.name + "' not found: no Volcano or batch/v1 Job '" + ref.name +
           "' in namespace '" + ref.ns + "' at " + api.server();
  }

  /// The namespace of `context` (empty: the current one) in the kubeconfig, else "default".
  static std::string context_namespace(const std::string& context) {
    k8s::LoadOptions options;
    options.context = context;
    options.resolve_user = false;  // a dryrun runs no exec credential plugin and reads no secret
    try {
      const auto c = k8s::load_credentials(options);
      return c.namespace_.empty() ? "default" : c.namespace_;
    } catch (const k8s::ConfigError& e) {
      if (!context.empty()) throw plugin::InvalidArgument(e.what());
      return "default";  // no kubeconfig: a dryrun still shows the objects
    }
  }

  /// A failed create, with what it means for this kind: a 404 of the Volcano resource is a
  /// cluster without Volcano; a 409 is TorchX's name clash.
  [[noreturn]] static void fail_create(const k8s::Api& api, const http::Response& r, k8s::Resource resource,
                                       const std::string& doing) {
    const std::string said = k8s::status_message(r.body);
    if (r.status == 404 && resource == k8s::Resource::volcano_jobs && said.find("namespaces") == std::string::npos) {
      throw plugin::InvalidArgument(
          doing + ": the API server at " + api.server() +
          " has no batch.volcano.sh/v1alpha1 jobs (is Volcano installed?); without Volcano run "
          "with -cfg job_kind=batch");
    }
    if (r.status == 409) {
      throw plugin::InvalidArgument(doing + ": it already exists (" + (said.empty() ? "HTTP 409" : said) +
                                    "); this seems like a transient exception, try resubmitting the job");
    }
    if (r.status == 404) throw plugin::InvalidArgument(doing + ": " + (said.empty() ? "HTTP 404" : said));
    api.fail(r, doing);
  }

  /// What the server holds of the app: its Volcano Job, else its batch/v1 Jobs and Service
  /// (found by the instance label); with `with_pods`, its pods. nullopt when nothing.
  static std::optional<k8s::AppObjects> find(k8s::Api& api, const AppRef& ref, bool with_pods) {
    k8s::AppObjects objects;
    // A 404 is either no such Job or no Volcano on the cluster: then it is a batch app, or none.
    const auto v = api.call("GET", k8s::resource_path(k8s::Resource::volcano_jobs, ref.ns, ref.name));
    if (v.status < 400) {
      boost::system::error_code ec;
      auto job = json::parse(v.body, ec);
      if (ec || !job.is_object())
        throw plugin::Error(TX_E_INTERNAL, "the API server answered the Volcano Job '" + ref.name +
                                               "' with something that is not JSON");
      objects.kind = k8s::AppKind::volcano;
      objects.volcano_job = std::move(job.get_object());
    } else if (v.status != 404) {
      api.fail(v, "cannot read the Volcano Job '" + ref.name + "' in namespace '" + ref.ns + "'");
    } else {
      objects.kind = k8s::AppKind::batch;
      const std::string selector = instance_selector(ref.name);
      objects.batch_jobs = *api.list(k8s::resource_path(k8s::Resource::batch_jobs, ref.ns), selector,
                                     "cannot list the Jobs of '" + ref.name + "' in namespace '" + ref.ns + "'");
      objects.has_service = !api.list(k8s::resource_path(k8s::Resource::services, ref.ns), selector,
                                      "cannot list the Services of '" + ref.name + "' in namespace '" + ref.ns + "'")
                                 ->empty();
      if (objects.batch_jobs.empty() && !objects.has_service) return std::nullopt;
    }
    if (with_pods) {
      objects.pods = *api.list(k8s::resource_path(k8s::Resource::pods, ref.ns), instance_selector(ref.name),
                               "cannot list the pods of '" + ref.name + "' in namespace '" + ref.ns + "'");
    }
    return objects;
  }

  static void delete_object(k8s::Api& api, k8s::Resource resource, const std::string& ns, const std::string& name) {
    if (name.empty()) return;
    const auto r = api.call("DELETE", k8s::resource_path(resource, ns, name), k_delete_body);
    if (r.status >= 400 && r.status != 404) api.fail(r, "cannot delete '" + name + "' in namespace '" + ns + "'");
  }

  static void delete_jobs(k8s::Api& api, const AppRef& ref, const k8s::AppObjects& objects) {
    if (objects.volcano_job) {
      delete_object(api, k8s::Resource::volcano_jobs, ref.ns, ref.name);
      return;
    }
    for (const auto& job : objects.batch_jobs) delete_object(api, k8s::Resource::batch_jobs, ref.ns, object_name(job));
  }
};

std::unique_ptr<plugin::LogIterator> KubernetesScheduler::log_iter(const specs::LogQuery& q) {
  if (q.until) throw plugin::Unsupported("scheduler 'kubernetes' does not support log until");
  if (q.streams && *q.streams != specs::Stream::combined) {
    throw plugin::Unsupported(
        std::string("scheduler 'kubernetes' does not support log streams other than combined: a pod's "
                    "log holds stdout and stderr together (asked for ") +
        specs::to_string(*q.streams) + "; leave out --streams)");
  }
  const auto ref = app_ref_or_not_found(q.app_id);
  k8s::Api api(credentials({}));
  const std::string replica = q.role_name + "/" + std::to_string(q.k);
  // The replica's newest pod; when following, wait until it exists and its container started.
  std::optional<k8s::PodInfo> pod;
  for (int attempt = 0;; ++attempt) {
    const auto pods = api.list(k8s::resource_path(k8s::Resource::pods, ref.ns), instance_selector(ref.name),
                               "cannot list the pods of '" + ref.name + "' in namespace '" + ref.ns + "'");
    pod.reset();
    for (const auto& o : *pods) {
      auto p = k8s::parse_pod(o);
      if (p.role == q.role_name && p.replica_id == q.k && (!pod || pod->created < p.created)) pod = std::move(p);
    }
    const bool waiting = !pod || (pod->phase == "Pending" && pod->problem.empty());
    if (!q.should_tail || !waiting || attempt >= 600) break;
    // No pod yet: the app may be gone meanwhile (deleted, or cancelled: no Job left); asked every 5 s.
    if (!pod && attempt % 5 == 0) {
      const auto objects = find(api, ref, /*with_pods=*/false);
      if (!objects || (!objects->volcano_job && objects->batch_jobs.empty()))
        throw plugin::NotFound(not_found_text(api, ref));
    }
    std::this_thread::sleep_for(1s);
  }
  if (!pod) {
    if (!find(api, ref, /*with_pods=*/false)) throw plugin::NotFound(not_found_text(api, ref));
    throw plugin::NotFound("app '" + q.app_id + "' has no pod for replica " + replica + " (yet) in namespace '" +
                           ref.ns + "'");
  }
  if (pod->phase == "Pending") {
    if (!pod->problem.empty())
      throw plugin::Error(TX_E_INTERNAL, "pod '" + pod->name + "' (" + replica + ") " + pod->problem);
    return std::make_unique<PodLogIterator>(nullptr);  // nothing written yet
  }
  // The query as kubectl logs sends it (its keys sorted): container, follow, sinceSeconds or sinceTime.
  std::string query;
  if (!pod->container.empty()) query += "&container=" + http::url_encode(pod->container);
  if (q.should_tail) query += "&follow=true";
  if (q.since) {
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (*q.since <= now) {
      query +=
          "&sinceSeconds=" + std::to_string(std::max<long long>(1, static_cast<long long>(std::ceil(now - *q.since))));
    } else {
      query += "&sinceTime=" + http::url_encode(rfc3339(*q.since));
    }
  }
  std::string target = k8s::resource_path(k8s::Resource::pods, ref.ns, pod->name) + "/log";
  if (!query.empty()) target += "?" + query.substr(1);
  auto stream = api.open(target, q.should_tail ? std::nullopt : std::optional<std::chrono::milliseconds>(60s),
                         "application/json, */*");
  if (stream->status() >= 400) {
    http::Response r;
    r.status = stream->status();
    while (auto piece = stream->read_some()) {
      r.body += *piece;
      if (r.body.size() > 65536) break;
    }
    api.fail(r, "cannot read the log of pod '" + pod->name + "' (" + replica + ")");
  }
  return std::make_unique<PodLogIterator>(std::move(stream));
}

}  // namespace

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
  static plugin::Plugin p =
      plugin::Plugin(TORCHX_PLUGIN_NAME, TORCHX_PLUGIN_VERSION)
          .scheduler<KubernetesScheduler>("kubernetes", "Volcano or batch/v1 Jobs on a Kubernetes cluster");
  return p.negotiate(host, info);
}
