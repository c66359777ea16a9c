// SPDX-License-Identifier: BSD-3-Clause
// The pieces of the tests' fake HTTP servers on a unix socket (a fake Docker engine, a server
// that streams canned parts): listening, and reading one request's head.
#pragma once

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

namespace torchx::test {

/// A socket listening at `path` (which must fit sockaddr_un); the test fails when it cannot.
inline int listen_unix(const std::filesystem::path& path, int backlog) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, backlog) == 0);
  return fd;
}

/// What the client sent on `fd` up to the end of its request head ("\r\n\r\n"), or until it closed.
inline std::string read_request_head(int fd) {
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  return head;
}

}  // namespace torchx::test
