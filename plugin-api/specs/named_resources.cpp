// SPDX-License-Identifier: BSD-3-Clause
// The built-in named resources: TorchX's generic and AWS tables.
#include <torchx/specs/errors.hpp>
#include <torchx/specs/named_resources.hpp>
#include <torchx/util/suggest.hpp>

#include <array>

namespace torchx::specs {
namespace {

constexpr int k_gib = 1024;
/// AWS entries leave 4% for the ECS/EC2 memory tax: int(1024 * 0.96).
constexpr int k_aws_gib = 983;

struct Entry {
  std::string_view name;
  int cpu;
  int gpu;
  int mem_gib;  ///< in GiB of the table (1024 MiB generic, 983 MiB AWS)
  int efa;
  int neuron;
};

constexpr std::array k_generic = {
    Entry{"gpu.small", 8, 1, 32, 0, 0},   Entry{"gpu.medium", 16, 2, 64, 0, 0}, Entry{"gpu.large", 32, 4, 128, 0, 0},
    Entry{"gpu.xlarge", 64, 8, 256, 0, 0}, Entry{"cpu.nano", 1, 0, 0, 0, 0},     Entry{"cpu.micro", 1, 0, 1, 0, 0},
    Entry{"cpu.small", 1, 0, 2, 0, 0},    Entry{"cpu.medium", 2, 0, 4, 0, 0},   Entry{"cpu.large", 2, 0, 8, 0, 0},
    Entry{"cpu.xlarge", 8, 0, 32, 0, 0},
};

// Name without the "aws_" prefix = the instance type; in TorchX's order.
constexpr std::array k_aws = {
    Entry{"t3.medium", 2, 0, 4, 0, 0},          Entry{"m5.2xlarge", 8, 0, 32, 0, 0},
    Entry{"c5.18xlarge", 72, 0, 142, 0, 0},     Entry{"p3.2xlarge", 8, 1, 61, 0, 0},
    Entry{"p3.8xlarge", 32, 4, 244, 0, 0},      Entry{"p3.16xlarge", 64, 8, 488, 0, 0},
    Entry{"p3dn.24xlarge", 96, 8, 768, 1, 0},   Entry{"p4d.24xlarge", 96, 8, 1152, 4, 0},
    Entry{"p4de.24xlarge", 96, 8, 1152, 4, 0},  Entry{"p5.48xlarge", 192, 8, 2048, 32, 0},
    Entry{"p5en.48xlarge", 192, 8, 2048, 16, 0}, Entry{"g4dn.xlarge", 4, 1, 16, 0, 0},
    Entry{"g4dn.2xlarge", 8, 1, 32, 0, 0},      Entry{"g4dn.4xlarge", 16, 1, 64, 0, 0},
    Entry{"g4dn.8xlarge", 32, 1, 128, 1, 0},    Entry{"g4dn.16xlarge", 64, 1, 256, 1, 0},
    Entry{"g4dn.12xlarge", 48, 4, 192, 1, 0},   Entry{"g4dn.metal", 96, 8, 384, 1, 0},
    Entry{"g5.xlarge", 4, 1, 16, 0, 0},         Entry{"g5.2xlarge", 8, 1, 32, 0, 0},
    Entry{"g5.4xlarge", 16, 1, 64, 0, 0},       Entry{"g5.8xlarge", 32, 1, 128, 1, 0},
    Entry{"g5.16xlarge", 64, 1, 256, 1, 0},     Entry{"g5.12xlarge", 48, 4, 192, 1, 0},
    Entry{"g5.24xlarge", 96, 4, 384, 1, 0},     Entry{"g5.48xlarge", 192, 8, 768, 1, 0},
    Entry{"g6e.xlarge", 4, 1, 32, 0, 0},        Entry{"g6e.2xlarge", 8, 1, 64, 0, 0},
    Entry{"g6e.4xlarge", 16, 1, 128, 0, 0},     Entry{"g6e.8xlarge", 32, 1, 256, 0, 0},
    Entry{"g6e.16xlarge", 64, 1, 512, 0, 0},    Entry{"g6e.12xlarge", 48, 4, 384, 0, 0},
    Entry{"g6e.24xlarge", 96, 4, 768, 2, 0},    Entry{"g6e.48xlarge", 192, 8, 1536, 4, 0},
    Entry{"trn1.2xlarge", 8, 0, 32, 0, 1},      Entry{"trn1.32xlarge", 128, 0, 512, 8, 16},
    Entry{"inf2.xlarge", 4, 0, 16, 0, 1},       Entry{"inf2.8xlarge", 32, 0, 128, 0, 1},
    Entry{"inf2.24xlarge", 96, 0, 384, 0, 6},   Entry{"inf2.48xlarge", 192, 0, 768, 0, 12},
};

constexpr std::string_view k_aws_prefix = "aws_";

}  // namespace

std::vector<std::string> builtin_named_resource_names() {
  std::vector<std::string> names;
  for (const auto& e : k_generic) names.emplace_back(e.name);
  for (const auto& e : k_aws) names.push_back(std::string(k_aws_prefix) + std::string(e.name));
  names.emplace_back("NULL");
  names.emplace_back("MISSING");
  return names;
}

Resource builtin_named_resource(std::string_view name) {
  if (name == "NULL" || name == "MISSING") return Resource::null();
  for (const auto& e : k_generic) {
    if (e.name == name) {
      Resource r;
      r.cpu = e.cpu;
      r.gpu = e.gpu;
      // cpu.nano is half a GiB.
      r.memMB = e.mem_gib == 0 ? k_gib / 2 : e.mem_gib * k_gib;
      return r;
    }
  }
  if (name.starts_with(k_aws_prefix)) {
    const std::string_view itype = name.substr(k_aws_prefix.size());
    for (const auto& e : k_aws) {
      if (e.name != itype) continue;
      Resource r;
      r.cpu = e.cpu;
      r.gpu = e.gpu;
      r.memMB = e.mem_gib * k_aws_gib;
      r.capabilities.set(k_instance_type_capability, JsonText::string(itype));
      if (e.efa > 0) r.devices.set(k_efa_device, e.efa);
      if (e.neuron > 0) r.devices.set(k_neuron_device, e.neuron);
      return r;
    }
  }
  throw UnknownNamedResourceError("no named resource '" + std::string(name) + "'" +
                                  util::did_you_mean(name, builtin_named_resource_names()));
}

}  // namespace torchx::specs
