// SPDX-License-Identifier: BSD-3-Clause
// AppStatus::format over hostile text: the message, the app's and a replica's structured error
// (torchelastic's error.json, with its timestamp and exit code) and the names, taken from the
// input's NUL-separated fields. format never throws, shows the state and only the filtered roles;
// with UTF-8 text the status survives a JSON round trip.
#include "fuzz_check.hpp"

#include <torchx/specs/app_status.hpp>
#include <torchx/specs/json.hpp>
#include <torchx/util/input_checks.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace torchx::specs;
  const auto input = torchx::fuzz::text(data, size);
  auto f = torchx::fuzz::split(input, '\0');
  f.resize(6);
  AppStatus status;
  status.state = static_cast<AppState>(size % 8);
  status.num_restarts = static_cast<int>(size % 3);
  status.msg = f[0];
  status.structured_error_msg = f[1];
  if (!f[5].empty()) status.ui_url = f[5];
  const std::string& role = f[4];
  ReplicaStatus first{0, ReplicaState::FAILED, role, f[3], f[2]};
  ReplicaStatus second{1, ReplicaState::RUNNING, role, f[3], std::string(k_none)};
  status.roles.push_back({role, {second, first}});
  status.roles.push_back({"other", {ReplicaStatus{0, ReplicaState::SUCCEEDED, "other", "h", std::string(k_none)}}});

  const std::string all = status.format();
  FUZZ_CHECK(all.rfind("AppStatus:\n", 0) == 0);
  FUZZ_CHECK(all.find(std::string("State: ") + to_string(status.state)) != std::string::npos);
  const std::string filtered = status.format({"other"});
  FUZZ_CHECK(filtered.rfind("AppStatus:\n", 0) == 0);

  if (torchx::util::is_valid_utf8(input)) {
    const std::string json = to_json(status);
    FUZZ_CHECK(app_status_from_json(json) == status);
  }
  return 0;
}
