// SPDX-License-Identifier: BSD-3-Clause
// The checks of component, named-resources and tracker tables, each in its own process.
#include "calls.hpp"
#include "checks.hpp"
#include "isolate.hpp"

#include <torchx/specs/json.hpp>

#include <boost/json.hpp>

#include <set>
#include <variant>

namespace json = boost::json;

namespace torchx::conformance {
namespace {

std::string joined(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += (out.empty() ? "" : "; ") + p;
  return out;
}

/// The problems of a component signature (payloads.md, "Signature"); empty if it is valid.
std::vector<std::string> signature_problems(const json::value& v) {
  static const std::set<std::string> types{"str", "int", "float", "bool", "list", "dict"};
  std::vector<std::string> problems;
  if (!v.is_object()) return {"the signature is not a JSON object"};
  const json::object& o = v.get_object();
  if (const auto* doc = o.if_contains("doc"); doc != nullptr && !doc->is_string() && !doc->is_null()) {
    problems.emplace_back("\"doc\" is not a string");
  }
  const json::value* args = o.if_contains("args");
  if (args == nullptr) return problems;
  if (!args->is_array()) return {"\"args\" is not an array"};
  std::set<std::string> names;
  int varargs = 0;
  for (std::size_t i = 0; i < args->get_array().size(); ++i) {
    const json::value& a = args->get_array()[i];
    const std::string path = "args[" + std::to_string(i) + "]";
    if (!a.is_object()) {
      problems.push_back(path + " is not an object");
      continue;
    }
    const json::value* name = a.get_object().if_contains("name");
    if (name == nullptr || !name->is_string() || name->get_string().empty()) {
      problems.push_back(path + ".name is not a non-empty string");
    } else if (!names.insert(std::string(name->get_string())).second) {
      problems.push_back(path + ".name '" + std::string(name->get_string()) + "' is declared twice");
    }
    if (const auto* t = a.get_object().if_contains("type");
        t != nullptr && (!t->is_string() || !types.contains(std::string(t->get_string())))) {
      problems.push_back(path + ".type is not one of str, int, float, bool, list, dict");
    }
    for (const char* flag : {"required", "varargs"}) {
      if (const auto* f = a.get_object().if_contains(flag); f != nullptr && !f->is_bool() && !f->is_null()) {
        problems.push_back(path + "." + flag + " is not a boolean");
      }
    }
    if (const auto* va = a.get_object().if_contains("varargs"); va != nullptr && va->is_bool() && va->get_bool())
      ++varargs;
  }
  if (varargs > 1) problems.emplace_back("more than one argument has varargs");
  return problems;
}

/// A placeholder value of `type`, for a required argument without a default.
json::value placeholder(const std::string& type) {
  if (type == "int") return 1;
  if (type == "float") return 1.0;
  if (type == "bool") return false;
  if (type == "list") return json::array{};
  if (type == "dict") return json::object{};
  return "conformance";
}

/// The build request the host makes from the signature with no user input: each default, a
/// placeholder for a required argument without one, null for an optional one without one.
std::string default_build_request(const json::object& signature) {
  json::object args;
  if (const auto* list = signature.if_contains("args"); list != nullptr) {
    for (const auto& a : list->get_array()) {
      const json::object& arg = a.get_object();
      const json::value* varargs = arg.if_contains("varargs");
      if (varargs != nullptr && varargs->is_bool() && varargs->get_bool()) continue;
      const std::string name(arg.at("name").get_string());
      const json::value* def = arg.if_contains("default");
      const json::value* required = arg.if_contains("required");
      const json::value* type = arg.if_contains("type");
      if (def != nullptr && !def->is_null()) {
        args[name] = *def;
      } else if (required != nullptr && required->is_bool() && required->get_bool()) {
        args[name] = placeholder(type != nullptr && type->is_string() ? std::string(type->get_string()) : "str");
      } else {
        args[name] = nullptr;
      }
    }
  }
  return json::serialize(json::object{{"args", std::move(args)}, {"varargs", json::array{}}});
}

/// The signature parsed, or a FAIL.
std::variant<json::value, CheckResult> parsed_signature(const tx_component_api& api) {
  boost::system::error_code ec;
  json::value v = json::parse(api.signature_json, ec);
  if (ec) return fail("signature_json is not valid JSON (" + ec.message() + ")");
  if (auto problems = signature_problems(v); !problems.empty()) return fail(joined(problems));
  return v;
}

CheckResult check_signature(const tx_component_api& api) {
  auto sig = parsed_signature(api);
  if (auto* f = std::get_if<CheckResult>(&sig)) return *f;
  const json::value* args = std::get<json::value>(sig).get_object().if_contains("args");
  return pass(counted(args != nullptr ? args->get_array().size() : 0, "argument"));
}

CallResult build(const tx_component_api& api, const std::string& request) {
  return call("component '" + std::string(api.name) + "' build",
              [&](const tx_sink* out, const tx_sink* err) { return api.build(&api, request.c_str(), out, err); });
}

CheckResult check_build_defaults(const tx_component_api& api) {
  auto sig = parsed_signature(api);
  if (std::holds_alternative<CheckResult>(sig)) return skip("the signature is invalid (see signature)");
  const CallResult r = build(api, default_build_request(std::get<json::value>(sig).get_object()));
  if (r.ok()) {
    try {
      const specs::AppDef app = specs::app_def_from_json(r.out);
      return pass("built app '" + app.name + "' with " + counted(app.roles.size(), "role"));
    } catch (const std::exception& e) {
      return fail("wrote an invalid AppDef: " + std::string(e.what()));
    }
  }
  if (r.status == TX_E_INVALID_ARGUMENT && !r.err.empty())
    return pass("refused the default arguments cleanly: " + r.describe());
  return fail("answered " + r.describe() +
              " to the default arguments, expected TX_OK or TX_E_INVALID_ARGUMENT with a message");
}

CheckResult check_component_repeatable(const tx_component_api& api) {
  auto sig = parsed_signature(api);
  if (std::holds_alternative<CheckResult>(sig)) return skip("the signature is invalid (see signature)");
  const std::string request = default_build_request(std::get<json::value>(sig).get_object());
  const CallResult first = build(api, request);
  for (int i = 2; i <= 3; ++i) {
    if (auto d = difference(first, build(api, request)); !d.empty()) {
      return fail("build call " + std::to_string(i) + " answered differently from call 1: " + d +
                  " (something leaks across calls)");
    }
  }
  return pass("build answered the same three times");
}

CallResult list_resources(const tx_named_resources_api& api) {
  return call("named-resources '" + std::string(api.name) + "' list",
              [&](const tx_sink* out, const tx_sink* err) { return api.list(&api, out, err); });
}

CheckResult check_resources_list(const tx_named_resources_api& api) {
  const CallResult r = list_resources(api);
  if (!r.ok()) return fail("answered " + r.describe());
  boost::system::error_code ec;
  const json::value v = json::parse(r.out, ec);
  if (ec) return fail("wrote invalid JSON (" + ec.message() + ")");
  if (!v.is_object()) return fail("wrote JSON that is not an object of resources");
  std::vector<std::string> problems;
  for (const auto& kv : v.get_object()) {
    try {
      (void)specs::resource_from_json(json::serialize(kv.value()));
    } catch (const std::exception& e) {
      problems.push_back("'" + std::string(kv.key()) + "': " + e.what());
    }
  }
  if (!problems.empty()) return fail("wrote invalid resources: " + joined(problems));
  return pass(counted(v.get_object().size(), "resource"));
}

CheckResult check_resources_repeatable(const tx_named_resources_api& api) {
  const CallResult first = list_resources(api);
  for (int i = 2; i <= 3; ++i) {
    if (auto d = difference(first, list_resources(api)); !d.empty()) {
      return fail("list call " + std::to_string(i) + " answered differently from call 1: " + d +
                  " (something leaks across calls)");
    }
  }
  return pass("list answered the same three times");
}

CheckResult check_tracker_create_destroy(const tx_tracker_api& api) {
  std::string done;
  for (const char* config : {static_cast<const char*>(nullptr), ""}) {
    const std::string label = config == nullptr ? "a NULL config" : "an empty config";
    void* instance = nullptr;
    const CallResult r = call("tracker '" + std::string(api.name) + "' create",
                              [&](const tx_sink*, const tx_sink* err) { return api.create(config, &instance, err); });
    if (r.ok()) {
      api.destroy(instance);
      done += (done.empty() ? "" : " and ") + label;
      continue;
    }
    if (r.status == TX_E_UNAVAILABLE || r.status == TX_E_INVALID_ARGUMENT) {
      return skip("create with " + label + " answered " + r.describe() + " (it needs a config)");
    }
    return fail("create with " + label + " answered " + r.describe());
  }
  return pass("created and destroyed with " + done);
}

}  // namespace

void check_component(const tx_component_api& api, const Options& options, Report& report) {
  const std::string prefix = "component/" + std::string(api.name) + "/";
  report.add(prefix + "signature", run_isolated([&] { return check_signature(api); }, options.timeout_s));
  report.add(prefix + "build-defaults", run_isolated([&] { return check_build_defaults(api); }, options.timeout_s));
  report.add(prefix + "repeatable", run_isolated([&] { return check_component_repeatable(api); }, options.timeout_s));
}

void check_named_resources(const tx_named_resources_api& api, const Options& options, Report& report) {
  const std::string prefix = "named-resources/" + std::string(api.name) + "/";
  report.add(prefix + "list", run_isolated([&] { return check_resources_list(api); }, options.timeout_s));
  report.add(prefix + "repeatable", run_isolated([&] { return check_resources_repeatable(api); }, options.timeout_s));
}

void check_tracker(const tx_tracker_api& api, const Options& options, Report& report) {
  report.add("tracker/" + std::string(api.name) + "/create-destroy",
             run_isolated([&] { return check_tracker_create_destroy(api); }, options.timeout_s));
}

}  // namespace torchx::conformance
