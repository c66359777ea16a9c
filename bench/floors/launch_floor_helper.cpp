// SPDX-License-Identifier: BSD-3-Clause
// The launch floor (bench/README.md), helper side (standing for the local supervisor): it starts
// a session of its own (as the detached supervisor does), forks and execs `echo ARG...` in a
// process group of its own (as a replica), waits for it and writes its wait status to the pipe
// the launcher gave it: the handshake.
// Usage (from torchx_launch_floor only): torchx_launch_floor_helper WRITE_FD [ARG...]
// Exit: 0; 1 with one line on stderr if the fork, exec, wait or handshake fails.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs("usage: torchx_launch_floor_helper WRITE_FD [ARG...]\n", stderr);
    return 1;
  }
  const int write_fd = std::atoi(argv[1]);
  setsid();
  std::vector<char*> echo_argv{const_cast<char*>("echo")};
  for (int i = 2; i < argc; ++i) echo_argv.push_back(argv[i]);
  echo_argv.push_back(nullptr);
  const pid_t replica = fork();
  if (replica < 0) {
    std::fprintf(stderr, "torchx_launch_floor_helper: error: fork: %s\n", std::strerror(errno));
    return 1;
  }
  if (replica == 0) {
    close(write_fd);
    setpgid(0, 0);
    execvp("echo", echo_argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(replica, &status, 0) < 0) {
    if (errno != EINTR) {
      std::fprintf(stderr, "torchx_launch_floor_helper: error: wait: %s\n", std::strerror(errno));
      return 1;
    }
  }
  if (write(write_fd, &status, sizeof status) != static_cast<ssize_t>(sizeof status)) {
    std::fprintf(stderr, "torchx_launch_floor_helper: error: handshake: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}
