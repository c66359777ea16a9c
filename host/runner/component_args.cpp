// SPDX-License-Identifier: BSD-3-Clause
#include "component_args.hpp"

#include "errors.hpp"

#include <torchx/specs/run_opts.hpp>
#include <torchx/util/input_checks.hpp>
#include <torchx/util/python_format.hpp>
#include <torchx/util/suggest.hpp>

#include <boost/json.hpp>
#include <fmt/ranges.h>

#include <charconv>
#include <sstream>
#include <set>

namespace json = boost::json;

namespace torchx::runner {
namespace {

json::value convert(const std::string& component, const ComponentArgSpec& spec, const std::string& text) {
  auto bad = [&](const std::string& expected) {
    return ComponentArgsError("component '" + component + "': argument --" + spec.name + " must be " + expected +
                              ", given '" + util::printable(text) + "'");
  };
  if (spec.type == "int") {
    long long v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || p != text.data() + text.size()) throw bad("an int");
    return v;
  }
  if (spec.type == "float") {
    double v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || p != text.data() + text.size()) throw bad("a float");
    return v;
  }
  if (spec.type == "bool") {
    if (text == "true" || text == "True" || text == "1") return true;
    if (text == "false" || text == "False" || text == "0") return false;
    throw bad("true or false");
  }
  if (spec.type == "list") {
    json::array items;
    std::string current;
    for (char c : text + ",") {
      if (c == ',') {
        if (!current.empty()) items.emplace_back(current);
        current.clear();
      } else {
        current += c;
      }
    }
    return items;
  }
  if (spec.type == "dict") {
    json::object items;
    try {
      for (const auto& [k, v] : specs::parse_key_values(text)) items[k] = v;
    } catch (const specs::Error& e) {
      throw ComponentArgsError("component '" + component + "': argument --" + spec.name + ": " + e.what());
    }
    return items;
  }
  return json::value(text);
}

/// A default as users type it: strings bare, floats as Python writes them, others as JSON.
std::string default_text(const std::string& default_json) {
  const json::value v = json::parse(default_json);
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_double()) return util::python_float(v.get_double());
  if (v.is_bool()) return v.get_bool() ? "True" : "False";
  return json::serialize(v);
}

}  // namespace

std::string arguments_problem(const std::vector<std::string>& args, std::size_t first_number) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    total += args[i].size();
    if (total > k_max_arguments_bytes) {
      return "the arguments are more than " + std::to_string(k_max_arguments_bytes) +
             " bytes (1 MiB) in all (argument " + std::to_string(first_number + i) + " is " +
             std::to_string(args[i].size()) + " bytes)";
    }
    if (util::is_valid_utf8(args[i])) continue;
    std::string message = "argument " + std::to_string(first_number + i) + " ('" + util::printable(args[i]);
    if (i > 0 && args[i - 1].starts_with("-") && args[i - 1] != "--" && args[i - 1].find('=') == std::string::npos &&
        !args[i].starts_with("-")) {
      message += "', the value of " + util::printable(args[i - 1]);
    } else {
      message += "'";
    }
    return message + ") is not valid UTF-8";
  }
  return {};
}

ComponentSignature parse_signature(const std::string& signature_json) {
  boost::system::error_code ec;
  const json::value v = json::parse(signature_json, ec);
  if (ec || !v.is_object()) throw specs::JsonDecodeError("component signature", {"not a JSON object"});
  ComponentSignature sig;
  const auto& o = v.get_object();
  if (const auto* doc = o.if_contains("doc"); doc != nullptr && doc->is_string()) sig.doc = doc->get_string();
  if (const auto* args = o.if_contains("args"); args != nullptr && args->is_array()) {
    for (const auto& a : args->get_array()) {
      if (!a.is_object()) throw specs::JsonDecodeError("component signature", {"args: expected objects"});
      const auto& ao = a.get_object();
      ComponentArgSpec spec;
      const auto* name = ao.if_contains("name");
      if (name == nullptr || !name->is_string()) throw specs::JsonDecodeError("component signature", {"args: name missing"});
      spec.name = name->get_string();
      if (const auto* t = ao.if_contains("type"); t != nullptr && t->is_string()) spec.type = t->get_string();
      if (const auto* d = ao.if_contains("default"); d != nullptr && !d->is_null()) spec.default_json = json::serialize(*d);
      if (const auto* r = ao.if_contains("required"); r != nullptr && r->is_bool()) spec.required = r->get_bool();
      if (const auto* h = ao.if_contains("help"); h != nullptr && h->is_string()) spec.help = h->get_string();
      if (const auto* s = ao.if_contains("short"); s != nullptr && s->is_string()) spec.short_name = s->get_string();
      if (const auto* va = ao.if_contains("varargs"); va != nullptr && va->is_bool()) spec.varargs = va->get_bool();
      sig.args.push_back(std::move(spec));
    }
  }
  return sig;
}

std::string build_request(const std::string& component, const ComponentSignature& signature,
                          const std::vector<std::string>& args, const std::map<std::string, std::string>& defaults) {
  if (auto problem = arguments_problem(args); !problem.empty()) {
    throw ComponentArgsError("component '" + component + "': " + problem);
  }
  for (const auto& [name, text] : defaults) {
    if (!util::is_valid_utf8(text)) {
      throw ComponentArgsError("component '" + component + "': the default of --" + name + " ('" +
                               util::printable(text) + "') is not valid UTF-8");
    }
  }
  json::object values;
  json::array varargs;
  std::set<std::string> given;
  const ComponentArgSpec* varargs_spec = nullptr;
  std::vector<std::string> flags;
  for (const auto& spec : signature.args) {
    if (spec.varargs) varargs_spec = &spec;
    else flags.push_back("--" + spec.name);
  }
  auto find = [&](const std::string& token) -> const ComponentArgSpec* {
    for (const auto& spec : signature.args) {
      if (spec.varargs) continue;
      if (token == "--" + spec.name || (!spec.short_name.empty() && token == "-" + spec.short_name)) return &spec;
    }
    return nullptr;
  };

  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& token = args[i];
    if (token == "--") {
      ++i;
      break;
    }
    if (token.size() < 2 || token[0] != '-') break;  // the first positional starts the varargs
    std::string flag = token;
    std::optional<std::string> value;
    if (const auto eq = token.find('='); eq != std::string::npos && token.rfind("--", 0) == 0) {
      flag = token.substr(0, eq);
      value = token.substr(eq + 1);
    }
    const ComponentArgSpec* spec = find(flag);
    if (spec == nullptr) {
      if (varargs_spec != nullptr && token.rfind("--", 0) != 0) break;  // e.g. `-x` meant for the script
      throw ComponentArgsError("component '" + component + "': unknown argument '" + util::printable(flag) + "'" +
                               util::did_you_mean(flag, flags));
    }
    if (!given.insert(spec->name).second) {
      throw ComponentArgsError("component '" + component + "': argument --" + spec->name + " given more than once");
    }
    if (!value) {
      if (i + 1 >= args.size()) throw ComponentArgsError("component '" + component + "': argument --" + spec->name + " needs a value");
      value = args[++i];
    }
    values[spec->name] = convert(component, *spec, *value);
  }
  for (; i < args.size(); ++i) varargs.emplace_back(args[i]);
  if (varargs.empty() && varargs_spec != nullptr) {
    if (auto it = defaults.find(varargs_spec->name); it != defaults.end()) {
      std::istringstream words(it->second);
      for (std::string w; words >> w;) varargs.emplace_back(w);
    }
  }
  if (!varargs.empty() && varargs_spec == nullptr) {
    const std::string_view first = varargs.front().as_string();
    throw ComponentArgsError("component '" + component + "': unexpected argument '" + util::printable(first) +
                             "' (it takes no positional arguments)");
  }

  std::vector<std::string> missing;
  for (const auto& spec : signature.args) {
    if (spec.varargs || values.contains(spec.name)) continue;
    if (auto it = defaults.find(spec.name); it != defaults.end()) {
      values[spec.name] = convert(component, spec, it->second);
    } else if (spec.default_json) {
      values[spec.name] = json::parse(*spec.default_json);
    } else if (spec.required) {
      missing.push_back("--" + spec.name);
    } else {
      values[spec.name] = nullptr;
    }
  }
  if (!missing.empty()) {
    throw ComponentArgsError("component '" + component + "': missing required argument" + (missing.size() > 1 ? "s " : " ") +
                             fmt::format("{}", fmt::join(missing, ", ")));
  }
  return json::serialize(json::object{{"args", std::move(values)}, {"varargs", std::move(varargs)}});
}

std::string component_help(const std::string& component, const ComponentSignature& signature) {
  std::string out = "usage: torchx run [run options] " + component;
  for (const auto& spec : signature.args) {
    if (spec.varargs) out += " [" + spec.name + " ...]";
    else if (spec.required && !spec.default_json) out += " --" + spec.name + " " + spec.name;
  }
  out += "\n\n" + (signature.doc.empty() ? std::string("(no documentation)") : signature.doc) + "\n\narguments:\n";
  for (const auto& spec : signature.args) {
    std::string left = spec.varargs ? spec.name + " ..." : "--" + spec.name;
    if (!spec.short_name.empty()) left = "-" + spec.short_name + ", " + left;
    std::string note;
    if (spec.varargs) note = "";
    else if (spec.default_json) note = " (default: " + default_text(*spec.default_json) + ")";
    else if (spec.required) note = " (required)";
    out += "  " + left + " (" + spec.type + ")\n      " + (spec.help.empty() ? std::string(" ") : spec.help) + note + "\n";
  }
  return out;
}

}  // namespace torchx::runner
