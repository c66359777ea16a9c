// SPDX-License-Identifier: BSD-3-Clause
// A tar archive of workspace files, as an image build's context (the Docker Engine's
// POST /build; later Kubernetes' image builds). Part of the SDK (DESIGN §11).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace torchx::util {

/// A POSIX (ustar, with pax headers for paths longer than ustar holds) archive of `files`
/// (relative '/'-separated paths under `root`, e.g. from workspace_files) followed by `extra`
/// (path, content) entries written as mode 0644. Reproducible: the same files, contents and
/// permission bits give the same bytes (mtime 0, uid/gid 0, no user names), so the archive can
/// name an image by its content. Throws std::filesystem::filesystem_error when a file cannot
/// be read.
std::string tar_files(const std::filesystem::path& root, const std::vector<std::string>& files,
                      const std::vector<std::pair<std::string, std::string>>& extra = {});

}  // namespace torchx::util
