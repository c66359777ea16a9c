// SPDX-License-Identifier: BSD-3-Clause
// The `torchx` executable.
#include "cli.hpp"

int main(int argc, char** argv) { return torchx::cli::run(argc, argv); }
