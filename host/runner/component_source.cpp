// SPDX-License-Identifier: BSD-3-Clause
#include "component_source.hpp"

#include "component_file.hpp"
#include "errors.hpp"
#include "python_evaluator.hpp"
#include "registry.hpp"
#include "scheduler_proxy.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>
#include <torchx/util/suggest.hpp>

#include <boost/json.hpp>

namespace json = boost::json;

namespace torchx::runner {
namespace {

/// A component of a component plugin.
class PluginComponent final : public OpenComponent {
public:
  PluginComponent(const ComponentSource& source, const ComponentContext& context)
      : m_name(source.reference), m_named_resource(context.named_resource) {
    const loader::PluginEntry* entry = context.registry.provider(loader::Kind::component, m_name);
    if (entry == nullptr) {
      throw ComponentNotFoundError("component '" + m_name + "' not found" +
                                   util::did_you_mean(m_name, context.registry.names(loader::Kind::component)) +
                                   " (see: torchx builtins)");
    }
    m_library = context.registry.load(*entry);
    m_api = m_library->component(m_name);
    m_signature_json = m_api->signature_json;
    m_signature = parse_signature(m_signature_json);
  }
  [[nodiscard]] const std::string& signature_json() const override { return m_signature_json; }
  [[nodiscard]] const ComponentSignature& signature() const override { return m_signature; }

  specs::AppDef build(const std::string& request_json) override {
    std::string request = request_json;
    // An argument named `h` is a named resource: resolved here, where plugin and config presets
    // are known, and handed to the component with its arguments.
    auto req = json::parse(request).as_object();
    if (const auto* h = req.at("args").as_object().if_contains("h"); h != nullptr && h->is_string()) {
      const std::string name(h->get_string());
      req["named_resources"] = json::object{{name, json::parse(specs::to_json(m_named_resource(name)))}};
      request = json::serialize(req);
    }
    const loader::ComponentProxy proxy(m_library, m_api);
    std::string app_json;
    try {
      app_json = proxy.build(request);
    } catch (const loader::PluginCallError& e) {
      // A component refusing its arguments is a usage error (exit 2), like an unknown argument.
      if (e.status() == TX_E_INVALID_ARGUMENT) throw ComponentArgsError(e.what());
      throw;
    }
    try {
      return specs::app_def_from_json(app_json);
    } catch (const specs::JsonDecodeError& e) {
      throw loader::PluginCallError(TX_E_INTERNAL, "component '" + m_name + "' returned " + e.what());
    }
  }

private:
  std::string m_name;
  std::function<specs::Resource(const std::string&)> m_named_resource;
  std::shared_ptr<const loader::PluginLibrary> m_library;
  const tx_component_api* m_api = nullptr;
  std::string m_signature_json;
  ComponentSignature m_signature;
};

/// A component of a YAML component file.
class YamlComponent final : public OpenComponent {
public:
  YamlComponent(const ComponentSource& source, const ComponentContext& context)
      : m_file(ComponentFile::load(source.path, source.name)), m_signature_json(m_file.signature_json()),
        m_named_resource(context.named_resource) {}
  [[nodiscard]] const std::string& signature_json() const override { return m_signature_json; }
  [[nodiscard]] const ComponentSignature& signature() const override { return m_file.signature(); }
  specs::AppDef build(const std::string& request_json) override {
    return specs::app_def_from_json(m_file.build(request_json, m_named_resource));
  }

private:
  ComponentFile m_file;
  std::string m_signature_json;
  std::function<specs::Resource(const std::string&)> m_named_resource;
};

/// What the evaluator loads for `source`: a file's function or a module's.
PythonTarget python_target(const ComponentSource& source) {
  if (source.kind == ComponentSource::Kind::python_module) {
    return {{}, source.module, source.name, "plugin '" + source.plugin + "' (" + source.path.string() + ")"};
  }
  return {source.path, {}, source.name, {}};
}

/// A function of a Python component file or module, evaluated by a child process.
class PythonComponent final : public OpenComponent {
public:
  PythonComponent(const ComponentSource& source, const ComponentContext& context)
      : m_reference(source.reference),
        m_evaluator(context.python(), python_target(source), source.reference, context.named_resource) {
    try {
      m_signature = parse_signature(m_evaluator.signature_json());
    } catch (const specs::JsonDecodeError& e) {
      m_evaluator.abandon();
      throw ComponentError("component '" + m_reference + "': the Python evaluator sent a malformed signature: " +
                           e.what());
    }
  }
  [[nodiscard]] const std::string& signature_json() const override { return m_evaluator.signature_json(); }
  [[nodiscard]] const ComponentSignature& signature() const override { return m_signature; }
  specs::AppDef build(const std::string& request_json) override {
    const std::string app_json = m_evaluator.build(request_json);
    try {
      return specs::app_def_from_json(app_json);
    } catch (const specs::JsonDecodeError& e) {
      throw ComponentError("component '" + m_reference + "': the Python evaluator sent an AppDef that does not decode: " +
                           e.what());
    }
  }

private:
  std::string m_reference;
  PythonEvaluator m_evaluator;
  ComponentSignature m_signature;
};

}  // namespace

ComponentSource ComponentSource::resolve(const std::string& reference) {
  ComponentSource source;
  source.reference = reference;
  if (reference.ends_with(".py")) {
    source.kind = Kind::python_file;
    source.path = reference;
    return source;
  }
  if (const auto colon = reference.rfind(':'); colon != std::string::npos && colon > 0) {
    const std::string path = reference.substr(0, colon);
    if (path.ends_with(".py")) {
      source.kind = Kind::python_file;
      source.path = path;
      source.name = reference.substr(colon + 1);
      return source;
    }
  }
  if (auto yaml = ComponentFile::parse_reference(reference)) {
    source.kind = Kind::yaml_file;
    source.path = yaml->first;
    source.name = yaml->second;
  }
  return source;
}

ComponentSource ComponentSource::resolve(const std::string& reference, const loader::Registry& registry) {
  ComponentSource source = resolve(reference);
  if (source.kind != Kind::plugin) return source;
  const loader::PluginEntry* entry = registry.provider(loader::Kind::component, reference);
  const manifests::PythonComponent* python = entry == nullptr ? nullptr : entry->manifest.python_component(reference);
  if (python != nullptr) {
    source.kind = Kind::python_module;
    source.path = entry->manifest.path;
    source.module = python->module;
    source.name = python->function;
    source.plugin = entry->manifest.name;
  }
  return source;
}

std::unique_ptr<OpenComponent> open_component(const ComponentSource& source, const ComponentContext& context) {
  switch (source.kind) {
    case ComponentSource::Kind::yaml_file: return std::make_unique<YamlComponent>(source, context);
    case ComponentSource::Kind::python_file:
    case ComponentSource::Kind::python_module: return std::make_unique<PythonComponent>(source, context);
    case ComponentSource::Kind::plugin: break;
  }
  return std::make_unique<PluginComponent>(source, context);
}

}  // namespace torchx::runner
