// SPDX-License-Identifier: BSD-3-Clause
#include "sinfo_cache.hpp"

#include "text_file.hpp"

#include <boost/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string_view>

namespace json = boost::json;

namespace torchx::slurm {
namespace {
constexpr std::int64_t k_format = 1;  ///< the file's version; another is ignored
}  // namespace

std::optional<PartitionInfo> find_partition(const std::string& sinfo_output, const std::string& partition) {
  // Each line read as `line_stream >> nodes >> name >> memory` read it, without a stream (the
  // plugin's first stream builds the locale): a line whose first word does not start with a
  // number is skipped, as the failed stream left its name empty.
  constexpr std::string_view k_space = " \t\n\v\f\r";
  const std::string_view text = sinfo_output;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    const std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    start = nl == std::string_view::npos ? text.size() : nl + 1;
    std::size_t i = line.find_first_not_of(k_space);
    if (i == std::string_view::npos) continue;
    PartitionInfo info;
    const char* first = line.data() + i + (line[i] == '+' ? 1 : 0);
    const auto [end, ec] = std::from_chars(first, line.data() + line.size(), info.nodes);
    if (ec != std::errc{} || (line[i] == '+' && *first == '-')) continue;
    i = static_cast<std::size_t>(end - line.data());
    auto word = [&] {
      i = std::min(line.find_first_not_of(k_space, i), line.size());
      const std::size_t w = std::min(line.find_first_of(k_space, i), line.size());
      const std::string_view out = line.substr(i, w - i);
      i = w;
      return out;
    };
    info.name = std::string(word());
    std::string memory(word());
    const bool is_default = !info.name.empty() && info.name.back() == '*';
    if (is_default) info.name.pop_back();
    if ((partition.empty() && is_default) || (!partition.empty() && info.name == partition)) {
      memory.erase(std::remove(memory.begin(), memory.end(), '+'), memory.end());
      info.memory_mb = memory.empty() ? INT_MAX : std::atoi(memory.c_str());
      return info;
    }
  }
  return std::nullopt;
}

std::string slurm_conf_fingerprint() {
  const char* env = std::getenv("SLURM_CONF");
  const std::string conf = env != nullptr && *env != '\0' ? env : "/etc/slurm/slurm.conf";
  struct stat st {};
  if (::stat(conf.c_str(), &st) != 0) return "absent";
  auto ns = [](const timespec& t) { return std::to_string(static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec); };
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         ns(st.st_mtim) + ":" + ns(st.st_ctim);
}

std::optional<std::string> SinfoCache::load(std::int64_t now_s) const {
  const auto text = read_text_file(file);
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  const json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto* format = o.if_contains("format");
  const auto* conf = o.if_contains("conf");
  const auto* asked = o.if_contains("asked_at");
  const auto* output = o.if_contains("sinfo");
  if (format == nullptr || !format->is_int64() || format->as_int64() != k_format || conf == nullptr || !conf->is_string() ||
      asked == nullptr || !asked->is_int64() || output == nullptr || !output->is_string()) {
    return std::nullopt;
  }
  const std::int64_t age = now_s - asked->as_int64();
  if (age < 0 || age >= max_age_s) return std::nullopt;  // a clock set back counts as too old
  if (conf->as_string() != slurm_conf_fingerprint()) return std::nullopt;
  return std::string(output->as_string());
}

void SinfoCache::store(const std::string& sinfo_output, std::int64_t now_s, const std::string& conf) const {
  const json::object o{{"format", k_format}, {"conf", conf}, {"asked_at", now_s}, {"sinfo", sinfo_output}};
  replace_text_file(file, json::serialize(o));  // a failure only costs the next submit a sinfo
}

void SinfoCache::drop() const {
  std::error_code ec;
  std::filesystem::remove(file, ec);
}

}  // namespace torchx::slurm
