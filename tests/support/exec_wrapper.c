/* SPDX-License-Identifier: BSD-3-Clause */
/* exec_wrapper PROGRAM ARGS...: runs PROGRAM. The secure-mode test installs a copy of it setgid to
 * another group, so that PROGRAM starts with AT_SECURE set (effective gid != real gid), as under
 * a setgid launcher. `exec_wrapper --at-secure` prints getauxval(AT_SECURE), to check that the
 * environment really produces a secure process before the test relies on it. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fputs("usage: exec_wrapper PROGRAM [ARGS...] | exec_wrapper --at-secure\n", stderr);
    return 2;
  }
  if (strcmp(argv[1], "--at-secure") == 0) {
    printf("%lu\n", getauxval(AT_SECURE));
    return 0;
  }
  execv(argv[1], argv + 1);
  perror("exec_wrapper: execv");
  return 127;
}
