// SPDX-License-Identifier: BSD-3-Clause
#include "sinfo_cache.hpp"

#include <boost/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace json = boost::json;

namespace torchx::slurm {
namespace {
constexpr std::int64_t k_format = 1;  ///< the file's version; another is ignored
}  // namespace

std::optional<PartitionInfo> find_partition(const std::string& sinfo_output, const std::string& partition) {
  std::istringstream lines(sinfo_output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream f(line);
    PartitionInfo info;
    std::string memory;
    f >> info.nodes >> info.name >> memory;
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
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const json::value v = json::parse(text.str(), ec);
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
  std::random_device rd;
  const auto tmp = file.parent_path() / (file.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  {
    std::ofstream out(tmp, std::ios::binary);
    out << json::serialize(o);
    if (!out.flush()) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

void SinfoCache::drop() const {
  std::error_code ec;
  std::filesystem::remove(file, ec);
}

}  // namespace torchx::slurm
