// SPDX-License-Identifier: BSD-3-Clause
// RunOpts: add, cast, resolve and print run options.
#include <torchx/specs/errors.hpp>
#include <torchx/specs/run_opts.hpp>
#include <torchx/util/python_format.hpp>
#include <torchx/util/suggest.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace torchx::specs {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

std::string python_repr(const std::string& s) { return "'" + s + "'"; }

std::vector<std::string> split_items(std::string_view text) {
  std::vector<std::string> items;
  std::string current;
  for (char c : text) {
    if (c == ',' || c == ';') {
      if (!current.empty()) items.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) items.push_back(current);
  return items;
}

std::string for_scheduler(std::string_view scheduler) {
  return scheduler.empty() ? std::string{} : " of scheduler '" + std::string(scheduler) + "'";
}

std::vector<std::string> names_of(const std::vector<RunOpt>& opts) {
  std::vector<std::string> names;
  for (const auto& o : opts) names.push_back(o.name);
  return names;
}

InvalidRunConfigError unknown_option(std::string_view key, const std::vector<RunOpt>& opts, std::string_view scheduler) {
  return InvalidRunConfigError("unknown run option '" + std::string(key) + "'" + for_scheduler(scheduler) +
                                   util::did_you_mean(key, names_of(opts)),
                               std::string(key));
}

}  // namespace

const char* to_string(CfgType type) {
  switch (type) {
    case CfgType::str: return "str";
    case CfgType::integer: return "int";
    case CfgType::floating: return "float";
    case CfgType::boolean: return "bool";
    case CfgType::list_of_str: return "typing.List[str]";
    case CfgType::dict_of_str: return "typing.Dict[str, str]";
  }
  return "str";
}

std::optional<CfgType> type_of(const CfgValue& value) {
  switch (value.index()) {
    case 1: return CfgType::str;
    case 2: return CfgType::integer;
    case 3: return CfgType::floating;
    case 4: return CfgType::boolean;
    case 5: return CfgType::list_of_str;
    case 6: return CfgType::dict_of_str;
    default: return std::nullopt;
  }
}

std::string to_display(const CfgValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "None";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return util::python_float(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "True" : "False";
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          std::string out = "[";
          for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + python_repr(v[i]);
          return out + "]";
        } else {
          std::string out = "{";
          bool first = true;
          for (const auto& [k, item] : v) {
            out += (first ? "" : ", ") + python_repr(k) + ": " + python_repr(item);
            first = false;
          }
          return out + "}";
        }
      },
      value);
}

CfgValue cast_cfg_value(std::string_view name, std::string_view text, CfgType type) {
  auto bad = [&](const std::string& expected) {
    return InvalidRunConfigError("run option '" + std::string(name) + "' must be " + expected + ", but was '" +
                                     std::string(text) + "'",
                                 std::string(name));
  };
  switch (type) {
    case CfgType::str: return std::string(text);
    case CfgType::boolean: {
      const std::string v = lower(trim(text));
      if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
      if (v == "false" || v == "0" || v == "no" || v == "off") return false;
      throw bad("a bool (true or false)");
    }
    case CfgType::integer: {
      const std::string_view v = trim(text);
      std::int64_t out = 0;
      const char* begin = v.data() + (v.starts_with('+') ? 1 : 0);
      auto [ptr, ec] = std::from_chars(begin, v.data() + v.size(), out);
      if (v.empty() || ec != std::errc{} || ptr != v.data() + v.size()) throw bad("an int");
      return out;
    }
    case CfgType::floating: {
      const std::string_view v = trim(text);
      double out = 0;
      const char* begin = v.data() + (v.starts_with('+') ? 1 : 0);
      auto [ptr, ec] = std::from_chars(begin, v.data() + v.size(), out);
      if (v.empty() || ec != std::errc{} || ptr != v.data() + v.size()) throw bad("a float");
      return out;
    }
    case CfgType::list_of_str: return split_items(text);
    case CfgType::dict_of_str: {
      Dict<std::string> out;
      for (const auto& item : split_items(text)) {
        const auto colon = item.find(':');
        if (colon == std::string::npos) throw bad("a dict of 'key:value' items");
        out.set(item.substr(0, colon), item.substr(colon + 1));
      }
      return out;
    }
  }
  return std::string(text);
}

void RunOpts::add(std::string_view name, CfgType type, std::string_view help, CfgValue default_value, bool required) {
  const bool has_default = !std::holds_alternative<std::monostate>(default_value);
  if (required && has_default) {
    throw std::invalid_argument("required run option '" + std::string(name) + "' must not have a default, given: " +
                                to_display(default_value));
  }
  if (has_default && type == CfgType::floating && std::holds_alternative<std::int64_t>(default_value)) {
    default_value = static_cast<double>(std::get<std::int64_t>(default_value));
  }
  if (has_default && type_of(default_value) != type) {
    throw std::invalid_argument("run option '" + std::string(name) + "' must be of type " + to_string(type) +
                                ", given default: " + to_display(default_value));
  }
  RunOpt opt{std::string(name), type, std::move(default_value), required, std::string(help)};
  auto it = std::find_if(m_opts.begin(), m_opts.end(), [&](const RunOpt& o) { return o.name == name; });
  if (it != m_opts.end()) *it = std::move(opt);
  else m_opts.push_back(std::move(opt));
}

const RunOpt* RunOpts::get(std::string_view name) const {
  auto it = std::find_if(m_opts.begin(), m_opts.end(), [&](const RunOpt& o) { return o.name == name; });
  return it == m_opts.end() ? nullptr : &*it;
}

void RunOpts::update(const RunOpts& other) {
  for (const auto& o : other.m_opts) add(o.name, o.type, o.help, o.default_value, o.is_required);
}

Cfg RunOpts::cfg_from_str(std::string_view literal, std::string_view scheduler) const {
  Cfg cfg;
  for (const auto& [key, text] : parse_key_values(literal)) {
    const RunOpt* opt = get(key);
    if (opt == nullptr) throw unknown_option(key, m_opts, scheduler);
    cfg.set(key, cast_cfg_value(key, text, opt->type));
  }
  return cfg;
}

Cfg RunOpts::resolve(const Cfg& cfg, std::string_view scheduler) const {
  for (const auto& [key, value] : cfg) {
    if (get(key) == nullptr) throw unknown_option(key, m_opts, scheduler);
  }
  Cfg resolved;
  for (const auto& opt : m_opts) {
    const CfgValue* given = cfg.get(opt.name);
    CfgValue value = given != nullptr ? *given : CfgValue{};
    if (std::holds_alternative<std::monostate>(value)) {
      if (opt.is_required) {
        throw InvalidRunConfigError("required run option '" + opt.name + "'" + for_scheduler(scheduler) + " was not given",
                                    opt.name);
      }
      resolved.set(opt.name, opt.default_value);
      continue;
    }
    if (opt.type == CfgType::floating && std::holds_alternative<std::int64_t>(value)) {
      value = static_cast<double>(std::get<std::int64_t>(value));
    }
    if (type_of(value) != opt.type) {
      const auto found = type_of(value);
      throw InvalidRunConfigError("run option '" + opt.name + "' must be of type " + to_string(opt.type) + ", but was " +
                                      to_display(value) + " (" + (found ? to_string(*found) : "None") + ")",
                                  opt.name);
    }
    resolved.set(opt.name, std::move(value));
  }
  return resolved;
}

std::string RunOpts::format() const {
  std::vector<const RunOpt*> required;
  std::vector<const RunOpt*> optional;
  for (const auto& o : m_opts) (o.is_required ? required : optional).push_back(&o);
  std::string out = "    usage:\n        ";
  bool first = true;
  for (const auto* group : {&required, &optional}) {
    for (const RunOpt* o : *group) {
      std::string contents = o->name + "=" + upper(o->name);
      if (!o->is_required) contents = "[" + contents + "]";
      out += (first ? "" : ",") + contents;
      first = false;
    }
  }
  const std::pair<const char*, const std::vector<const RunOpt*>*> sections[] = {{"required", &required},
                                                                                {"optional", &optional}};
  for (const auto& [section, opts] : sections) {
    if (opts->empty()) continue;
    out += std::string("\n\n    ") + section + " arguments:";
    for (const RunOpt* o : *opts) {
      const std::string def = o->is_required ? "" : ", " + to_display(o->default_value);
      out += "\n        " + o->name + "=" + upper(o->name) + " (" + to_string(o->type) + def + ")";
      out += "\n            " + o->help;
    }
  }
  return out;
}

}  // namespace torchx::specs
