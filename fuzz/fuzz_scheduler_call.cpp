// SPDX-License-Identifier: BSD-3-Clause
// specs::scheduler_call_from_json (the SDK's decoder of a dryrun or schedule call, one parse)
// against the model it replaced: parse, then each member serialized and decoded alone by
// app_def_from_json and cfg_from_json. Both accept the same texts, fail the same way (a
// JsonDecodeError for a bad AppDef or cfg, another exception for text that is not a call), and
// give the same AppDef, cfg, workspace and request (unless a number Boost.JSON 1.81 reads
// inexactly may have moved by an ulp on the model's extra round trip).
#include "fuzz_check.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>

#include <boost/json.hpp>

#include <optional>

namespace {

namespace json = boost::json;
using torchx::specs::JsonDecodeError;
using torchx::specs::SchedulerCall;

/// How a decode ended.
enum class Outcome { ok, decode_error, other_error };

/// The model: the member-by-member round trips scheduler_call_from_json replaced.
Outcome model(std::string_view text, bool with_request, SchedulerCall& out) {
  try {
    const json::value parsed = json::parse(text);
    const json::object& o = parsed.as_object();
    out.app = torchx::specs::app_def_from_json(json::serialize(o.at("app")));
    out.cfg = torchx::specs::cfg_from_json(json::serialize(o.at("cfg")));
    if (with_request) out.request_json = json::serialize(o.at("request"));
    if (const auto* w = o.if_contains("workspace"); w != nullptr && !w->is_null()) {
      if (w->is_string()) out.workspace = std::string(w->get_string());
      else out.workspace_malformed = true;
    }
    return Outcome::ok;
  } catch (const JsonDecodeError&) {
    return Outcome::decode_error;
  } catch (const std::exception&) {
    return Outcome::other_error;
  }
}

Outcome decode(std::string_view text, bool with_request, SchedulerCall& out) {
  try {
    out = torchx::specs::scheduler_call_from_json(text, with_request);
    return Outcome::ok;
  } catch (const JsonDecodeError&) {
    return Outcome::decode_error;
  } catch (const std::exception&) {
    return Outcome::other_error;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = torchx::fuzz::text(data, size);
  const bool exact = !torchx::fuzz::may_hold_inexact_number(text);
  for (const bool with_request : {false, true}) {
    SchedulerCall got;
    SchedulerCall want;
    const Outcome g = decode(text, with_request, got);
    const Outcome w = model(text, with_request, want);
    FUZZ_CHECK(g == w || !exact);
    if (g != Outcome::ok || w != Outcome::ok || !exact) continue;
    FUZZ_CHECK(got.app == want.app);
    FUZZ_CHECK(got.cfg == want.cfg);
    FUZZ_CHECK(got.workspace == want.workspace);
    FUZZ_CHECK(got.workspace_malformed == want.workspace_malformed);
    FUZZ_CHECK(got.request_json == want.request_json);
  }
  return 0;
}
