// SPDX-License-Identifier: BSD-3-Clause
// A test tool (not shipped) over the kubernetes plugin's renderer, for the tests that need another
// program to read what it writes: PyYAML (tests/python/test_k8s_yaml.py) and the schema check
// (tests/k8s/validate.mjs).
//   torchx_k8s_render_tool yaml [--documents] < value.json      to_yaml(value)
//   torchx_k8s_render_tool render --kind volcano|batch --name NAME [--namespace NS] [--queue Q]
//       [--service-account SA] [--priority-class PC] [--version V] [--json] < appdef.json
//                                                              to_yaml(render(app), documents)
//                                                              (--json: the objects as JSON)
// Errors: one line on stderr, exit 1 (bad input) or 2 (bad usage).
#include "k8s_render.hpp"

#include <torchx/specs/json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <exception>
#include <iostream>
#include <iterator>
#include <map>
#include <string>

namespace {

int usage(const std::string& why) {
  std::cerr << "torchx_k8s_render_tool: " << why
            << " (usage: yaml [--documents] | render --kind volcano|batch --name NAME [--namespace NS] [--queue Q]"
               " [--service-account SA] [--priority-class PC] [--version V] [--json]; input on stdin)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("no command");
  const std::string command = argv[1];
  std::map<std::string, std::string> options;
  bool documents = false;
  bool as_json = false;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--documents") {
      documents = true;
    } else if (arg == "--json") {
      as_json = true;
    } else if (arg.starts_with("--") && i + 1 < argc) {
      options[arg.substr(2)] = argv[++i];
    } else {
      return usage("unexpected argument '" + arg + "'");
    }
  }
  const std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  try {
    if (command == "yaml") {
      std::cout << torchx::k8s::to_yaml(boost::json::parse(input), documents);
      return 0;
    }
    if (command != "render") return usage("unknown command '" + command + "'");
    torchx::k8s::RenderOptions ro;
    const std::string kind = options.count("kind") ? options["kind"] : "volcano";
    if (kind == "batch")
      ro.kind = torchx::k8s::JobKind::batch;
    else if (kind != "volcano")
      return usage("unknown kind '" + kind + "'");
    ro.name = options["name"];
    if (options.count("namespace")) ro.namespace_ = options["namespace"];
    ro.queue = options["queue"];
    ro.service_account = options["service-account"];
    ro.priority_class = options["priority-class"];
    ro.version = options.count("version") ? options["version"] : "0.1.0";
    const auto app = torchx::specs::app_def_from_json(input);
    const auto objects = torchx::k8s::render(app, ro);
    if (as_json)
      std::cout << boost::json::serialize(objects) << "\n";
    else
      std::cout << torchx::k8s::to_yaml(objects, /*as_documents=*/true);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "torchx_k8s_render_tool: error: " << e.what() << "\n";
    return 1;
  }
}
