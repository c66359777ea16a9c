// SPDX-License-Identifier: BSD-3-Clause
// Mounts: bind mounts, volumes and devices a role asks for, and the CLI's mount syntax.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace torchx::specs {

/// A host path bind-mounted into the job (TorchX `BindMount`).
struct BindMount {
  std::string src_path;
  std::string dst_path;
  bool read_only = false;
  friend bool operator==(const BindMount&, const BindMount&) = default;
};

/// A named volume (a Kubernetes PVC claim, an EFS id) mounted into the job (TorchX `VolumeMount`).
struct VolumeMount {
  std::string src;
  std::string dst_path;
  bool read_only = false;
  friend bool operator==(const VolumeMount&, const VolumeMount&) = default;
};

/// A host device made visible in the job (TorchX `DeviceMount`); permissions are from "rwm".
struct DeviceMount {
  std::string src_path;
  std::string dst_path;
  std::string permissions = "rwm";
  friend bool operator==(const DeviceMount&, const DeviceMount&) = default;
};

/// One mount; its JSON form carries `"type": "bind" | "volume" | "device"`.
using Mount = std::variant<BindMount, VolumeMount, DeviceMount>;

/// The mount type name TorchX uses: "bind", "volume" or "device".
const char* mount_type_name(const Mount& mount);

/// Parses the CLI's mount tokens (TorchX `parse_mounts`): the tokens of
/// `--mounts type=bind,src=/a,dst=/b,readonly,type=device,src=/dev/fuse` split on ','.
///
/// `type=` starts a new mount. Key aliases: `destination|dst|target`, `source|src`,
/// `read_only|readonly`, `perm`. A bind source starting with `~` is expanded with $HOME. Empty
/// tokens are skipped. `readonly` alone or `readonly=true|1|yes` is true, `readonly=false|0|no`
/// is false (TorchX treated any `readonly=...` as true). Throws MountParseError naming the token.
std::vector<Mount> parse_mounts(const std::vector<std::string>& tokens);

}  // namespace torchx::specs
