// SPDX-License-Identifier: BSD-3-Clause
// YAML component files (runner::ComponentFile), through the path `torchx run file.yaml` takes:
// load (ComponentFileError, ComponentNotFoundError), the signature it declares read back
// (parse_signature must take it), a build request for its required arguments (build_request:
// ComponentArgsError), the AppDef JSON built from it (ComponentFileError) and decoded
// (JsonDecodeError for values of the wrong type). The input is written to a file per run.
#include "fuzz_check.hpp"

#include "component_args.hpp"
#include "component_file.hpp"
#include "errors.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>

namespace {

using namespace torchx;

std::filesystem::path scratch_file() {
  static const auto path =
      std::filesystem::temp_directory_path() / ("torchx-fuzz-component-" + std::to_string(::getpid()) + ".yaml");
  return path;
}

/// A command-line value of `type` for a required argument.
std::string value_of(const std::string& type) {
  if (type == "bool") return "true";
  if (type == "dict") return "k=v";
  return "1";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = scratch_file();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  std::optional<runner::ComponentFile> component;
  try {
    component = runner::ComponentFile::load(path, "");
  } catch (const runner::ComponentFileError&) {
    return 0;
  } catch (const runner::ComponentNotFoundError&) {
    return 0;
  }
  const auto signature = runner::parse_signature(component->signature_json());  // ours: must read back
  FUZZ_CHECK(signature.args.size() == component->signature().args.size());

  std::vector<std::string> args;
  for (const auto& arg : signature.args) {
    if (arg.required && !arg.varargs) {
      args.push_back("--" + arg.name);
      args.push_back(value_of(arg.type));
    }
  }
  std::string request;
  try {
    request = runner::build_request(component->name(), signature, args);
  } catch (const runner::ComponentArgsError&) {
    return 0;
  }
  std::string app_json;
  try {
    app_json = component->build(request, [](const std::string&) { return specs::Resource{}; });
  } catch (const runner::ComponentFileError&) {
    return 0;
  }
  try {
    (void)specs::app_def_from_json(app_json);
  } catch (const specs::JsonDecodeError&) {
  }
  return 0;
}
