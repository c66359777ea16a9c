// SPDX-License-Identifier: BSD-3-Clause
// What trackers record about runs (TorchX's `torchx.tracker.api`): artifacts, sources and lineage.
// Plain types shared by the host and the SDK; their JSON forms are in plugin-api/docs/payloads.md
// ("Trackers"). Metadata values are arbitrary JSON, so they travel as JSON text.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace torchx::specs {

/// TorchX's `TrackerArtifact(name, path, metadata)`.
struct TrackerArtifact {
  std::string name;
  std::string path;
  /// The artifact's metadata as JSON text: an object, or "null" for none (TorchX's None).
  std::string metadata_json{"null"};
};

/// TorchX's `TrackerSource(source_run_id, artifact_name)`: the run came from `source_run_id`,
/// through the artifact `artifact_name` (nullopt: the whole run, TorchX's None).
struct TrackerSource {
  std::string source_run_id;
  std::optional<std::string> artifact_name;
};

/// One link of a lineage: `run_id` is an ancestor (or descendant) of the queried run, reached
/// from `via_run_id`, its neighbour on the path towards the queried run (the queried run itself at
/// depth 1), through the artifact `artifact_name`.
struct LineageLink {
  std::string run_id;
  std::string via_run_id;
  std::optional<std::string> artifact_name;
  int depth = 1;
};

/// The lineage of a run: every ancestor and descendant link, nearest first (TorchX declares
/// `Lineage` but never implements it).
struct Lineage {
  std::vector<LineageLink> ancestors;
  std::vector<LineageLink> descendants;
};

}  // namespace torchx::specs
