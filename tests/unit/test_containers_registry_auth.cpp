// SPDX-License-Identifier: BSD-3-Clause
// containers::registry_auth_from_config / find_registry_auth: credentials as docker and podman
// find them, sent as X-Registry-Auth; never a secret in a message.
#include <torchx/containers/registry_auth.hpp>

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <map>
#include <stdexcept>
#include <string>

using namespace torchx;

namespace {

const containers::ImageRepository k_local{"localhost:5000", "torchx-test/ws"};

/// The JSON an X-Registry-Auth value carries.
std::string decoded(const std::optional<std::string>& header) {
  REQUIRE(header.has_value());
  const auto text = containers::base64_decode(*header);
  REQUIRE(text.has_value());
  return *text;
}

std::string b64(std::string_view s) { return containers::base64url_encode(s); }

}  // namespace

TEST_CASE("base64url_encode / base64_decode: RFC 4648 vectors, both alphabets") {
  CHECK(containers::base64url_encode("") == "");
  CHECK(containers::base64url_encode("f") == "Zg==");
  CHECK(containers::base64url_encode("foobar") == "Zm9vYmFy");
  CHECK(containers::base64url_encode("{}") == containers::k_no_registry_auth);
  CHECK(containers::base64url_encode("\xfb\xff") == "-_8=");
  CHECK(containers::base64_decode("+/8=") == std::string("\xfb\xff"));
  CHECK(containers::base64_decode("-_8") == std::string("\xfb\xff"));
  CHECK(containers::base64_decode("Zm9vYmFy") == "foobar");
  CHECK_FALSE(containers::base64_decode("Zm9v!").has_value());
  CHECK_FALSE(containers::base64_decode("Z").has_value());
}

TEST_CASE("registry_auth_from_config: user and password from 'auth', keys as docker and podman write them") {
  const std::string auth = "dXNlcjpwYXNzOndvcmQ=";  // user:pass:word (a ':' in the password)
  for (const std::string key :
       {"localhost:5000", "http://localhost:5000", "https://localhost:5000/v2/", "localhost:5000/"}) {
    CAPTURE(key);
    const std::string config = R"({"auths": {")" + key + R"(": {"auth": ")" + auth + R"("}}})";
    CHECK(decoded(containers::registry_auth_from_config(config, k_local)) ==
          R"({"username":"user","password":"pass:word","serveraddress":"localhost:5000"})");
  }
  // Another registry's entry, a port that differs, a namespace that differs: no entry.
  CHECK_FALSE(containers::registry_auth_from_config(R"({"auths": {"localhost:5001": {"auth": "dTpw"}}})", k_local));
  CHECK_FALSE(containers::registry_auth_from_config(R"({"auths": {"localhost": {"auth": "dTpw"}}})", k_local));
  CHECK_FALSE(
      containers::registry_auth_from_config(R"({"auths": {"localhost:5000/other": {"auth": "dTpw"}}})", k_local));
  CHECK_FALSE(containers::registry_auth_from_config(R"({"credsStore": "desktop"})", k_local));
  CHECK_FALSE(containers::registry_auth_from_config(R"({"auths": {"localhost:5000": {}}})", k_local));
}

TEST_CASE("registry_auth_from_config: podman's namespace keys, the longest wins, docker hub, identity tokens") {
  const std::string config = R"({"auths": {
      "localhost:5000": {"auth": ")" +
                             b64("a:1") + R"("},
      "localhost:5000/torchx-test": {"auth": ")" +
                             b64("b:2") + R"("},
      "localhost:5000/torchx": {"auth": ")" +
                             b64("c:3") + R"("}}})";
  CHECK(decoded(containers::registry_auth_from_config(config, k_local)).find(R"("username":"b")") != std::string::npos);
  const containers::ImageRepository hub{"", "team/app"};
  CHECK(decoded(containers::registry_auth_from_config(
            R"({"auths": {"https://index.docker.io/v1/": {"auth": ")" + b64("hub:pw") + R"("}}})", hub)) ==
        R"({"username":"hub","password":"pw","serveraddress":"docker.io"})");
  CHECK(decoded(containers::registry_auth_from_config(R"({"auths": {"localhost:5000": {"identitytoken": "tok"}}})",
                                                      k_local)) ==
        R"({"identitytoken":"tok","serveraddress":"localhost:5000"})");
}

TEST_CASE("registry_auth_from_config: a broken file says what is wrong and never what the secret is") {
  CHECK_THROWS_WITH_AS(containers::registry_auth_from_config("not json", k_local), "it is not a JSON object",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(containers::registry_auth_from_config(R"({"auths": []})", k_local),
                       "its 'auths' is not an object", std::invalid_argument);
  const std::string secret = "c2VjcmV0LXdpdGgtbm8tY29sb24";  // base64 of "secret-with-no-colon"
  try {
    containers::registry_auth_from_config(R"({"auths": {"localhost:5000": {"auth": ")" + secret + R"("}}})", k_local);
    FAIL("an auth without user:password was accepted");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    CHECK(what == "its entry for 'localhost:5000' has an 'auth' that is not base64 of user:password");
    CHECK(what.find(secret) == std::string::npos);
    CHECK(what.find("secret-with-no-colon") == std::string::npos);
  }
}

TEST_CASE("auth_files: REGISTRY_AUTH_FILE, podman's, then docker's, unset variables skipped") {
  std::map<std::string, std::string> env{{"HOME", "/home/u"}};
  auto getenv = [&](const char* n) -> const char* {
    const auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  CHECK(containers::auth_files(getenv) ==
        std::vector<std::filesystem::path>{"/home/u/.config/containers/auth.json", "/home/u/.docker/config.json"});
  env = {{"HOME", "/home/u"},
         {"REGISTRY_AUTH_FILE", "/a.json"},
         {"XDG_RUNTIME_DIR", "/run/user/1"},
         {"XDG_CONFIG_HOME", "/cfg"},
         {"DOCKER_CONFIG", "/dc"}};
  CHECK(containers::auth_files(getenv) ==
        std::vector<std::filesystem::path>{"/a.json", "/run/user/1/containers/auth.json", "/cfg/containers/auth.json",
                                           "/dc/config.json"});
  env.clear();
  CHECK(containers::auth_files(getenv).empty());
}

TEST_CASE("find_registry_auth: the first file with an entry, broken files are skipped with a warning") {
  test::TempDir tmp;
  tmp.write("broken.json", "{not json");
  tmp.write("run/containers/auth.json", R"({"auths": {"other:5000": {"auth": ")" + b64("o:o") + R"("}}})");
  tmp.write("home/.docker/config.json", R"({"auths": {"localhost:5000": {"auth": ")" + b64("docker:pw") + R"("}}})");
  std::map<std::string, std::string> env{{"REGISTRY_AUTH_FILE", (tmp.path() / "broken.json").string()},
                                         {"XDG_RUNTIME_DIR", (tmp.path() / "run").string()},
                                         {"HOME", (tmp.path() / "home").string()}};
  auto getenv = [&](const char* n) -> const char* {
    const auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  std::vector<std::string> warnings;
  const auto found = containers::find_registry_auth(k_local, getenv, &warnings);
  REQUIRE(found.has_value());
  CHECK(found->source == (tmp.path() / "home/.docker/config.json").string());
  CHECK(decoded(found->header).find(R"("username":"docker")") != std::string::npos);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] ==
        "skipped the registry auth file '" + (tmp.path() / "broken.json").string() + "': it is not a JSON object");
  // No file has an entry: none (the engine may still have credentials of its own).
  CHECK_FALSE(containers::find_registry_auth({"elsewhere.io", "x"}, getenv, nullptr).has_value());
}
