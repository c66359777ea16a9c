// SPDX-License-Identifier: BSD-3-Clause
#include <torchx/containers/image_reference.hpp>

#include <stdexcept>

namespace torchx::containers {

namespace {

constexpr std::size_t k_max_name = 255;
constexpr std::size_t k_max_tag = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

[[noreturn]] void refuse(std::string_view text, const std::string& why) {
  throw std::invalid_argument("'" + printable(text) + "' " + why);
}

/// A path component: alphanumeric runs joined by one separator ('.', '_', "__" or dashes).
/// "" when fine, else why not.
std::string path_component_problem(std::string_view c) {
  if (c.empty()) return "has an empty path component";
  for (const char ch : c) {
    if (ch >= 'A' && ch <= 'Z') {
      return "has an uppercase letter in its path ('" + printable(c, 40) + "'): repositories are lowercase";
    }
    if (!is_lower_alnum(ch) && ch != '.' && ch != '_' && ch != '-') {
      return "has a character a repository cannot hold ('" + printable(std::string_view(&ch, 1)) + "' in '" +
             printable(c, 40) + "')";
    }
  }
  if (!is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) {
    return "has a path component ('" + printable(c, 40) +
           "') that does not start and end with a lowercase letter or a digit";
  }
  for (std::size_t i = 0; i < c.size();) {
    if (is_lower_alnum(c[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    if (c[i] == '-') {
      while (j < c.size() && c[j] == '-') ++j;
    } else if (c[i] == '_') {
      j = i + 1;
      if (j < c.size() && c[j] == '_') ++j;
    } else {  // '.', the only character left after the scan above
      j = i + 1;
    }
    if (j >= c.size() || !is_lower_alnum(c[j])) {
      return "has separators in a row in a path component ('" + printable(c, 40) + "')";
    }
    i = j;
  }
  return {};
}

/// A domain: labels of [A-Za-z0-9-] (not starting or ending with '-') joined by '.', then an
/// optional ":port" (1-65535). "" when fine, else why not.
std::string domain_problem(std::string_view d) {
  std::string_view host = d, port;
  if (const auto colon = d.find(':'); colon != std::string_view::npos) {
    host = d.substr(0, colon);
    port = d.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535) {
      return "has a registry port that is not a number from 1 to 65535 ('" + printable(d, 60) + "')";
    }
  }
  if (host.empty()) return "has an empty registry host";
  std::size_t start = 0;
  while (true) {
    const auto dot = host.find('.', start);
    const std::string_view label =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') {
      return "has a registry host that is not a DNS name ('" + printable(host, 60) + "')";
    }
    for (const char c : label) {
      if (!is_alnum(c) && c != '-') {
        return "has a registry host that is not a DNS name ('" + printable(host, 60) + "')";
      }
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return {};
}

}  // namespace

std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  for (const char c : text.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  if (text.size() > max) out += "...";
  return out;
}

ImageRepository parse_repository(std::string_view text) {
  if (text.empty()) throw std::invalid_argument("'' is empty: name a repository such as registry.example.com/team/app");
  if (text.size() > k_max_name) {
    refuse(text, "is longer than " + std::to_string(k_max_name) + " characters (" + std::to_string(text.size()) + ")");
  }
  if (text.find("://") != std::string_view::npos) {
    refuse(text, "is a URL: name the repository without a scheme, e.g. registry.example.com:5000/team/app");
  }
  if (text.find('@') != std::string_view::npos) refuse(text, "has a digest ('@'): name the repository alone");
  ImageRepository repo;
  std::string_view rest = text;
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    const std::string_view first = text.substr(0, slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
        first.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos) {
      if (auto why = domain_problem(first); !why.empty()) refuse(text, why);
      repo.domain = std::string(first);
      rest = text.substr(slash + 1);
    }
  }
  if (rest.find(':') != std::string_view::npos) {
    refuse(text, "has a tag (':'): name the repository alone; torchx tags each image by its content");
  }
  if (rest.empty()) refuse(text, "names a registry but no repository in it");
  std::size_t start = 0;
  while (true) {
    const auto slash = rest.find('/', start);
    const auto component = rest.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (auto why = path_component_problem(component); !why.empty()) refuse(text, why);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  repo.path = std::string(rest);
  return repo;
}

ImageName parse_image_name(std::string_view text) {
  const auto slash = text.rfind('/');
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash)) {
    refuse(text, "has no tag (expected repository:tag)");
  }
  const std::string_view tag = text.substr(colon + 1);
  if (tag.empty() || tag.size() > k_max_tag || !(is_alnum(tag.front()) || tag.front() == '_') ||
      tag.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
          std::string_view::npos) {
    refuse(text, "has a tag that is not 1-128 of [A-Za-z0-9_.-] starting with a letter, a digit or '_'");
  }
  ImageName name{parse_repository(text.substr(0, colon)), std::string(tag)};
  return name;
}

}  // namespace torchx::containers
