// SPDX-License-Identifier: BSD-3-Clause
// Out-of-line parts of the C++ plugin SDK (plugin.hpp). Header-only: included by plugin.hpp.
#pragma once

#include <torchx/plugin.hpp>

#include <boost/json.hpp>

namespace torchx::plugin {

inline void log(tx_log_level level, const std::string& message) {
  const auto& host = detail::host_log();
  if (host.fn != nullptr) host.fn(host.ctx, level, message.c_str());
}

namespace detail {

inline std::string component_signature_json(const Component& c) {
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

template <typename T>
tx_status SchedulerTable<T>::dryrun(void* inst, const char* request, const tx_sink* out, const tx_sink* err) {
  return guard(err, [&] {
    const auto v = boost::json::parse(request).as_object();
    const auto app = specs::app_def_from_json(boost::json::serialize(v.at("app")));
    const auto cfg = specs::cfg_from_json(boost::json::serialize(v.at("cfg")));
    DryRunInfo info = self(inst).dryrun(app, cfg);
    write(out, boost::json::serialize(boost::json::object{{"request", boost::json::parse(info.request_json)},
                                                         {"request_text", info.request_text}}));
  });
}

template <typename T>
tx_status SchedulerTable<T>::schedule(void* inst, const char* request, const tx_sink* out, const tx_sink* err) {
  return guard(err, [&] {
    const auto v = boost::json::parse(request).as_object();
    ScheduleRequest req{specs::app_def_from_json(boost::json::serialize(v.at("app"))),
                        specs::cfg_from_json(boost::json::serialize(v.at("cfg"))),
                        boost::json::serialize(v.at("request"))};
    const std::string app_id = self(inst).schedule(req);
    write(out, boost::json::serialize(boost::json::object{{"app_id", app_id}}));
  });
}

}  // namespace detail

inline tx_status Plugin::component_build(const tx_component_api* self, const char* args_json, const tx_sink* out,
                                         const tx_sink* err) {
  return detail::guard(err, [&] {
    for (auto& e : instance()->m_components) {
      if (&e.api != self) continue;
      const auto v = boost::json::parse(args_json).as_object();
      ComponentArgs args;
      if (const auto* a = v.if_contains("args")) args.args_json = boost::json::serialize(*a);
      if (const auto* va = v.if_contains("varargs"); va != nullptr && va->is_array()) {
        for (const auto& item : va->get_array()) args.varargs.emplace_back(item.as_string());
      }
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
      for (auto& e : m_components) {
        e.signature = detail::component_signature_json(e.component);
        e.api.struct_size = sizeof(tx_component_api);
        e.api.name = e.component.name.c_str();
        e.api.signature_json = e.signature.c_str();
        e.api.build = &Plugin::component_build;
        m_component_ptrs.push_back(&e.api);
      }
      for (auto& e : m_resource_sets) {
        e.api.list = &Plugin::resources_list;
        m_resource_ptrs.push_back(&e.api);
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
    mine.named_resources = m_resource_ptrs.data();
    mine.num_named_resources = static_cast<uint32_t>(m_resource_ptrs.size());
    std::memcpy(static_cast<void*>(info), &mine, std::min<std::size_t>(info->struct_size, sizeof mine));
  });
}

}  // namespace torchx::plugin
