// SPDX-License-Identifier: BSD-3-Clause
// `torchx configure`: write a .torchxconfig with the schedulers' run options.
#include "command.hpp"
#include "config.hpp"
#include "exit_codes.hpp"
#include "runner.hpp"
#include "session.hpp"
#include "verb_args.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <ostream>

namespace po = boost::program_options;

namespace torchx::cli {

std::vector<std::string> split_commas(const std::string& s);

int cmd_configure(const Invocation& inv) {
  VerbSpec spec{"torchx configure [-s SCHEDULERS] [--all] [--print]",
                "Writes ./.torchxconfig with a [scheduler] section per scheduler: required run options marked #FIXME,\n"
                "and with --all every option with its default. Never overwrites an existing file (use --print).",
                {}, {}};
  spec.options.add_options()("schedulers,s", po::value<std::string>(), "comma-separated schedulers (default: all)")(
      "all,a", "include the optional run options with their defaults")("print", "print to stdout instead of writing");
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  auto& runner = inv.session.runner();
  std::vector<std::string> names = vm->count("schedulers") != 0U ? split_commas(get<std::string>(*vm, "schedulers"))
                                                                   : runner.scheduler_backends();
  std::vector<std::pair<std::string, specs::RunOpts>> schedulers;
  for (const auto& name : names) schedulers.emplace_back(name, runner.run_opts(name));
  const std::string text = runner::dump_config(schedulers, vm->count("all") != 0U);
  if (vm->count("print") != 0U) {
    inv.out << text;
    return k_exit_ok;
  }
  const std::filesystem::path path = ".torchxconfig";
  if (std::filesystem::exists(path)) {
    throw std::runtime_error("'" + std::filesystem::absolute(path).string() +
                             "' already exists: not overwritten (see the new content with: torchx configure --print)");
  }
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write '" + std::filesystem::absolute(path).string() + "'");
  spdlog::info("wrote {}", std::filesystem::absolute(path).string());
  return k_exit_ok;
}

}  // namespace torchx::cli
