// SPDX-License-Identifier: BSD-3-Clause
#include "search_path.hpp"

#include "plain_path.hpp"

#include <dlfcn.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

namespace torchx::loader {
namespace {

std::vector<std::string> split_colons(const std::string& s) {
  std::vector<std::string> out;
  std::string current;
  for (char c : s) {
    if (c == ':') {
      if (!current.empty()) out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

}  // namespace

std::optional<std::string> SearchPathInputs::default_getenv(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::nullopt : std::optional<std::string>(v);
}

bool SearchPathInputs::is_secure_process() { return getauxval(AT_SECURE) != 0; }

std::filesystem::path SearchPathInputs::executable_dir() {
  // One readlink(2) (std::filesystem::read_symlink lstat's first); a longer path the long way.
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf);
  if (n > 0 && static_cast<std::size_t>(n) < sizeof buf && buf[0] == '/') {
    const std::string_view exe(buf, static_cast<std::size_t>(n));
    const std::size_t slash = exe.rfind('/');
    return std::filesystem::path(exe.substr(0, slash == 0 ? 1 : slash));
  }
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path{} : exe.parent_path();
}

std::filesystem::path SearchPathInputs::bundled_from_bindir() { return TORCHX_BUNDLED_FROM_BINDIR; }
std::filesystem::path SearchPathInputs::bundled_from_libdir() { return TORCHX_BUNDLED_FROM_LIBDIR; }

std::filesystem::path SearchPathInputs::library_dir(const void* address) {
  Dl_info info{};
  if (::dladdr(address, &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  auto file = std::filesystem::canonical(info.dli_fname, ec);
  return ec ? std::filesystem::path{} : file.parent_path();
}

std::vector<IgnoredSetting> ignored_settings(const SearchPathInputs& in) {
  std::vector<IgnoredSetting> out;
  if (!in.secure) return out;
  for (const auto& d : in.cli_dirs) out.push_back({"--plugin-path", d});
  for (const char* name : {"TORCHX_PLUGIN_PATH", "TORCHX_PLUGIN_SYSTEM_PATH", "TORCHX_PLUGINS_DISABLE", "TORCHX_PLUGIN_POLICY",
                           "XDG_DATA_HOME", "XDG_DATA_DIRS"}) {
    if (auto v = in.getenv(name); v && !v->empty()) out.push_back({name, *v});
  }
  // An empty TORCHX_PLUGIN_POLICY means "no policy": ignoring it changes something, so say so.
  if (auto v = in.getenv("TORCHX_PLUGIN_POLICY"); v && v->empty()) out.push_back({"TORCHX_PLUGIN_POLICY", "(empty)"});
  auto data_home = in.getenv("XDG_DATA_HOME");
  if (auto home = in.getenv("HOME"); home && !home->empty() && !(data_home && !data_home->empty())) {
    out.push_back({"user dir", (std::filesystem::path(*home) / ".local/share/torchx/plugins.d").string()});
  }
  return out;
}

std::vector<SearchDir> plugin_search_path(const SearchPathInputs& in) {
  std::vector<SearchDir> dirs;
  std::set<std::string, std::less<>> seen;  // the normal paths' texts: equal texts, equal paths
  auto add = [&](const std::filesystem::path& p, const std::string& origin) {
    if (p.empty() || !p.is_absolute()) return;  // relative entries would depend on the cwd
    // Most entries are already normal ("/etc/torchx/plugins.d"): no lexically_normal() for them.
    std::filesystem::path normal = is_plain_absolute(p.native()) ? p : p.lexically_normal();
    if (seen.insert(normal.native()).second) dirs.push_back({std::move(normal), origin});
  };
  auto env = [&](const char* name) -> std::optional<std::string> {
    if (in.secure) return std::nullopt;
    auto v = in.getenv(name);
    return (v && !v->empty()) ? v : std::nullopt;
  };

  if (!in.secure) {
    for (const auto& d : in.cli_dirs) add(std::filesystem::absolute(d), "--plugin-path");
  }
  if (auto p = env("TORCHX_PLUGIN_PATH")) {
    for (const auto& d : split_colons(*p)) add(d, "TORCHX_PLUGIN_PATH");
  }
  if (auto p = env("TORCHX_PLUGIN_SYSTEM_PATH")) {
    for (const auto& d : split_colons(*p)) add(d, "TORCHX_PLUGIN_SYSTEM_PATH");
    return dirs;
  }
  if (const auto user = user_plugin_dir(in)) add(*user, "user");
  add("/etc/torchx/plugins.d", "system");
  const auto data_dirs = env("XDG_DATA_DIRS").value_or("/usr/local/share:/usr/share");
  for (const auto& d : split_colons(data_dirs)) add(std::filesystem::path(d) / "torchx/plugins.d", "system");
  if (!in.anchor_dir.empty()) add(in.anchor_dir / in.bundled_relative, "bundled");
  return dirs;
}

std::optional<std::filesystem::path> user_plugin_dir(const SearchPathInputs& in) {
  if (in.secure) return std::nullopt;
  if (auto data_home = in.getenv("XDG_DATA_HOME"); data_home && !data_home->empty()) {
    return std::filesystem::path(*data_home) / "torchx/plugins.d";
  }
  if (auto home = in.getenv("HOME"); home && !home->empty()) {
    return std::filesystem::path(*home) / ".local/share/torchx/plugins.d";
  }
  return std::nullopt;
}

}  // namespace torchx::loader
