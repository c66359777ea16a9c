// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/errors.hpp>
#include <torchx/specs/named_resources.hpp>

#include <doctest/doctest.h>

using namespace torchx::specs;

TEST_SUITE_BEGIN("specs");

TEST_CASE("specs::builtin_named_resource has TorchX's generic table") {
  struct Row {
    const char* name;
    int cpu, gpu, mem;
  };
  for (const Row& row : {Row{"gpu.small", 8, 1, 32768}, Row{"gpu.medium", 16, 2, 65536}, Row{"gpu.large", 32, 4, 131072},
                         Row{"gpu.xlarge", 64, 8, 262144}, Row{"cpu.nano", 1, 0, 512}, Row{"cpu.micro", 1, 0, 1024},
                         Row{"cpu.small", 1, 0, 2048}, Row{"cpu.medium", 2, 0, 4096}, Row{"cpu.large", 2, 0, 8192},
                         Row{"cpu.xlarge", 8, 0, 32768}}) {
    CAPTURE(row.name);
    const Resource r = builtin_named_resource(row.name);
    CHECK(r.cpu == row.cpu);
    CHECK(r.gpu == row.gpu);
    CHECK(r.memMB == row.mem);
    CHECK(r.capabilities.empty());
    CHECK(r.devices.empty());
  }
}

TEST_CASE("specs::builtin_named_resource has TorchX's AWS table with the memory tax") {
  const Resource p4d = builtin_named_resource("aws_p4d.24xlarge");
  CHECK(p4d.cpu == 96);
  CHECK(p4d.gpu == 8);
  CHECK(p4d.memMB == 1132416);
  CHECK(p4d.capabilities.get(k_instance_type_capability)->as_string() == "p4d.24xlarge");
  CHECK(*p4d.devices.get(k_efa_device) == 4);

  const Resource trn = builtin_named_resource("aws_trn1.32xlarge");
  CHECK(trn.memMB == 503296);
  CHECK(*trn.devices.get(k_efa_device) == 8);
  CHECK(*trn.devices.get(k_neuron_device) == 16);

  CHECK(builtin_named_resource("aws_t3.medium").memMB == 3932);
  CHECK(builtin_named_resource("aws_c5.18xlarge").memMB == 139586);
  CHECK(builtin_named_resource("aws_g6e.48xlarge").memMB == 1509888);
  CHECK(builtin_named_resource("aws_p5.48xlarge").devices.get(k_efa_device) != nullptr);
  CHECK(builtin_named_resource("aws_g5.xlarge").devices.empty());
}

TEST_CASE("specs::builtin_named_resource_names lists 10 generic, 40 AWS, NULL and MISSING") {
  const auto names = builtin_named_resource_names();
  CHECK(names.size() == 52);
  CHECK(names.front() == "gpu.small");
  CHECK(names[10] == "aws_t3.medium");
  CHECK(names.back() == "MISSING");
  for (const auto& n : names) CHECK_NOTHROW((void)builtin_named_resource(n));
  CHECK(builtin_named_resource("NULL").is_null());
  CHECK(builtin_named_resource("MISSING") == Resource::null());
}

TEST_CASE("specs::builtin_named_resource suggests the closest name") {
  CHECK_THROWS_WITH_AS(builtin_named_resource("gpu.smal"), "no named resource 'gpu.smal': did you mean 'gpu.small'?",
                       UnknownNamedResourceError);
  CHECK_THROWS_WITH_AS(builtin_named_resource("zzzzzz"), "no named resource 'zzzzzz'", UnknownNamedResourceError);
  CHECK_THROWS_AS(builtin_named_resource("aws_"), UnknownNamedResourceError);
}

TEST_CASE("specs::make_resource uses TorchX's defaults, or the named resource") {
  const Resource d = make_resource(std::nullopt, std::nullopt, std::nullopt, std::nullopt);
  CHECK((d.cpu == 2 && d.gpu == 0 && d.memMB == 1024));
  const Resource zero = make_resource(0, 0, 0, std::nullopt);  // TorchX turned 0 into the default
  CHECK((zero.cpu == 0 && zero.memMB == 0));
  const Resource named = make_resource(99, 99, 99, std::string("gpu.small"));
  CHECK(named == builtin_named_resource("gpu.small"));
}

TEST_SUITE_END();
