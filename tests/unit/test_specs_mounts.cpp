// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/specs/errors.hpp>
#include <torchx/specs/mounts.hpp>

#include <doctest/doctest.h>

#include <cstdlib>

using namespace torchx::specs;

TEST_SUITE_BEGIN("specs");

TEST_CASE("specs::parse_mounts parses bind, volume and device mounts with aliases") {
  const auto mounts = parse_mounts({"type=bind", "src=/data", "dst=/mnt/data", "readonly", "type=volume", "source=pvc1",
                                    "target=/vol", "type=device", "src=/dev/fuse", "type=bind", "source=/a",
                                    "destination=/b", "read_only=false", "type=device", "src=/dev/x", "dst=/dev/y",
                                    "perm=rw"});
  REQUIRE(mounts.size() == 5);
  CHECK(std::get<BindMount>(mounts[0]) == BindMount{"/data", "/mnt/data", true});
  CHECK(std::get<VolumeMount>(mounts[1]) == VolumeMount{"pvc1", "/vol", false});
  CHECK(std::get<DeviceMount>(mounts[2]) == DeviceMount{"/dev/fuse", "/dev/fuse", "rwm"});
  CHECK(std::get<BindMount>(mounts[3]) == BindMount{"/a", "/b", false});
  CHECK(std::get<DeviceMount>(mounts[4]) == DeviceMount{"/dev/x", "/dev/y", "rw"});
  CHECK(std::string(mount_type_name(mounts[1])) == "volume");
}

TEST_CASE("specs::parse_mounts expands ~ in bind sources and skips empty tokens") {
  const char* home = std::getenv("HOME");
  REQUIRE(home != nullptr);
  const auto mounts = parse_mounts({"type=bind", "", "src=~/ckpt", "dst=/ckpt"});
  REQUIRE(mounts.size() == 1);
  CHECK(std::get<BindMount>(mounts[0]).src_path == std::string(home) + "/ckpt");
  CHECK(parse_mounts({}).empty());
}

TEST_CASE("specs::parse_mounts rejects malformed mounts naming the problem") {
  CHECK_THROWS_WITH_AS(parse_mounts({"src=/a", "type=bind"}),
                       "mount option 'src=/a' comes before 'type=': type must be specified first", MountParseError);
  CHECK_THROWS_WITH_AS(parse_mounts({"type=bind", "sorce=/a"}),
                       "unknown mount option 'sorce': must be one of type, destination, dst, target, read_only, readonly, "
                       "source, src, perm",
                       MountParseError);
  CHECK_THROWS_WITH_AS(parse_mounts({"type=bind", "dst=/b"}), "bind mount is missing 'src=...'", MountParseError);
  CHECK_THROWS_WITH_AS(parse_mounts({"type=volume", "src=v"}), "volume mount is missing 'dst=...'", MountParseError);
  CHECK_THROWS_WITH_AS(parse_mounts({"type=device"}), "device mount is missing 'src=...'", MountParseError);
  CHECK_THROWS_WITH_AS(parse_mounts({"type=device", "src=/dev/x", "perm=rwx"}),
                       "invalid device permissions 'rwx': each must be one of r, w, m", MountParseError);
  CHECK_THROWS_WITH_AS(parse_mounts({"type=foo"}), "invalid mount type 'foo': must be one of bind, volume, device",
                       MountParseError);
  CHECK_THROWS_WITH_AS(parse_mounts({"type"}), "invalid mount type '': must be one of bind, volume, device", MountParseError);
  CHECK_THROWS_WITH_AS(parse_mounts({"type=bind", "src=/a", "dst=/b", "readonly=perhaps"}),
                       "invalid mount option 'readonly=perhaps': expected true or false", MountParseError);
}

TEST_SUITE_END();
