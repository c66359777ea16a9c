// SPDX-License-Identifier: BSD-3-Clause
// Plugin::component(name, signature_json, make): a component given by its signature text (the
// builtins plugin's, generated at build time) is made only when the host first builds it.
#include <torchx/plugin.hpp>
#include <torchx/specs/json.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using torchx::plugin::Component;
using torchx::plugin::ComponentArgs;
using torchx::plugin::Plugin;

std::atomic<int> g_made{0};
std::atomic<int> g_failures_left{0};

torchx::specs::AppDef echo(const ComponentArgs& a) {
  torchx::specs::Role r;
  r.name = "echo";
  r.image = "img";
  r.entrypoint = "echo";
  r.args = {a.str("msg")};
  return torchx::specs::AppDef{"echo", {r}, {}};
}

Component make_echo(std::string_view name) {
  ++g_made;
  if (g_failures_left > 0) {
    --g_failures_left;
    throw std::runtime_error("cannot define '" + std::string(name) + "'");
  }
  return Component{
      std::string(name), "Echos a message.", {{"msg", "str", "\"hello\"", "message to echo", "", false}}, &echo};
}

void append(void* ctx, const char* data, size_t len) { static_cast<std::string*>(ctx)->append(data, len); }
void no_log(void*, tx_log_level, const char*) {}

/// Negotiates `plugin` as the host does; returns the plugin's answer.
tx_plugin_info negotiate(Plugin& plugin, std::string& error) {
  tx_host_info host{};
  host.struct_size = sizeof host;
  host.min_abi = 1;
  host.max_abi = 1;
  host.host_version = "0.1.0";
  host.error = tx_sink{&error, &append};
  host.log = &no_log;
  tx_plugin_info info{};
  info.struct_size = sizeof info;
  REQUIRE(plugin.negotiate(&host, &info) == TX_OK);
  return info;
}

/// Builds component `api` with msg=`msg`: the status, and the output or error text.
std::pair<tx_status, std::string> build(const tx_component_api* api, const std::string& msg) {
  std::string out;
  std::string err;
  const tx_sink out_sink{&out, &append};
  const tx_sink err_sink{&err, &append};
  const std::string args = R"({"args":{"msg":")" + msg + R"("},"varargs":[]})";
  const tx_status st = api->build(api, args.c_str(), &out_sink, &err_sink);
  return {st, st == TX_OK ? out : err};
}

}  // namespace

TEST_CASE(
    "Plugin::component with a signature text hands it out at negotiate and makes the component at its first build "
    "only") {
  g_made = 0;
  g_failures_left = 0;
  const std::string signature = torchx::plugin::detail::component_signature_json(make_echo("lazy.echo"));
  g_made = 0;
  Plugin plugin("p", "1.0.0");
  plugin.component("lazy.echo", signature.c_str(), &make_echo);
  plugin.component(make_echo("eager.echo"));
  g_made = 0;
  std::string error;
  const tx_plugin_info info = negotiate(plugin, error);
  CHECK(g_made == 0);
  REQUIRE(info.num_components == 2);
  CHECK(std::string(info.components[0]->name) == "lazy.echo");
  CHECK(info.components[0]->signature_json == signature.c_str());  // as given, not copied
  CHECK(info.components[0]->struct_size == sizeof(tx_component_api));
  CHECK(std::string(info.components[1]->name) == "eager.echo");
  CHECK(std::string(info.components[1]->signature_json) ==
        torchx::plugin::detail::component_signature_json(make_echo("eager.echo")));
  g_made = 0;

  const auto first = build(info.components[0], "one");
  REQUIRE(first.first == TX_OK);
  CHECK(torchx::specs::app_def_from_json(first.second).roles.at(0).args == std::vector<std::string>{"one"});
  CHECK(g_made == 1);
  const auto second = build(info.components[0], "two");
  REQUIRE(second.first == TX_OK);
  CHECK(torchx::specs::app_def_from_json(second.second).roles.at(0).args == std::vector<std::string>{"two"});
  CHECK(g_made == 1);  // made once
  // Negotiating again (the host never does, but the plugin allows it) makes nothing either.
  negotiate(plugin, error);
  CHECK(g_made == 1);
}

TEST_CASE("Plugin::component with a signature text: concurrent first builds make the component once") {
  g_made = 0;
  g_failures_left = 0;
  Plugin plugin("p", "1.0.0");
  plugin.component("lazy.echo", "{\"doc\":\"\",\"args\":[]}", &make_echo);
  std::string error;
  const tx_plugin_info info = negotiate(plugin, error);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      if (build(info.components[0], std::to_string(i)).first == TX_OK) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 8);
  CHECK(g_made == 1);
}

TEST_CASE(
    "Plugin::component with a signature text: a make that throws fails that build, and the next build tries again") {
  g_made = 0;
  g_failures_left = 1;
  Plugin plugin("p", "1.0.0");
  plugin.component("lazy.echo", "{\"doc\":\"\",\"args\":[]}", &make_echo);
  std::string error;
  const tx_plugin_info info = negotiate(plugin, error);
  const auto failed = build(info.components[0], "x");
  CHECK(failed.first == TX_E_INTERNAL);
  CHECK(failed.second == "cannot define 'lazy.echo'");
  const auto again = build(info.components[0], "x");
  CHECK(again.first == TX_OK);
  CHECK(g_made == 2);
}
