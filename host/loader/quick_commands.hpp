// SPDX-License-Identifier: BSD-3-Clause
// The plugins' commands as `torchx --help` lists them, from the discovery cache without building
// a registry (bench/README.md, "`--help` and `plugins` at the floor").
#pragma once

#include "registry.hpp"

#include <optional>
#include <string>
#include <vector>

namespace torchx::loader {

/// A command (CLI verb) in use, as `torchx --help` lists it.
struct CommandLine {
  std::string verb;
  std::string description;
  std::string plugin;  ///< the name of the plugin providing it
  bool operator==(const CommandLine&) const = default;
};

/// The commands in use, exactly as `Registry::discover(options).commands()` gives them (verb,
/// description, the plugin's name, in that order), found the quick way: the same search path,
/// listing, trust checks, shadowing and TORCHX_PLUGINS_DISABLE (the same functions), but each
/// manifest's few fields read from the discovery cache (ManifestCache::find_summary) and no
/// registry built.
///
/// nullopt whenever the quick way cannot answer for discover, which must then be asked: no
/// cache root; a plugin directory's cache file absent, not trusted, not whole, or holding an entry
/// for a file no longer there (discover rewrites it); a manifest not in it (new or changed since,
/// or a symlink, which is never cached); or anything discover would warn about (an untrusted
/// directory, manifest or library, an invalid manifest, a command that is a reserved verb or
/// provided twice, a Python component that a plugin's component hides). So it never answers
/// from a stale cache, and never hides a warning. It writes nothing (discover keeps the cache)
/// and notes nothing, so it is for callers that do not debug (`options.debug` empty, no debug
/// logging); the site policy plays no part in the answer and is not read. Not thread-safe (as
/// discover). Throws std::bad_alloc only.
std::optional<std::vector<CommandLine>> quick_commands(const RegistryOptions& options);

}  // namespace torchx::loader
