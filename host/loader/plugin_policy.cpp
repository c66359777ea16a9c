// SPDX-License-Identifier: BSD-3-Clause
#include "plugin_policy.hpp"

#include <ini.h>

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace torchx::loader {
namespace {

std::vector<std::string> split_entries(const std::string& value) {
  std::vector<std::string> out;
  std::string current;
  for (char c : value + ",") {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n') {
      if (!current.empty()) out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  return out;
}

bool matches_any(const std::vector<std::string>& globs, std::string_view name) {
  const std::string n(name);
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& g) { return ::fnmatch(g.c_str(), n.c_str(), 0) == 0; });
}

}  // namespace

bool PluginPolicy::is_required(std::string_view plugin) const {
  return matches_any(required, plugin) && !matches_any(optional, plugin);
}

std::vector<std::string> PluginPolicy::required_names() const {
  std::vector<std::string> out;
  for (const auto& r : required) {
    if (r.find_first_of("*?[") == std::string::npos && is_required(r) &&
        std::find(out.begin(), out.end(), r) == out.end()) {
      out.push_back(r);
    }
  }
  return out;
}

namespace {
/// inih's line buffer: a line (with its line break and NUL) must fit in it.
constexpr std::size_t k_max_line = std::size_t{1} << 20;
}  // namespace

PluginPolicy PluginPolicy::parse(const std::string& text, const std::filesystem::path& file) {
  // Like the runner's .torchxconfig: no inline comments; indented lines continue a value.
  ini_allow_inline_comments = false;
  ini_allow_multiline = true;
  ini_use_stack = false;
  ini_allow_realloc = true;
  ini_max_line = static_cast<int>(k_max_line);

  PluginPolicy policy;
  policy.file = file;
  policy.read = true;
  // inih reads a C string with a line buffer: a NUL byte would end the file without a word, and
  // a longer line would be cut in two (the rest read as a line of its own).
  std::size_t line_no = 1;
  for (std::size_t begin = 0; begin < text.size(); ++line_no) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string where = "plugin policy " + file.string() + ": line " + std::to_string(line_no) + ": ";
    if (end - begin + 1 >= k_max_line) {
      policy.errors.push_back(where + "longer than " + std::to_string(k_max_line - 2) + " bytes");
      return policy;
    }
    if (std::memchr(text.data() + begin, '\0', end - begin) != nullptr) {
      policy.errors.push_back(where + "a NUL byte (is this a text file?)");
      return policy;
    }
    begin = end + 1;
  }
  auto handler = [](void* user, const char* section, const char* name, const char* value) -> int {
    auto* p = static_cast<PluginPolicy*>(user);
    const std::string where = "plugin policy " + p->file.string() + ": ";
    if (std::strcmp(section, "plugins") != 0) {
      p->errors.push_back(where + "unknown section [" + section + "] (expected [plugins])");
    } else if (std::strcmp(name, "required") == 0) {
      for (auto& e : split_entries(value)) p->required.push_back(std::move(e));
    } else if (std::strcmp(name, "optional") == 0) {
      for (auto& e : split_entries(value)) p->optional.push_back(std::move(e));
    } else {
      p->errors.push_back(where + "unknown key '" + name + "' in [plugins] (expected required or optional)");
    }
    return 1;
  };
  const int line = ini_parse_string(text.c_str(), handler, &policy);
  if (line > 0) {
    policy.errors.push_back("plugin policy " + file.string() + ": line " + std::to_string(line) +
                            ": expected '[section]' or 'key = value'");
  } else if (line < 0) {
    policy.errors.push_back("plugin policy " + file.string() + ": out of memory while reading it");
  }
  // Report each unknown section once, not once per key in it.
  std::vector<std::string> unique;
  for (auto& e : policy.errors) {
    if (std::find(unique.begin(), unique.end(), e) == unique.end()) unique.push_back(std::move(e));
  }
  policy.errors = std::move(unique);
  return policy;
}

PluginPolicy PluginPolicy::load(const SearchPathInputs& inputs) {
  std::filesystem::path file = k_default_plugin_policy;
  std::string origin = "system";
  if (!inputs.secure) {
    if (auto value = inputs.getenv("TORCHX_PLUGIN_POLICY")) {
      if (value->empty()) {
        PluginPolicy none;
        none.origin = "TORCHX_PLUGIN_POLICY";
        return none;
      }
      file = *value;
      origin = "TORCHX_PLUGIN_POLICY";
    }
  }
  auto failed = [&](const std::string& problem) {
    PluginPolicy policy;
    policy.file = file;
    policy.origin = origin;
    policy.errors.push_back("plugin policy " + file.string() + ": " + problem);
    return policy;
  };
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT && origin == "system") return {};  // no site policy: the common case
    return failed(error == ENOENT ? "not found (named by TORCHX_PLUGIN_POLICY)"
                                  : "cannot be read: " + std::string(std::strerror(error)));
  }
  std::string text;
  int error = 0;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error = errno;
  } else if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return failed("is a directory, not a policy file");
  } else {
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n > 0) {
        text.append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0) {
        break;
      } else if (errno != EINTR) {
        error = errno;
        break;
      }
    }
  }
  ::close(fd);
  if (error != 0) return failed("cannot be read: " + std::string(std::strerror(error)));
  // inih stops at a NUL byte: what follows it would be dropped without a word.
  const auto nul = text.find('\0');
  PluginPolicy policy = parse(text.substr(0, nul), file);
  if (nul != std::string::npos) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n');
    policy.errors.push_back("plugin policy " + file.string() + ": line " + std::to_string(line) +
                            ": contains a NUL byte (not a text file?)");
  }
  policy.origin = origin;
  return policy;
}

}  // namespace torchx::loader
