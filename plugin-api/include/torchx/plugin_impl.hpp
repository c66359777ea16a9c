// SPDX-License-Identifier: BSD-3-Clause
// Out-of-line parts of the C++ plugin SDK (plugin.hpp). Header-only: included by plugin.hpp.
#pragma once

#include <torchx/plugin.hpp>

#include <torchx/specs/named_resources.hpp>
#include <torchx/specs/tracker_json.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>

#include <dlfcn.h>

namespace torchx::plugin {

inline std::filesystem::path library_dir() {
  // Each plugin compiles its own copy of this inline function (hidden visibility), so its address
  // lies in the plugin's own library.
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&library_dir), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  const auto path = std::filesystem::weakly_canonical(std::filesystem::path(info.dli_fname), ec);
  return ec ? std::filesystem::path{} : path.parent_path();
}

inline void log(tx_log_level level, const std::string& message) {
  const auto& host = detail::host_log();
  if (host.fn != nullptr) host.fn(host.ctx, level, message.c_str());
}

namespace detail {

inline const boost::json::value* component_arg(const ComponentArgs& a, const std::string& name,
                                               boost::json::value& holder) {
  holder = boost::json::parse(a.args_json);
  const auto* o = holder.if_object();
  const auto* v = o != nullptr ? o->if_contains(name) : nullptr;
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

[[noreturn]] inline void bad_arg(const std::string& name, const char* expected) {
  throw InvalidArgument("argument --" + name + " must be " + expected);
}

}  // namespace detail

inline std::size_t LogIterator::read(char* buf, std::size_t cap, bool& done) {
  done = false;
  if (cap < 2) return 0;
  std::size_t len = 0;
  while (true) {
    if (!m_pending) {
      if (len > 0 && m_following) return len;  // next() may block: what there is goes now
      m_pending = next();
      m_pending_pos = 0;
      if (!m_pending) {
        done = true;
        return len;
      }
    }
    const std::size_t left = m_pending->size() - m_pending_pos;
    if (left + 1 <= cap - len) {
      std::memcpy(buf + len, m_pending->data() + m_pending_pos, left);
      len += left;
      buf[len++] = '\n';
      m_pending.reset();
      continue;
    }
    if (len > 0) return len;  // it starts the next call
    // Longer than cap - 1: a piece of cap - 1 bytes is a line of its own.
    std::memcpy(buf, m_pending->data() + m_pending_pos, cap - 1);
    buf[cap - 1] = '\n';
    m_pending_pos += cap - 1;
    return cap;
  }
}

inline std::optional<std::string> BatchLogIterator::next() {
  if (!m_batch) m_batch = std::make_unique_for_overwrite<char[]>(k_batch);
  while (m_pos == m_len) {
    if (m_done) return std::nullopt;
    m_pos = 0;
    m_len = 0;
    m_len = std::min(read(m_batch.get(), k_batch, m_done), k_batch);  // follow: may be 0, then again
  }
  const char* start = m_batch.get() + m_pos;
  const auto* nl = static_cast<const char*>(std::memchr(start, '\n', m_len - m_pos));
  const std::size_t n = nl != nullptr ? static_cast<std::size_t>(nl - start) : m_len - m_pos;
  m_pos += n + (nl != nullptr ? 1 : 0);
  return std::string(start, n);
}

inline std::optional<std::string> ComponentArgs::optional_str(const std::string& name) const {
  boost::json::value holder;
  const auto* v = detail::component_arg(*this, name, holder);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) detail::bad_arg(name, "a string");
  return std::string(v->get_string());
}

inline std::string ComponentArgs::str(const std::string& name) const {
  auto v = optional_str(name);
  if (!v) throw InvalidArgument("argument --" + name + " is required");
  return *v;
}

inline std::optional<int> ComponentArgs::optional_integer(const std::string& name) const {
  boost::json::value holder;
  const auto* v = detail::component_arg(*this, name, holder);
  if (v == nullptr) return std::nullopt;
  if (!v->is_int64() || v->get_int64() < INT32_MIN || v->get_int64() > INT32_MAX) detail::bad_arg(name, "an int");
  return static_cast<int>(v->get_int64());
}

inline int ComponentArgs::integer(const std::string& name) const {
  auto v = optional_integer(name);
  if (!v) throw InvalidArgument("argument --" + name + " is required");
  return *v;
}

inline double ComponentArgs::number(const std::string& name) const {
  boost::json::value holder;
  const auto* v = detail::component_arg(*this, name, holder);
  if (v == nullptr || !v->is_number()) detail::bad_arg(name, "a number");
  return v->to_number<double>();
}

inline bool ComponentArgs::flag(const std::string& name) const {
  boost::json::value holder;
  const auto* v = detail::component_arg(*this, name, holder);
  if (v == nullptr) return false;
  if (!v->is_bool()) detail::bad_arg(name, "true or false");
  return v->get_bool();
}

inline std::optional<std::vector<std::string>> ComponentArgs::list(const std::string& name) const {
  boost::json::value holder;
  const auto* v = detail::component_arg(*this, name, holder);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) detail::bad_arg(name, "a list");
  std::vector<std::string> out;
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) detail::bad_arg(name, "a list of strings");
    out.emplace_back(item.get_string());
  }
  return out;
}

inline std::optional<specs::Dict<std::string>> ComponentArgs::dict(const std::string& name) const {
  boost::json::value holder;
  const auto* v = detail::component_arg(*this, name, holder);
  if (v == nullptr) return std::nullopt;
  if (!v->is_object()) detail::bad_arg(name, "a dict");
  specs::Dict<std::string> out;
  for (const auto& kv : v->get_object()) {
    if (!kv.value().is_string()) detail::bad_arg(name, "a dict of strings");
    out.set(kv.key(), std::string(kv.value().get_string()));
  }
  return out;
}

inline specs::Resource ComponentArgs::resource(std::optional<int> cpu, std::optional<int> gpu, std::optional<int> memMB,
                                               const std::optional<std::string>& h) const {
  if (h) {
    const auto all = boost::json::parse(named_resources_json);
    if (const auto* o = all.if_object(); o != nullptr && o->contains(*h)) {
      return specs::resource_from_json(boost::json::serialize(o->at(*h)));
    }
  }
  return specs::make_resource(cpu, gpu, memMB, h);
}

namespace detail {

/// Appends `text` to `out` as a JSON string (specs::append_json_string).
inline void append_json_string(std::string& out, std::string_view text) { specs::append_json_string(out, text); }

/// True if `json` is already what boost::json::serialize(boost::json::parse(json)) makes of it: a
/// literal, an integer of at most 18 digits without a leading zero (nor -0), or a string of
/// printable ASCII without escapes. Other text goes the slow way (parsed and serialized).
inline bool is_canonical_json_token(std::string_view json) {
  if (json == "null" || json == "true" || json == "false") return true;
  if (json.size() >= 2 && json.front() == '"' && json.back() == '"') {
    for (std::size_t i = 1; i + 1 < json.size(); ++i) {
      const auto c = static_cast<unsigned char>(json[i]);
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
    }
    return true;
  }
  const std::string_view digits = json.starts_with('-') ? json.substr(1) : json;
  if (digits.empty() || digits.size() > 18 || (digits[0] == '0' && (digits.size() > 1 || digits != json))) return false;
  return std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// The component's signature (payloads.md, "Component signature"), written directly: the same
/// text boost::json::serialize made of the object built member by member (the builtins plugin
/// made 11 at every load, ~0.6 M instructions of `torchx run`). A default that is not valid JSON
/// throws, as before.
inline std::string component_signature_json(const Component& c) {
  std::string out;
  out.reserve(32 + c.doc.size() + c.args.size() * 128);
  out += "{\"doc\":";
  append_json_string(out, c.doc);
  out += ",\"args\":[";
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    const auto& a = c.args[i];
    out += i == 0 ? "{\"name\":" : ",{\"name\":";
    append_json_string(out, a.name);
    out += ",\"type\":";
    append_json_string(out, a.type);
    out += ",\"default\":";
    if (!a.default_json) {
      out += "null";
    } else if (is_canonical_json_token(*a.default_json)) {
      out += *a.default_json;
    } else {
      out += boost::json::serialize(boost::json::parse(*a.default_json));
    }
    out += ",\"required\":";
    out += !a.default_json.has_value() && !a.varargs ? "true" : "false";
    out += ",\"help\":";
    append_json_string(out, a.help);
    out += ",\"short\":";
    append_json_string(out, a.short_name);
    out += ",\"varargs\":";
    out += a.varargs ? "true}" : "false}";
  }
  out += "]}";
  return out;
}

/// The dryrun answer `{"request": ..., "request_text": "...", "runs_locally": true}` (the last only
/// when true), written directly. request_json must be JSON (checked: a plugin's mistake is its
/// own error, as when the answer was a boost::json object); it goes as the plugin wrote it, and
/// the host parses the whole answer.
inline std::string dryrun_answer_json(const DryRunInfo& info) {
  {
    alignas(std::max_align_t) unsigned char buffer[4096];
    boost::json::monotonic_resource arena(buffer, sizeof buffer);
    (void)boost::json::parse(info.request_json, &arena);  // throws as before for text that is not JSON
  }
  std::string out;
  out.reserve(48 + info.request_json.size() + info.request_text.size() + info.request_text.size() / 8);
  out += "{\"request\":";
  out += info.request_json;
  out += ",\"request_text\":";
  append_json_string(out, info.request_text);
  out += info.runs_locally ? ",\"runs_locally\":true}" : "}";
  return out;
}

template <typename T>
tx_status SchedulerTable<T>::dryrun(void* inst, const char* request, const tx_sink* out, const tx_sink* err) {
  return guard(err, [&] {
    // One parse of the host's request (it was parsed, and the AppDef and cfg serialized and parsed
    // again); the same checks in the same order.
    specs::SchedulerCall call = specs::scheduler_call_from_json(request, false);
    if (call.workspace_malformed) throw InvalidArgument("\"workspace\" must be a string or null");
    const DryRunRequest req{std::move(call.app), std::move(call.cfg), std::move(call.workspace)};
    write(out, dryrun_answer_json(self(inst).submit_dryrun(req)));
  });
}

template <typename T>
tx_status SchedulerTable<T>::schedule(void* inst, const char* request, const tx_sink* out, const tx_sink* err) {
  return guard(err, [&] {
    specs::SchedulerCall call = specs::scheduler_call_from_json(request, true);
    if (call.workspace_malformed) throw InvalidArgument("\"workspace\" must be a string or null");
    const ScheduleRequest req{std::move(call.app), std::move(call.cfg), std::move(call.request_json),
                              std::move(call.workspace)};
    const std::string app_id = self(inst).schedule(req);
    std::string answer = "{\"app_id\":";
    append_json_string(answer, app_id);
    answer += '}';
    write(out, answer);
  });
}

template <typename T>
tx_status TrackerTable<T>::add_metadata(void* inst, const char* run_id, const char* metadata_json, const tx_sink* err) {
  return guard(err, [&] {
    boost::system::error_code ec;
    const auto v = boost::json::parse(metadata_json != nullptr ? metadata_json : "", ec);
    if (ec || !v.is_object()) throw InvalidArgument("metadata must be a JSON object");
    static_cast<Tracker*>(inst)->add_metadata(run_id, metadata_json);
  });
}

template <typename T>
tx_status TrackerTable<T>::metadata(void* inst, const char* run_id, const tx_sink* out, const tx_sink* err) {
  return guard(err, [&] { write(out, static_cast<Tracker*>(inst)->metadata(run_id)); });
}

template <typename T>
tx_status TrackerTable<T>::add_artifact(void* inst, const char* run_id, const char* artifact_json, const tx_sink* err) {
  return guard(err, [&] {
    static_cast<Tracker*>(inst)->add_artifact(run_id, specs::tracker_json::artifact_from_json(artifact_json));
  });
}

template <typename T>
tx_status TrackerTable<T>::artifacts(void* inst, const char* run_id, const tx_sink* out, const tx_sink* err) {
  return guard(err, [&] { write(out, specs::tracker_json::to_json(static_cast<Tracker*>(inst)->artifacts(run_id))); });
}

template <typename T>
tx_status TrackerTable<T>::add_source(void* inst, const char* run_id, const char* source_json, const tx_sink* err) {
  return guard(err, [&] {
    static_cast<Tracker*>(inst)->add_source(run_id, specs::tracker_json::source_from_json(source_json));
  });
}

template <typename T>
tx_status TrackerTable<T>::sources(void* inst, const char* run_id, const char* artifact_name, const tx_sink* out,
                                   const tx_sink* err) {
  return guard(err, [&] {
    const std::optional<std::string> filter =
        artifact_name != nullptr ? std::optional<std::string>(artifact_name) : std::nullopt;
    write(out, specs::tracker_json::to_json(static_cast<Tracker*>(inst)->sources(run_id, filter)));
  });
}

template <typename T>
tx_status TrackerTable<T>::run_ids(void* inst, const char* query_json, const tx_sink* out, const tx_sink* err) {
  return guard(err, [&] {
    const auto parent = specs::tracker_json::run_ids_query_from_json(query_json != nullptr ? query_json : "");
    write(out, specs::tracker_json::to_json(static_cast<Tracker*>(inst)->run_ids(parent)));
  });
}

template <typename T>
tx_status TrackerTable<T>::lineage(void* inst, const char* run_id, const tx_sink* out, const tx_sink* err) {
  return guard(err, [&] { write(out, specs::tracker_json::to_json(static_cast<Tracker*>(inst)->lineage(run_id))); });
}

}  // namespace detail

inline tx_status Plugin::component_build(const tx_component_api* self, const char* args_json, const tx_sink* out,
                                         const tx_sink* err) {
  return detail::guard(err, [&] {
    for (auto& e : instance()->m_components) {
      if (&e.api != self) continue;
      if (e.make != nullptr) std::call_once(e.made, [&e] { e.component = e.make(e.lazy_name); });
      const auto v = boost::json::parse(args_json).as_object();
      ComponentArgs args;
      if (const auto* a = v.if_contains("args")) args.args_json = boost::json::serialize(*a);
      if (const auto* va = v.if_contains("varargs"); va != nullptr && va->is_array()) {
        for (const auto& item : va->get_array()) args.varargs.emplace_back(item.as_string());
      }
      if (const auto* nr = v.if_contains("named_resources")) args.named_resources_json = boost::json::serialize(*nr);
      detail::write(out, specs::to_json(e.component.build(args)));
      return;
    }
    throw NotFound("unknown component table");
  });
}

inline tx_status Plugin::resources_list(const tx_named_resources_api* self, const tx_sink* out, const tx_sink* err) {
  return detail::guard(err, [&] {
    for (auto& e : instance()->m_resource_sets) {
      if (&e.api != self) continue;
      boost::json::object all;
      for (const auto& [name, r] : e.list()) all[name] = boost::json::parse(specs::to_json(r));
      detail::write(out, boost::json::serialize(all));
      return;
    }
    throw NotFound("unknown named-resources table");
  });
}

namespace detail {

/// Calls a host service; throws Error with its status and message when it fails.
template <typename Call>
void host_call(const char* what, Call&& call) {
  std::string message;
  const tx_sink err{&message, [](void* ctx, const char* data, size_t len) { static_cast<std::string*>(ctx)->append(data, len); }};
  const tx_status status = call(&err);
  if (status != TX_OK) throw Error(status, message.empty() ? std::string(what) + " failed" : message);
}

inline tx_sink string_out(std::string& target) {
  return tx_sink{&target, [](void* ctx, const char* data, size_t len) { static_cast<std::string*>(ctx)->append(data, len); }};
}

}  // namespace detail

inline std::vector<specs::ListAppResponse> HostServices::list(const std::string& scheduler) const {
  std::string text;
  const tx_sink out = detail::string_out(text);
  const std::string query = boost::json::serialize(boost::json::object{{"scheduler", scheduler}});
  detail::host_call("list", [&](const tx_sink* err) { return m_api->list(m_api->ctx, query.c_str(), &out, err); });
  return specs::list_app_responses_from_json(text);
}

inline std::optional<specs::AppStatus> HostServices::status(const std::string& app_handle) const {
  std::string text;
  std::string message;
  const tx_sink out = detail::string_out(text);
  const tx_sink err = detail::string_out(message);
  const tx_status st = m_api->status(m_api->ctx, app_handle.c_str(), &out, &err);
  if (st == TX_E_NOT_FOUND) return std::nullopt;
  if (st != TX_OK) throw Error(st, message.empty() ? std::string("status failed") : message);
  return specs::app_status_from_json(text);
}

inline specs::AppState HostServices::cancel(const std::string& app_handle) const {
  std::string text;
  const tx_sink out = detail::string_out(text);
  detail::host_call("cancel", [&](const tx_sink* err) { return m_api->cancel(m_api->ctx, app_handle.c_str(), &out, err); });
  const auto v = boost::json::parse(text);
  const auto* state = v.is_object() ? v.as_object().if_contains("state") : nullptr;
  if (state == nullptr || !state->is_string()) return specs::AppState::UNKNOWN;
  return specs::app_state_from_string(std::string(state->get_string())).value_or(specs::AppState::UNKNOWN);
}

inline void HostServices::delete_app(const std::string& app_handle) const {
  detail::host_call("delete", [&](const tx_sink* err) { return m_api->delete_app(m_api->ctx, app_handle.c_str(), err); });
}

inline void HostServices::log_lines(const std::string& app_handle, const std::string& role_name, int k,
                                    const std::function<void(std::string_view)>& on_line) const {
  const std::string query =
      boost::json::serialize(boost::json::object{{"app_handle", app_handle}, {"role_name", role_name}, {"k", k}});
  struct Ctx {
    const std::function<void(std::string_view)>* fn;
    std::exception_ptr error;
  } ctx{&on_line, nullptr};
  const tx_sink line{&ctx, [](void* c, const char* data, size_t len) {
                       auto& x = *static_cast<Ctx*>(c);
                       if (x.error) return;
                       try {  // never let an exception unwind through the host
                         (*x.fn)(std::string_view(data, len));
                       } catch (...) {
                         x.error = std::current_exception();
                       }
                     }};
  detail::host_call("log", [&](const tx_sink* err) { return m_api->log(m_api->ctx, query.c_str(), &line, err); });
  if (ctx.error) std::rethrow_exception(ctx.error);
}

inline void HostServices::log(tx_log_level level, const std::string& message) const {
  m_api->log_message(m_api->ctx, level, message.c_str());
}

inline tx_status Plugin::command_run(const tx_command_api* self, uint32_t argc, const char* const* argv,
                                     const tx_host_services* services, const tx_sink* out, const tx_sink* diag,
                                     int* exit_code, const tx_sink* err) {
  return detail::guard(err, [&] {
    for (auto& e : instance()->m_commands) {
      if (&e.api != self) continue;
      if (services == nullptr || services->struct_size < TX_HOST_SERVICES_V1_SIZE) {
        throw Unsupported("the host lends no services (it is older than ABI revision 1.1)");
      }
      CommandContext ctx{e.command.name, {}, HostServices(services), out, diag};
      for (uint32_t i = 1; i < argc && argv != nullptr && argv[i] != nullptr; ++i) ctx.args.emplace_back(argv[i]);
      const int code = e.command.run(ctx);
      if (exit_code != nullptr) *exit_code = code;
      return;
    }
    throw NotFound("unknown command table");
  });
}

inline tx_status Plugin::negotiate(const tx_host_info* host, tx_plugin_info* info) {
  return detail::guard(host != nullptr ? &host->error : nullptr, [&] {
    if (host == nullptr || info == nullptr) throw InvalidArgument("negotiate called with NULL");
    if (host->min_abi > TX_ABI_VERSION || host->max_abi < TX_ABI_VERSION) {
      throw Unsupported("plugin '" + m_name + "' speaks ABI " + std::to_string(TX_ABI_VERSION) + ", the host offers " +
                        std::to_string(host->min_abi) + ".." + std::to_string(host->max_abi));
    }
    instance() = this;
    detail::host_log() = detail::HostLog{host->log, host->log_ctx};
    if (!m_built) {
      for (auto& s : m_schedulers) m_scheduler_ptrs.push_back(&s);
      for (auto& t : m_trackers) m_tracker_ptrs.push_back(&t);
      for (auto& e : m_components) {
        e.api.struct_size = sizeof(tx_component_api);
        if (e.make != nullptr) {  // its text as given; the Component itself is made on first build
          e.api.name = e.lazy_name;
          e.api.signature_json = e.lazy_signature;
        } else {
          e.signature = detail::component_signature_json(e.component);
          e.api.name = e.component.name.c_str();
          e.api.signature_json = e.signature.c_str();
        }
        e.api.build = &Plugin::component_build;
        m_component_ptrs.push_back(&e.api);
      }
      for (auto& e : m_resource_sets) {
        e.api.list = &Plugin::resources_list;
        m_resource_ptrs.push_back(&e.api);
      }
      for (auto& e : m_commands) {
        e.api.struct_size = sizeof(tx_command_api);
        e.api.name = e.command.name.c_str();
        e.api.description = e.command.description.c_str();
        e.api.run = &Plugin::command_run;
        m_command_ptrs.push_back(&e.api);
      }
      m_built = true;
    }
    // Write only the members that fit in the host's struct (it may be older than ours).
    tx_plugin_info mine{};
    mine.struct_size = info->struct_size;
    mine.abi_version = TX_ABI_VERSION;
    mine.name = m_name.c_str();
    mine.version = m_version.c_str();
    mine.schedulers = m_scheduler_ptrs.data();
    mine.num_schedulers = static_cast<uint32_t>(m_scheduler_ptrs.size());
    mine.components = m_component_ptrs.data();
    mine.num_components = static_cast<uint32_t>(m_component_ptrs.size());
    mine.trackers = m_tracker_ptrs.data();
    mine.num_trackers = static_cast<uint32_t>(m_tracker_ptrs.size());
    mine.named_resources = m_resource_ptrs.data();
    mine.num_named_resources = static_cast<uint32_t>(m_resource_ptrs.size());
    mine.commands = m_command_ptrs.empty() ? nullptr : m_command_ptrs.data();
    mine.num_commands = static_cast<uint32_t>(m_command_ptrs.size());
    std::memcpy(static_cast<void*>(info), &mine, std::min<std::size_t>(info->struct_size, sizeof mine));
  });
}

}  // namespace torchx::plugin
