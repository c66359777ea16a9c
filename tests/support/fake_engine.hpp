// SPDX-License-Identifier: BSD-3-Clause
// A fake container engine on a unix socket: canned HTTP answers, one per connection, and the
// request lines it received. Used by the containers SDK's unit tests.
#pragma once

#include "unix_server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace torchx::test {

/// Answers connections in turn with canned responses (one per connection, the last repeated)
/// and keeps each request's head.
class FakeEngine {
 public:
  FakeEngine(std::filesystem::path path, std::vector<std::string> answers) : m_path(std::move(path)) {
    m_fd = test::listen_unix(m_path, 8);
    m_thread = std::thread([this, answers = std::move(answers)] {
      for (std::size_t i = 0;; ++i) {
        const int c = ::accept(m_fd, nullptr, nullptr);
        if (c < 0) return;
        const std::string head = test::read_request_head(c);
        {
          std::lock_guard lock(m_mutex);
          m_requests.push_back(head.substr(0, head.find("\r\n")));
        }
        const std::string& a = answers[std::min(i, answers.size() - 1)];
        if (::write(c, a.data(), a.size()) < 0) {
        }
        ::close(c);
      }
    });
  }
  ~FakeEngine() {
    ::shutdown(m_fd, SHUT_RDWR);
    ::close(m_fd);
    m_thread.join();
  }
  /// The request lines received so far ("POST /v1.41/... HTTP/1.1").
  std::vector<std::string> requests() {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }

 private:
  std::filesystem::path m_path;
  int m_fd = -1;
  std::thread m_thread;
  std::mutex m_mutex;
  std::vector<std::string> m_requests;
};

/// An HTTP/1.1 response with `status` and a JSON `body`.
inline std::string answer(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace torchx::test
