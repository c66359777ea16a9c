// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/util/tar.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace torchx::util {

namespace {

constexpr std::size_t k_block = 512;

void octal(char* field, std::size_t width, std::uint64_t value) {
  // width-1 octal digits, then NUL, as ustar writes numbers.
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
}

void pad(std::string& out) { out.append((k_block - out.size() % k_block) % k_block, '\0'); }

void header(std::string& out, const std::string& name, std::uint64_t size, unsigned mode, char type) {
  char h[k_block] = {};
  std::memcpy(h, name.data(), std::min<std::size_t>(name.size(), 100));
  octal(h + 100, 8, mode);
  octal(h + 108, 8, 0);
  octal(h + 116, 8, 0);
  octal(h + 124, 12, size);
  octal(h + 136, 12, 0);
  std::memset(h + 148, ' ', 8);
  h[156] = type;
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  unsigned sum = 0;
  for (const char c : h) sum += static_cast<unsigned char>(c);
  std::snprintf(h + 148, 8, "%06o", sum);
  out.append(h, k_block);
}

/// One entry; a path over 100 bytes gets a pax `path` record first.
void entry(std::string& out, const std::string& path, const std::string& data, unsigned mode) {
  if (path.size() > 100) {
    std::string record = " path=" + path + "\n";
    // The record starts with its own length in decimal, which counts itself.
    std::size_t len = record.size();
    while (std::to_string(len).size() + record.size() != len) len = std::to_string(len).size() + record.size();
    record = std::to_string(len) + record;
    header(out, "PaxHeader", record.size(), 0644, 'x');
    out += record;
    pad(out);
  }
  header(out, path, data.size(), mode, '0');
  out += data;
  pad(out);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::filesystem::filesystem_error("cannot read", p, std::make_error_code(std::errc::permission_denied));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string tar_files(const std::filesystem::path& root, const std::vector<std::string>& files,
                      const std::vector<std::pair<std::string, std::string>>& extra) {
  std::string out;
  for (const auto& f : files) {
    const auto p = root / f;
    const auto perms = std::filesystem::status(p).permissions();
    const bool exec = (perms & std::filesystem::perms::owner_exec) != std::filesystem::perms::none;
    entry(out, f, read_file(p), exec ? 0755 : 0644);
  }
  for (const auto& [path, data] : extra) entry(out, path, data, 0644);
  out.append(2 * k_block, '\0');
  return out;
}

}  // namespace torchx::util
