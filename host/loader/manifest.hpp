// SPDX-License-Identifier: BSD-3-Clause
// Manifests as the loader names them: the plugin API's reader (torchx/manifest.hpp).
#pragma once

#include <torchx/manifest.hpp>

namespace torchx::loader {

using manifests::CommandDecl;
using manifests::Manifest;
using manifests::ManifestError;
using manifests::parse_manifest;
using manifests::parse_manifest_text;
using manifests::Provides;

}  // namespace torchx::loader
