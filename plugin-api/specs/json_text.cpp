// SPDX-License-Identifier: BSD-3-Clause
#include "json_detail.hpp"

#include <torchx/specs/json_text.hpp>

namespace torchx::specs {

JsonText JsonText::string(std::string_view s) { return JsonText{boost::json::serialize(boost::json::value(s))}; }

JsonText JsonText::parse(std::string_view text) {
  return JsonText{boost::json::serialize(detail::parse(text, "value"))};
}

std::string JsonText::as_string(bool* ok) const {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  const bool is_str = !ec && v.is_string();
  if (ok != nullptr) *ok = is_str;
  return is_str ? std::string(v.get_string()) : std::string{};
}

}  // namespace torchx::specs
