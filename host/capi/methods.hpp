// SPDX-License-Identifier: BSD-3-Clause
// The methods of tx_runner_call: each one request object in, one JSON answer out, over one
// runner::Runner (docs/python.md, "The C API").
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace torchx::runner {
class Runner;
}
namespace torchx::loader {
class LogStream;
}

namespace torchx::capi {

/// The answer of `method` to `request_json` (a JSON object; "" means {}), as JSON text. Throws
/// InvalidRequestError for an unknown method or a malformed request, and whatever the runner
/// throws.
std::string call_method(runner::Runner& runner, std::string_view method, std::string_view request_json);

/// The log stream `request_json` asks for (`{"app_handle", "role_name", "k", "regex", "since",
/// "until", "should_tail", "streams"}`). Throws as call_method.
std::unique_ptr<loader::LogStream> open_log(runner::Runner& runner, std::string_view request_json);

}  // namespace torchx::capi
