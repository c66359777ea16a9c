// SPDX-License-Identifier: BSD-3-Clause
// serve.torchserve and metrics.tensorboard.
#include "components.hpp"

#include <torchx/util/python_format.hpp>

namespace torchx::components {
namespace {

using plugin::ComponentArgs;
using specs::AppDef;

/// Python's str() of a JSON value given as a dict parameter value.
std::string python_str(const std::string& s) { return s; }

AppDef torchserve(const ComponentArgs& a) {
  specs::Role r;
  r.name = "worker";
  r.image = a.str("image");
  r.entrypoint = "python";
  r.args = {"-m", "torchx.apps.serve.serve", "--model_path", a.str("model_path"), "--management_api", a.str("management_api")};
  if (auto params = a.dict("params")) {
    for (const auto& [k, v] : *params) {
      r.args.push_back("--" + k);
      r.args.push_back(python_str(v));
    }
  }
  if (a.flag("dryrun")) r.args.emplace_back("--dryrun");
  r.port_map.set("model-download", 8222);
  r.resource.cpu = 1;
  r.resource.gpu = 0;
  r.resource.memMB = 1024;
  return AppDef{"torchx-torchserve", {r}, {}};
}

AppDef tensorboard(const ComponentArgs& a) {
  specs::Role r;
  r.name = "tensorboard";
  r.image = a.str("image");
  r.entrypoint = "python";
  r.args = {"-m",
            "torchx.apps.utils.process_monitor",
            "--timeout",
            util::python_float(a.number("timeout")),
            "--start_on_file",
            a.str("start_on_file"),
            "--exit_on_file",
            a.str("exit_on_file"),
            "--",
            "tensorboard",
            "--bind_all",
            "--port",
            std::to_string(a.integer("port")),
            "--logdir",
            a.str("logdir")};
  r.port_map.set("http", a.integer("port"));
  // No resource, as in TorchX: local and cluster schedulers accept the NULL resource.
  return AppDef{"tensorboard", {r}, {}};
}

}  // namespace

std::span<const Definition> serve_definitions() {
  static const Definition definitions[] = {[] {
    return plugin::Component{
        "serve.torchserve",
        "Deploys the provided model to the given torchserve management API endpoint. Needs a running TorchServe "
        "(not packaged for Debian 12): the app says so when the management API cannot be reached.",
        {{"model_path", "str", std::nullopt, "an fsspec path to the model archive file", "", false},
         {"management_api", "str", std::nullopt, "the URL to the root of the torchserve management API", "", false},
         {"image", "str", quoted(k_image), "container to use", "", false},
         {"params", "dict", "null", "configuration parameters for the model (e.g. initial_workers=1)", "", false},
         {"dryrun", "bool", "false", "whether to return without uploading and registering the model", "", false}},
        &torchserve};
  }};
  return definitions;
}

std::vector<plugin::Component> serve_components() { return make_all(serve_definitions()); }

std::span<const Definition> metrics_definitions() {
  static const Definition definitions[] = {[] {
    return plugin::Component{
        "metrics.tensorboard",
        "Launches a tensorboard server for the given log dir, until EXIT_ON_FILE exists or TIMEOUT passes. Needs "
        "`tensorboard` (not packaged for Debian 12): the app says so if it is missing.",
        {{"logdir", "str", std::nullopt, "fsspec path to the Tensorboard logs", "", false},
         {"image", "str", quoted(k_image), "image to use", "", false},
         {"timeout", "float", "3600", "maximum time to run before killing the process", "", false},
         {"port", "int", "6006", "port to run tensorboard on", "", false},
         {"start_on_file", "str", quoted(""), "start tensorboard only once this file exists", "", false},
         {"exit_on_file", "str", quoted(""), "exit once this file exists", "", false}},
        &tensorboard};
  }};
  return definitions;
}

std::vector<plugin::Component> metrics_components() { return make_all(metrics_definitions()); }

}  // namespace torchx::components
