// SPDX-License-Identifier: BSD-3-Clause
// The launch floor (bench/README.md), launcher side: what `torchx run -s local_cwd utils.echo`
// cannot avoid. It forks and execs the helper (standing for the local supervisor) with the write
// end of a pipe, then reads the helper's handshake (the replica's exit status) from the pipe,
// reaps the helper and exits with the replica's status.
// Usage: torchx_launch_floor HELPER [ARG...]   (the helper runs `echo ARG...`)
// Exit: echo's exit status; 1 with one line on stderr if a fork, exec or the handshake fails.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {
int fail(const char* what) {
  std::fprintf(stderr, "torchx_launch_floor: error: %s: %s\n", what, std::strerror(errno));
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs("usage: torchx_launch_floor HELPER [ARG...]\n", stderr);
    return 1;
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return fail("pipe");
  const std::string write_fd = std::to_string(fds[1]);
  std::vector<char*> helper_argv{argv[1], const_cast<char*>(write_fd.c_str())};
  for (int i = 2; i < argc; ++i) helper_argv.push_back(argv[i]);
  helper_argv.push_back(nullptr);
  const pid_t helper = fork();
  if (helper < 0) return fail("fork");
  if (helper == 0) {
    // The helper inherits the write end; every other descriptor of ours is close-on-exec.
    if (fcntl(fds[1], F_SETFD, 0) != 0) _exit(127);
    execv(argv[1], helper_argv.data());
    _exit(127);
  }
  close(fds[1]);
  int replica_status = -1;
  const ssize_t got = read(fds[0], &replica_status, sizeof replica_status);
  int helper_status = 0;
  while (waitpid(helper, &helper_status, 0) < 0 && errno == EINTR) {
  }
  if (got != static_cast<ssize_t>(sizeof replica_status)) {
    std::fputs("torchx_launch_floor: error: the helper sent no handshake\n", stderr);
    return 1;
  }
  return WIFEXITED(replica_status) ? WEXITSTATUS(replica_status) : 1;
}
