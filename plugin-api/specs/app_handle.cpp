// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/app_handle.hpp>
#include <torchx/specs/errors.hpp>
#include <torchx/util/input_checks.hpp>

namespace torchx::specs {

std::string AppHandle::str() const { return scheduler_backend + "://" + session_name + "/" + app_id; }

AppHandle parse_app_handle(std::string_view handle) {
  auto malformed = [&] {
    // Quoted printably (one line, no NUL to cut the message short) and bounded: it is the caller's text.
    return MalformedAppHandleError("'" + util::printable(handle, 200) +
                                   "' is not of the form <scheduler_backend>://<session_name>/<app_id>");
  };
  if (handle.find_first_of(std::string_view("\n\r\0", 3)) != std::string_view::npos) throw malformed();
  // The regex's greedy `.+://` takes the last "://" after which `.*/.+` still matches; the
  // greedy `.*/` then takes the last '/' that has at least one character after it.
  for (std::size_t sep = handle.rfind("://"); sep != std::string_view::npos && sep > 0;
       sep = handle.rfind("://", sep - 1)) {
    const std::string_view rest = handle.substr(sep + 3);
    if (rest.size() < 2) continue;
    const std::size_t slash = rest.rfind('/', rest.size() - 2);
    if (slash == std::string_view::npos) continue;
    return AppHandle{std::string(handle.substr(0, sep)), std::string(rest.substr(0, slash)),
                     std::string(rest.substr(slash + 1))};
  }
  throw malformed();
}

}  // namespace torchx::specs
