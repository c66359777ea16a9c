// SPDX-License-Identifier: BSD-3-Clause
#include "config.hpp"

#include "util/text.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/util/input_checks.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <ini.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include <sys/stat.h>

namespace torchx::runner {
namespace {

using util::trim;

/// inih's line buffer: a line (with its line break and NUL) must fit in it.
constexpr std::size_t k_max_line = std::size_t{1} << 20;

/// Configure inih like Python's configparser: no inline comments, lines up to k_max_line.
void configure_inih() {
  ini_allow_inline_comments = false;
  ini_allow_multiline = true;
  ini_use_stack = false;
  ini_allow_realloc = true;
  ini_max_line = static_cast<int>(k_max_line);
}

int to_int(const std::string& text, const std::string& where) {
  int v = 0;
  const std::string t = trim(text);
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc{} || p != t.data() + t.size()) {
    throw ConfigError(where + ": expected an integer, found '" + text + "'");
  }
  return v;
}

}  // namespace

ConfigInputs ConfigInputs::from_environment() {
  ConfigInputs in;
  if (const char* t = std::getenv("TORCHXCONFIG"); t != nullptr && *t != '\0') in.torchxconfig = t;
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') in.home = h;
  std::error_code ec;
  in.cwd = std::filesystem::current_path(ec);
  return in;
}

std::vector<std::pair<std::string, ConfigValue>>& Config::section(const std::string& name) {
  for (auto& s : m_sections) {
    if (s.first == name) return s.second;
  }
  return m_sections.emplace_back(name, std::vector<std::pair<std::string, ConfigValue>>{}).second;
}

Config Config::parse(const std::string& text, const std::filesystem::path& file) {
  // Values reach plugins as JSON: a byte that is not UTF-8 is named here, not by a JSON parser.
  if (const auto bad = util::invalid_utf8_offset(text)) {
    const auto line = std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(*bad), '\n') + 1;
    throw ConfigError(file.string() + ":" + std::to_string(line) + ": byte " + util::printable(text.substr(*bad, 1)) +
                      " is not valid UTF-8");
  }
  // inih cuts a line longer than its buffer in two and parses the rest as a line of its own: an error on the
  // wrong line (or a wrong value) rather than the truth.
  std::size_t line_no = 1;
  for (std::size_t begin = 0; begin < text.size(); ++line_no) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    if (end - begin + 1 >= k_max_line) {
      throw ConfigError(file.string() + ":" + std::to_string(line_no) + ": line is longer than " +
                        std::to_string(k_max_line - 2) + " bytes");
    }
    // inih reads a C string: what follows a NUL byte would be ignored without a word.
    if (std::memchr(text.data() + begin, '\0', end - begin) != nullptr) {
      throw ConfigError(file.string() + ":" + std::to_string(line_no) + ": a NUL byte (is this a text file?)");
    }
    begin = end + 1;
  }
  configure_inih();
  Config c;
  c.m_files.push_back(file);
  struct State {
    Config* config;
    std::filesystem::path file;
    std::string last_section;
    std::string last_key;
  } state{&c, file, {}, {}};
  auto handler = [](void* user, const char* section, const char* name, const char* value) -> int {
    auto* s = static_cast<State*>(user);
    auto& entries = s->config->section(section);
    // inih reports each continuation line of a multi-line value with the same name again.
    if (s->last_section == section && s->last_key == name && !entries.empty() && entries.back().first == name) {
      entries.back().second.value += std::string("\n") + value;
      return 1;
    }
    s->last_section = section;
    s->last_key = name;
    auto it = std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.first == name; });
    if (it != entries.end()) it->second = ConfigValue{value, s->file};
    else entries.emplace_back(name, ConfigValue{value, s->file});
    return 1;
  };
  const int rc = ini_parse_string(text.c_str(), handler, &state);
  if (rc > 0) throw ConfigError(file.string() + ":" + std::to_string(rc) + ": syntax error (expected [section] or key = value)");
  if (rc < 0) throw ConfigError(file.string() + ": cannot be parsed");
  return c;
}

void Config::merge(const Config& other) {
  for (const auto& f : other.m_files) m_files.push_back(f);
  for (const auto& [name, entries] : other.m_sections) {
    auto& mine = section(name);
    for (const auto& [key, value] : entries) {
      auto it = std::find_if(mine.begin(), mine.end(), [&](const auto& e) { return e.first == key; });
      if (it != mine.end()) it->second = value;
      else mine.emplace_back(key, value);
    }
  }
}

Config Config::load(const ConfigInputs& inputs) {
  auto read = [](const std::filesystem::path& p) {
    auto text = util::read_file(p);
    if (!text) throw ConfigError(p.string() + ": cannot be read");
    return *text;
  };
  Config merged;
  if (inputs.torchxconfig) {
    const std::filesystem::path p = *inputs.torchxconfig;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) {
      throw ConfigError("TORCHXCONFIG='" + p.string() + "' does not exist or is not a file");
    }
    merged.merge(parse(read(p), p));
    return merged;
  }
  std::vector<std::filesystem::path> candidates;
  if (inputs.home) candidates.push_back(*inputs.home / ".torchxconfig");
  if (!inputs.cwd.empty()) candidates.push_back(inputs.cwd / ".torchxconfig");
  // One stat per candidate: a regular file is read, once even when both name it (the project is
  // the home directory, or a link to it); later files win.
  std::optional<std::pair<dev_t, ino_t>> first;
  for (const auto& p : candidates) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (first && first->first == st.st_dev && first->second == st.st_ino) continue;
    if (!first) first = std::pair{st.st_dev, st.st_ino};
    merged.merge(parse(read(p), p));
  }
  return merged;
}

std::optional<ConfigValue> Config::get(const std::string& section_name, const std::string& key) const {
  for (const auto& [name, entries] : m_sections) {
    if (name != section_name) continue;
    for (const auto& [k, v] : entries) {
      if (k == key) return v;
    }
  }
  return std::nullopt;
}

std::vector<std::string> Config::keys(const std::string& section_name) const {
  std::vector<std::string> out;
  for (const auto& [name, entries] : m_sections) {
    if (name != section_name) continue;
    for (const auto& e : entries) out.push_back(e.first);
  }
  return out;
}

std::vector<std::string> Config::sections() const {
  std::vector<std::string> out;
  for (const auto& s : m_sections) out.push_back(s.first);
  return out;
}

specs::Cfg Config::scheduler_cfg(const std::string& scheduler, const specs::RunOpts& opts,
                                 std::vector<std::string>& warnings) const {
  specs::Cfg cfg;
  for (const auto& key : keys(scheduler)) {
    const ConfigValue v = *get(scheduler, key);
    const specs::RunOpt* opt = opts.get(key);
    if (opt == nullptr) {
      warnings.push_back(v.file.string() + ": [" + scheduler + "] " + key + ": not a run option of scheduler '" +
                         scheduler + "', ignored (see: torchx runopts " + scheduler + ")");
      continue;
    }
    const std::string text = trim(v.value);
    if (text == "None") continue;
    try {
      if (opt->type == specs::CfgType::list_of_str) {
        std::string flat = text;
        std::replace(flat.begin(), flat.end(), '\n', ';');
        cfg.set(key, specs::cast_cfg_value(key, flat, opt->type));
      } else {
        cfg.set(key, specs::cast_cfg_value(key, text, opt->type));
      }
    } catch (const specs::InvalidRunConfigError& e) {
      throw specs::InvalidRunConfigError(v.file.string() + ": [" + scheduler + "] " + e.what(), key);
    }
  }
  return cfg;
}

std::map<std::string, std::string> Config::component_defaults(const std::string& component) const {
  std::map<std::string, std::string> out;
  const std::string name = "component:" + component;
  for (const auto& key : keys(name)) out[key] = trim(get(name, key)->value);
  return out;
}

std::map<std::string, std::map<std::string, std::string>> Config::all_component_defaults() const {
  constexpr std::string_view k_prefix = "component:";
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& [name, entries] : m_sections) {
    if (name.starts_with(k_prefix) && name.size() > k_prefix.size()) {
      out[name.substr(k_prefix.size())] = component_defaults(name.substr(k_prefix.size()));
    }
  }
  return out;
}

specs::Dict<specs::Resource> Config::named_resources() const {
  specs::Dict<specs::Resource> out;
  for (const auto& [section_name, entries] : m_sections) {
    if (section_name.rfind("named_resource:", 0) != 0) continue;
    const std::string name = section_name.substr(std::string("named_resource:").size());
    specs::Resource r;
    r.cpu = 0;
    r.gpu = 0;
    r.memMB = 0;
    for (const auto& [key, v] : entries) {
      const std::string where = v.file.string() + ": [" + section_name + "] " + key;
      if (key == "cpu") r.cpu = to_int(v.value, where);
      else if (key == "gpu") r.gpu = to_int(v.value, where);
      else if (key == "memMB") r.memMB = to_int(v.value, where);
      else if (key == "devices" || key == "capabilities") {
        // A bad item is this file's error (ConfigError naming the section), not a run option's.
        specs::CfgValue items;
        try {
          items = specs::cast_cfg_value(key, v.value, specs::CfgType::dict_of_str);
        } catch (const specs::InvalidRunConfigError&) {
          throw ConfigError(where + ": expected 'key:value' items separated by ',' or ';', found '" + v.value + "'");
        }
        for (const auto& [k, val] : std::get<specs::Dict<std::string>>(items)) {
          if (key == "devices") r.devices.set(trim(k), to_int(val, where));
          else r.capabilities.set(trim(k), specs::JsonText::string(trim(val)));
        }
      } else {
        throw ConfigError(where + ": unknown key (expected cpu, gpu, memMB, devices, capabilities)");
      }
    }
    if (!name.empty()) out.set(name, r);
  }
  return out;
}

std::vector<std::string> Config::unknown_sections(const std::vector<std::string>& schedulers) const {
  static const std::vector<std::string> k_prefixes = {"component:", "cli:", "named_resource:", "tracker:"};
  std::vector<std::string> warnings;
  for (const auto& [name, entries] : m_sections) {
    const std::string file = entries.empty() ? std::string{} : entries.front().second.file.string() + ": ";
    if (name == "torchx:tracker" || std::find(schedulers.begin(), schedulers.end(), name) != schedulers.end()) continue;
    if (std::any_of(k_prefixes.begin(), k_prefixes.end(), [&](const auto& p) { return name.rfind(p, 0) == 0; })) {
      if (name == "cli:run") {
        for (const auto& [key, v] : entries) {
          if (key != "scheduler" && key != "component" && key != "workspace") {
            warnings.push_back(v.file.string() + ": [cli:run] " + key +
                               ": unknown key, ignored (expected scheduler, component, workspace)");
          }
        }
      }
      continue;
    }
    warnings.push_back(file + "[" + name + "]: unknown section, ignored (not a scheduler, and not component:, cli:, "
                                           "named_resource:, torchx:tracker or tracker:)");
  }
  // As Python's configparser, '#' after a value is part of it: say so where it looks like a comment.
  for (const auto& [name, entries] : m_sections) {
    for (const auto& [key, v] : entries) {
      if (v.value.find(" #") != std::string::npos || v.value.find("\t#") != std::string::npos) {
        warnings.push_back(v.file.string() + ": [" + name + "] " + key + ": the value '" + v.value +
                           "' contains ' #': comments must be on their own line (the text after '#' is part of the value)");
      }
    }
  }
  return warnings;
}

std::string dump_config(const std::vector<std::pair<std::string, specs::RunOpts>>& schedulers, bool all) {
  std::string out;
  for (const auto& [name, opts] : schedulers) {
    out += "[" + name + "]\n";
    for (const auto& o : opts.options()) {
      if (o.is_required) {
        std::string help = o.help.size() > 60 ? o.help.substr(0, 60) + "..." : o.help;
        out += o.name + " = #FIXME:(" + std::string(specs::to_string(o.type)) + ") " + help + "\n";
      } else if (all) {
        std::string value;
        if (const auto* list = std::get_if<std::vector<std::string>>(&o.default_value)) {
          value = fmt::format("{}", fmt::join(*list, ";"));
        } else if (const auto* dict = std::get_if<specs::Dict<std::string>>(&o.default_value)) {
          std::vector<std::string> items;
          for (const auto& [k, v] : *dict) items.push_back(k + ":" + v);
          value = fmt::format("{}", fmt::join(items, ";"));
        } else {
          value = specs::to_display(o.default_value);
        }
        out += o.name + " = " + (value.empty() ? "None" : value) + "\n";
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace torchx::runner
