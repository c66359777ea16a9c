// SPDX-License-Identifier: BSD-3-Clause
// What the SDK's dryrun and schedule decode and write without JSON round trips
// (scheduler_call_from_json, to_json of RunOpts and Cfg): the same values, bytes and errors as the
// boost::json round trips they replaced, kept here as the reference.
#include "../../plugin-api/specs/json_detail.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace torchx::specs;

namespace {

Cfg every_kind() {
  Cfg cfg;
  cfg.set("none", CfgValue{});
  cfg.set("s", std::string("a \"q\" \\ \n\x01 \xc3\xa9"));
  cfg.set("i", std::int64_t{-42});
  cfg.set("big", std::int64_t{9007199254740993});
  cfg.set("f", 0.5);
  cfg.set("f1", 1.0);
  cfg.set("fe", 1e-300);
  cfg.set("b", true);
  cfg.set("nb", false);
  cfg.set("l", std::vector<std::string>{"x", "", "y\"z"});
  cfg.set("el", std::vector<std::string>{});
  Dict<std::string> d;
  d.set("k", "v");
  d.set("k\"2", "");
  cfg.set("d", d);
  cfg.set("ed", Dict<std::string>{});
  return cfg;
}

/// to_json(RunOpts) as it was: an array of objects built member by member.
std::string reference_run_opts_json(const RunOpts& opts) {
  boost::json::array out;
  for (const auto& o : opts.options()) {
    Cfg one;
    one.set("v", o.default_value);
    const char* type = "str";
    switch (o.type) {
      case CfgType::str: type = "str"; break;
      case CfgType::integer: type = "int"; break;
      case CfgType::floating: type = "float"; break;
      case CfgType::boolean: type = "bool"; break;
      case CfgType::list_of_str: type = "list"; break;
      case CfgType::dict_of_str: type = "dict"; break;
    }
    out.push_back(boost::json::object{{"name", o.name},
                                      {"type", type},
                                      {"default", detail::encode(one).as_object().at("v")},
                                      {"required", o.is_required},
                                      {"help", o.help}});
  }
  return boost::json::serialize(out);
}

}  // namespace

TEST_CASE("to_json of Cfg and RunOpts writes the bytes the boost::json values made") {
  const Cfg cfg = every_kind();
  CHECK(to_json(cfg) == boost::json::serialize(detail::encode(cfg)));
  CHECK(to_json(Cfg{}) == "{}");
  RunOpts opts;
  opts.add("partition", CfgType::str, "The \"partition\".\n");
  opts.add("n", CfgType::integer, "n", std::int64_t{3});
  opts.add("x", CfgType::floating, "x", 2.5);
  opts.add("xi", CfgType::floating, "x from an int", std::int64_t{2});
  opts.add("on", CfgType::boolean, "on", true);
  opts.add("l", CfgType::list_of_str, "l", std::vector<std::string>{"a", "b"});
  opts.add("d", CfgType::dict_of_str, "d", std::get<Dict<std::string>>(every_kind().get("d") ? *every_kind().get("d") : CfgValue{}));
  opts.add("req", CfgType::str, "required", CfgValue{}, true);
  CHECK(to_json(opts) == reference_run_opts_json(opts));
  CHECK(to_json(RunOpts{}) == "[]");
  CHECK(run_opts_from_json(to_json(opts)).format() == opts.format());
}

TEST_CASE("scheduler_call_from_json decodes what the member-by-member round trips decoded") {
  AppDef app;
  app.name = "echo";
  Role r;
  r.name = "echo";
  r.image = "img";
  r.entrypoint = "echo";
  r.args = {"hello \"world\""};
  app.roles = {r};
  const std::string app_json = to_json(app);
  const std::string cfg_json = to_json(every_kind());
  const std::string request = R"({"cmd": ["sbatch", "--parsable"], "script": "#!/bin/bash\n", "n": 1.50})";
  const std::string text = "{\"app\":" + app_json + ",\"cfg\":" + cfg_json + ",\"workspace\":\"/w\",\"request\":" + request + "}";

  const SchedulerCall call = scheduler_call_from_json(text, true);
  CHECK(call.app == app_def_from_json(app_json));
  CHECK(to_json(call.cfg) == to_json(cfg_from_json(cfg_json)));
  CHECK(call.workspace == std::optional<std::string>("/w"));
  CHECK_FALSE(call.workspace_malformed);
  CHECK(call.request_json == boost::json::serialize(boost::json::parse(request)));
  CHECK(scheduler_call_from_json(text, false).request_json.empty());

  // Members in another order, workspace null or absent, and not a string.
  const auto reordered = scheduler_call_from_json("{\"workspace\":null,\"cfg\":{},\"app\":" + app_json + "}", false);
  CHECK(reordered.app == app);
  CHECK_FALSE(reordered.workspace.has_value());
  CHECK_FALSE(scheduler_call_from_json("{\"cfg\":{},\"app\":" + app_json + "}", false).workspace.has_value());
  CHECK(scheduler_call_from_json("{\"workspace\":5,\"cfg\":{},\"app\":" + app_json + "}", false).workspace_malformed);
}

TEST_CASE("scheduler_call_from_json fails as the member-by-member round trips failed") {
  const std::string good_app = R"({"name":"a","roles":[{"name":"r","image":"i","entrypoint":"e"}]})";
  // A bad AppDef or cfg: the JsonDecodeError app_def_from_json or cfg_from_json gives for the member.
  const std::string bad_app = R"({"name":5,"roles":[{"name":"r","num_replicas":"x"}]})";
  const std::string bad_cfg = R"({"a":[1],"b":{"k":2},"c":null})";
  auto message = [](auto&& fn) {
    try {
      fn();
    } catch (const JsonDecodeError& e) {
      return std::string(e.what());
    }
    return std::string("no JsonDecodeError");
  };
  CHECK(message([&] { scheduler_call_from_json("{\"app\":" + bad_app + ",\"cfg\":{}}", false); }) ==
        message([&] { app_def_from_json(boost::json::serialize(boost::json::parse(bad_app))); }));
  CHECK(message([&] { scheduler_call_from_json("{\"app\":" + good_app + ",\"cfg\":" + bad_cfg + "}", false); }) ==
        message([&] { cfg_from_json(boost::json::serialize(boost::json::parse(bad_cfg))); }));
  // The one difference: a number beyond a double (1e400 parses as infinity) was serialized as text
  // that does not parse, so the round trip said "not valid JSON: syntax error"; decoded from the
  // value, the problem names its key, as cfg_from_json of the member's own text does.
  const std::string huge = R"({"c":1e400})";
  CHECK(message([&] { scheduler_call_from_json("{\"app\":" + good_app + ",\"cfg\":" + huge + "}", false); }) ==
        message([&] { cfg_from_json(huge); }));
  CHECK(message([&] { cfg_from_json(huge); }) == "invalid run config JSON: c: number out of range (beyond a double)");
  CHECK(message([&] { cfg_from_json(boost::json::serialize(boost::json::parse(huge))); }) ==
        "invalid run config JSON: not valid JSON: syntax error");
  CHECK(message([&] { scheduler_call_from_json("{\"app\":" + good_app + ",\"cfg\":[]}", false); }) ==
        message([&] { cfg_from_json("[]"); }));
  // The AppDef is checked before the cfg, as before.
  CHECK(message([&] { scheduler_call_from_json("{\"app\":" + bad_app + ",\"cfg\":" + bad_cfg + "}", false); }) ==
        message([&] { app_def_from_json(bad_app); }));
  // Not JSON, not an object, a missing member: boost::json's own exceptions (TX_E_INTERNAL at the
  // SDK's edge), not a specs::Error.
  for (const std::string& text : std::vector<std::string>{"", "{", "[]", "{\"cfg\":{}}", "{\"app\":" + good_app + "}"}) {
    CAPTURE(text);
    bool threw_specs = false;
    bool threw_other = false;
    try {
      scheduler_call_from_json(text, false);
    } catch (const Error&) {
      threw_specs = true;
    } catch (const std::exception&) {
      threw_other = true;
    }
    CHECK_FALSE(threw_specs);
    CHECK(threw_other);
  }
  CHECK_THROWS_AS(scheduler_call_from_json("{\"app\":" + good_app + ",\"cfg\":{}}", true), std::exception);
}
