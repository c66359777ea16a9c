// SPDX-License-Identifier: BSD-3-Clause
#include "k8s_render.hpp"

#include <stdexcept>

namespace torchx::k8s {

std::string normalize_name(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  std::string out;
  for (const char ch : s) {
    const char c = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') out.push_back(c);
  }
  return out;
}

boost::json::array render(const specs::AppDef& /*app*/, const RenderOptions& /*options*/) {
  throw std::invalid_argument("kubernetes manifests are not rendered yet");
}

std::string to_yaml(const boost::json::value& /*v*/, bool /*as_documents*/) {
  throw std::invalid_argument("YAML output is not implemented yet");
}

}  // namespace torchx::k8s
