// SPDX-License-Identifier: BSD-3-Clause
// Endpoint::parse and url(): unix sockets, http:// and https:// URLs. Everything is checked
// here, so that no later step sees a host, port or path a request line could be broken with.
#include <torchx/http/client.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>

namespace torchx::http {

namespace {

constexpr std::string_view supported =
    "expected unix:///path/to.sock, /path/to.sock, http://host[:port][/prefix] or https://host[:port][/prefix]";

/// `s` quoted for a one-line message: control bytes escaped, cut after 200 characters.
std::string quoted(std::string_view s) {
  std::string out = "'";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 200) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(s[i]);
    }
  }
  return out + "'";
}

[[noreturn]] void bad(std::string_view url, const std::string& why) {
  throw std::invalid_argument("unsupported endpoint " + quoted(url) + ": " + why);
}

bool is_ipv4(const std::string& s) {
  in_addr a{};
  return ::inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& s) {
  in6_addr a{};
  return ::inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

/// A DNS name as a resolver takes it: labels of letters, digits, '-' and '_', 1-63 bytes, <= 253 in all.
bool is_dns_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  if (s.back() == '.') s.remove_suffix(1);  // a fully qualified name
  std::size_t label = 0;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (std::isalnum(c) != 0 || c == '-' || c == '_') {
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  return label > 0;
}

/// A path prefix: printable ASCII without space, '?', '#' or '\\'.
bool is_path(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c > 0x20 && c < 0x7f && c != '?' && c != '#' && c != '\\';
  });
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

Endpoint parse_tcp(std::string_view url, std::string scheme, std::string_view rest) {
  Endpoint e;
  e.scheme = std::move(scheme);
  e.port = e.scheme == "https" ? 443 : 80;
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  // Refused without echoing the URL: what precedes '@' is a user name and maybe a password.
  if (authority.find('@') != std::string_view::npos) {
    throw std::invalid_argument("unsupported endpoint: user information ('user:password@') in a " + e.scheme +
                                " URL is refused; give credentials as a token or a client certificate");
  }
  if (authority.find_first_of("?#") != std::string_view::npos || path.find_first_of("?#") != std::string_view::npos) {
    bad(url, "a query or fragment is not allowed (" + std::string(supported) + ")");
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) bad(url, "an IPv6 address needs its closing ']'");
    host = authority.substr(1, close - 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad(url, "expected ':port' after ']'");
      port = after.substr(1);
      if (port.empty()) bad(url, "an empty port after ':'");
    }
    if (!is_ipv6(std::string(host))) bad(url, "'[...]' holds no IPv6 address");
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) bad(url, "an empty port after ':'");
    }
    if (host.empty()) bad(url, "no host (" + std::string(supported) + ")");
    if (host.find(':') != std::string_view::npos) bad(url, "an IPv6 address must be written in brackets, e.g. https://[::1]:6443");
    if (!is_ipv4(std::string(host)) && !is_dns_name(host)) bad(url, "the host is neither a DNS name nor an IP address");
  }
  if (!port.empty()) {
    unsigned long n = 0;
    for (const char c : port) {
      if (c < '0' || c > '9') bad(url, "the port is not a number");
      n = n * 10 + static_cast<unsigned long>(c - '0');
      if (n > 65535) bad(url, "the port is out of range (1-65535)");
    }
    if (n == 0) bad(url, "the port is out of range (1-65535)");
    e.port = static_cast<unsigned short>(n);
  }
  if (!is_path(path)) bad(url, "the path prefix holds a space, a control character or '\\'");
  std::string prefix(path);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  e.host = std::string(host);
  e.base_path = std::move(prefix);
  return e;
}

}  // namespace

Endpoint Endpoint::parse(std::string_view url) {
  for (const std::string_view scheme : {"https", "http"}) {
    if (iequals_prefix(url, std::string(scheme) + "://")) return parse_tcp(url, std::string(scheme), url.substr(scheme.size() + 3));
  }
  constexpr std::string_view unix_prefix = "unix://";
  std::string_view path = url;
  if (url.starts_with(unix_prefix)) path = url.substr(unix_prefix.size());
  if (path.empty() || path.front() != '/') bad(url, std::string(supported));
  if (std::any_of(path.begin(), path.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    bad(url, "a socket path cannot hold a control character");
  }
  Endpoint e;
  e.scheme = "unix";
  e.socket_path = std::string(path);
  return e;
}

std::string Endpoint::url() const {
  if (scheme == "unix") return scheme + "://" + socket_path;
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + base_path;
}

}  // namespace torchx::http
