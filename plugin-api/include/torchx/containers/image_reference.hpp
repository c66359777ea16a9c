// SPDX-License-Identifier: BSD-3-Clause
// Image names as the Docker distribution grammar reads them (`[domain[:port]/]path[:tag]`), so
// that a user's image_repo is refused with one line before anything talks to an engine or a
// registry. Hand-written scanners (no std::regex on user text): linear in the input, whatever it is.
// Part of the SDK's containers library (`torchx::containers`). Includes no Boost.
#pragma once

#include <string>
#include <string_view>

namespace torchx::containers {

/// A repository: where images are pushed (`image_repo`), without a tag or a digest.
struct ImageRepository {
  std::string domain;  ///< "registry.example.com:5000", "localhost:5000"; "" when none is named (Docker Hub)
  std::string path;    ///< "team/app": lowercase components separated by '/'
  /// The registry that holds it: `domain`, or "docker.io" when none is named.
  [[nodiscard]] std::string registry() const { return domain.empty() ? "docker.io" : domain; }
  /// As written: `domain/path`, or `path`.
  [[nodiscard]] std::string str() const { return domain.empty() ? path : domain + "/" + path; }
};

/// Reads a repository reference such as `registry.example.com:5000/team/app`: an optional domain
/// (the first component when it holds a '.' or a ':', or is `localhost`), then path components of
/// `[a-z0-9]` runs joined by `.`, `_`, `__` or dashes; at most 255 characters. Throws
/// std::invalid_argument with one line saying what is wrong (a tag, a digest, a URL scheme, an
/// uppercase letter, an empty component, ...); the text is quoted with control characters shown
/// as '?' and cut at 100 characters.
ImageRepository parse_repository(std::string_view text);

/// `<repository>:<tag>` (tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`), as push targets are named.
struct ImageName {
  ImageRepository repository;
  std::string tag;
  [[nodiscard]] std::string str() const { return repository.str() + ":" + tag; }
};

/// Reads `repository:tag` (the tag required; a digest refused). Throws std::invalid_argument as
/// parse_repository does.
ImageName parse_image_name(std::string_view text);

/// `text` fit for a one-line message: control characters as '?', at most `max` characters then "...".
std::string printable(std::string_view text, std::size_t max = 100);

}  // namespace torchx::containers
