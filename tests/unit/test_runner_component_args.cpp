// SPDX-License-Identifier: BSD-3-Clause
// Component arguments as an embedder passes them: bounded, UTF-8, named when refused.
#include "component_args.hpp"
#include "errors.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using torchx::runner::arguments_problem;
using torchx::runner::build_request;
using torchx::runner::ComponentArgsError;
using torchx::runner::ComponentSignature;

namespace {

ComponentSignature signature() {
  ComponentSignature s;
  s.args.push_back({"msg", "str", std::nullopt, true, "", "", false});
  s.args.push_back({"rest", "str", std::nullopt, false, "", "", true});
  return s;
}

}  // namespace

TEST_CASE("runner::arguments_problem names the argument that is not UTF-8 and the flag it belongs to") {
  CHECK(arguments_problem({"--msg", "ok", "caf\xc3\xa9"}).empty());
  CHECK(arguments_problem({"--msg", "caf\xe9"}) == "argument 2 ('caf\\xe9', the value of --msg) is not valid UTF-8");
  CHECK(arguments_problem({"--msg=\xff"}, 5) == "argument 5 ('--msg=\\xff') is not valid UTF-8");
  CHECK(arguments_problem({"x", "\xff"}) == "argument 2 ('\\xff') is not valid UTF-8");
  CHECK(arguments_problem({std::string(1 << 20, 'a'), "b"}) ==
        "the arguments are more than 1048576 bytes (1 MiB) in all (argument 2 is 1 bytes)");
}

TEST_CASE("runner::build_request refuses a 2 MiB argument and bytes that are not UTF-8, in one line") {
  // An embedder is not bound by the 128 KiB per argument that exec allows.
  CHECK_THROWS_WITH_AS(build_request("c", signature(), {"--msg", std::string(2 << 20, 'a')}),
                       "component 'c': the arguments are more than 1048576 bytes (1 MiB) in all (argument 2 is "
                       "2097152 bytes)",
                       ComponentArgsError);
  CHECK_THROWS_WITH_AS(build_request("c", signature(), {"--msg", "hi", "--", "\xff"}),
                       "component 'c': argument 4 ('\\xff') is not valid UTF-8", ComponentArgsError);
  CHECK_THROWS_WITH_AS(build_request("c", signature(), {}, {{"msg", "caf\xe9"}}),
                       "component 'c': the default of --msg ('caf\\xe9') is not valid UTF-8", ComponentArgsError);
  CHECK(build_request("c", signature(), {"--msg", "caf\xc3\xa9"}) ==
        "{\"args\":{\"msg\":\"caf\xc3\xa9\"},\"varargs\":[]}");
}
