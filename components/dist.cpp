// SPDX-License-Identifier: BSD-3-Clause
// dist.ddp and dist.spmd: torchrun-launched distributed jobs (TorchX's torchx/components/dist.py).
#include "components.hpp"

#include <torchx/specs/macros.hpp>
#include <torchx/specs/mounts.hpp>
#include <torchx/util/input_checks.hpp>
#include <torchx/util/shell.hpp>

#include <climits>
#include <filesystem>
#include <string_view>

namespace torchx::components {
namespace {

using plugin::ComponentArgs;
using specs::AppDef;

struct NNodes {
  int min_nnodes;
  int max_nnodes;
  int nproc_per_node;
  std::string nnodes_rep;
};

/// A count in `-j` (`digits` are decimal digits only): an int, or a clear error naming `j`.
int j_count(std::string_view digits, const std::string& j) {
  if (const auto v = util::parse_integer<int>(digits)) return *v;
  throw plugin::InvalidArgument("invalid -j '" + util::printable(j) + "': " + util::printable(digits, 20) +
                                " is larger than " + std::to_string(INT_MAX));
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

/// TorchX's parse_nnodes: `1:2x4`, `2x4` or `4`. Scanned by hand (no regex: linear, no recursion).
NNodes parse_nnodes(const std::string& j) {
  auto invalid = [&] {
    return plugin::InvalidArgument("Invalid format for -j, usage example: 1:2x4 or 1x4 or 4. Given: " +
                                   util::printable(j));
  };
  const std::string_view text(j);
  const auto x = text.find('x');
  if (x == std::string_view::npos) {
    if (!all_digits(text)) throw invalid();
    return {1, 1, j_count(text, j), "1"};
  }
  const std::string_view nnodes = text.substr(0, x);
  const std::string_view nproc = text.substr(x + 1);
  if (!all_digits(nproc)) throw invalid();
  if (const auto colon = nnodes.find(':'); colon != std::string_view::npos) {
    const std::string_view min = nnodes.substr(0, colon);
    const std::string_view max = nnodes.substr(colon + 1);
    if (!all_digits(min) || !all_digits(max)) throw invalid();
    return {j_count(min, j), j_count(max, j), j_count(nproc, j), std::string(nnodes)};
  }
  if (!all_digits(nnodes)) throw invalid();
  const int n = j_count(nnodes, j);
  return {n, n, j_count(nproc, j), std::string(nnodes)};
}

std::string derived_name(const std::optional<std::string>& m, const std::optional<std::string>& script) {
  if (script) return std::filesystem::path(*script).stem().string();
  const auto dot = m->rfind('.');
  return dot == std::string::npos ? *m : m->substr(dot + 1);
}

/// TorchX's StructuredNameArgument.parse_from: `exp/run`, `/run`, `exp/`, `/`, or `run`.
std::pair<std::string, std::string> structured_name(const std::string& name, const std::optional<std::string>& m,
                                                    const std::optional<std::string>& script) {
  if (!m && !script) throw plugin::InvalidArgument("No main module or script specified.");
  if (m && script) throw plugin::InvalidArgument("Both main module and script set. Specify only one.");
  const std::string experiment_default = "default-experiment";
  const auto slash = name.find('/');
  if (slash == std::string::npos) return {experiment_default, name.empty() ? derived_name(m, script) : name};
  std::string experiment = name.substr(0, slash);
  std::string run = name.substr(slash + 1);
  return {experiment.empty() ? experiment_default : experiment, run.empty() ? derived_name(m, script) : run};
}

specs::Dict<std::string> debug_flags() {
  return {{"CUDA_LAUNCH_BLOCKING", "1"},
          {"NCCL_DESYNC_DEBUG", "1"},
          {"TORCH_DISTRIBUTED_DEBUG", "DETAIL"},
          {"TORCH_SHOW_CPP_STACKTRACES", "1"}};
}

AppDef ddp(const ComponentArgs& a) {
  const auto script = a.optional_str("script");
  const auto m = a.optional_str("m");
  if (script.has_value() == m.has_value()) throw plugin::InvalidArgument("exactly one of --script and -m must be specified");
  const NNodes n = parse_nnodes(a.str("j"));
  const std::string role_name = derived_name(m, script);
  const auto [experiment, run] = structured_name(a.str("name"), m, script);
  const int rdzv_port = a.integer("rdzv_port");
  const std::string rdzv_backend = a.str("rdzv_backend");
  // One node: port 0 lets torchrun pick a free port. Several: the rank-0 host, which each
  // scheduler names through the rank0_env macro (left unquoted so the shell expands it).
  const std::string endpoint = n.max_nnodes == 1 ? "localhost:0"
                                                  : "$${" + std::string(specs::macros::rank0_env) + ":=localhost}:" +
                                                        std::to_string(rdzv_port);

  std::vector<std::string> cmd = {"torchrun", "--rdzv_backend", rdzv_backend};
  if (auto conf = a.optional_str("rdzv_conf")) {
    cmd.push_back("--rdzv_conf");
    cmd.push_back(*conf);
  }
  std::string joined = util::shell_join(cmd) + " --rdzv_endpoint " + endpoint;
  cmd = {"--rdzv_id", std::string(specs::macros::app_id), "--nnodes", n.nnodes_rep, "--nproc_per_node",
         std::to_string(n.nproc_per_node), "--tee", std::to_string(a.integer("tee")), "--role", ""};
  if (rdzv_backend == "static") {
    cmd.push_back("--node_rank");
    cmd.push_back(std::string(specs::macros::replica_id));
  }
  if (script) {
    cmd.push_back(*script);
  } else {
    cmd.push_back("-m");
    cmd.push_back(*m);
  }
  cmd.insert(cmd.end(), a.varargs.begin(), a.varargs.end());
  joined += " " + util::shell_join(cmd);

  specs::Role role;
  role.name = role_name;
  role.image = a.str("image");
  role.min_replicas = n.min_nnodes;
  role.entrypoint = "bash";
  role.num_replicas = n.max_nnodes;
  role.resource = a.resource(a.integer("cpu"), a.integer("gpu"), a.integer("memMB"), a.optional_str("h"));
  role.args = {"-c", joined};
  if (auto env = a.dict("env")) role.env = *env;
  role.env.set_default("LOGLEVEL", default_loglevel());
  if (a.flag("debug")) {
    for (const auto& [k, v] : debug_flags()) role.env.set(k, v);
  }
  role.env.set("TORCHX_TRACKING_EXPERIMENT_NAME", experiment);
  role.env.set("TORCHX_TRACKING_RUN_NAME", run);
  role.port_map.set("c10d", rdzv_port);
  role.max_retries = a.integer("max_retries");
  if (auto mounts = a.list("mounts")) role.mounts = specs::parse_mounts(*mounts);
  return AppDef{run, {role}, {}};
}

/// TorchX's StructuredJArgument for spmd: `N` (nproc from the GPUs of `h`) or `NxM`.
std::string spmd_j(const ComponentArgs& a, const std::string& h, const std::string& j) {
  std::vector<std::string> parts;
  std::string current;
  for (char ch : j + "x") {
    if (ch == 'x') {
      parts.push_back(current);
      current.clear();
    } else {
      current += ch;
    }
  }
  const int gpus = a.resource(std::nullopt, std::nullopt, std::nullopt, h).gpu;
  auto number = [&](const std::string& s) {
    if (!all_digits(s)) {
      throw plugin::InvalidArgument("Invalid format for `-j $NNODESx$NPROCS_PER_NODE`, usage example: 2x4 or 2. Given: " +
                                    util::printable(j));
    }
    return j_count(s, j);
  };
  if (parts.size() == 1) {
    if (gpus <= 0) {
      throw plugin::InvalidArgument("nproc_per_node cannot be inferred from GPU count. `" + h +
                                    "` is not a GPU instance. You must specify `-j $NNODESx$NPROCS_PER_NODE` (e.g. `-j 1x8`)");
    }
    return std::to_string(number(parts[0])) + "x" + std::to_string(gpus);
  }
  if (parts.size() == 2) {
    const int nproc = number(parts[1]);
    if (nproc != gpus) {
      plugin::log(TX_LOG_WARNING, "nproc_per_node (" + std::to_string(nproc) + ") does not equal the GPUs of `" + h +
                                      "` (" + std::to_string(gpus) + ")");
    }
    return std::to_string(number(parts[0])) + "x" + std::to_string(nproc);
  }
  throw plugin::InvalidArgument("Invalid format for `-j $NNODESx$NPROCS_PER_NODE`, usage example: 2x4 or 2. Given: " +
                                util::printable(j));
}

AppDef spmd(const ComponentArgs& a) {
  const std::string h = a.str("h");
  auto args = boost::json::parse(a.args_json).as_object();
  args["j"] = spmd_j(a, h, a.str("j"));
  // spmd is ddp with the resource from `h` alone, and ddp's defaults for the rest.
  args["cpu"] = 2;
  args["gpu"] = 0;
  args["memMB"] = 1024;
  args["rdzv_port"] = 29500;
  args["rdzv_backend"] = "c10d";
  args["rdzv_conf"] = nullptr;
  args["tee"] = 3;
  ComponentArgs ddp_args = a;
  ddp_args.args_json = boost::json::serialize(args);
  return ddp(ddp_args);
}

std::vector<plugin::ComponentArg> common_head() {
  return {{"script_args", "str", std::nullopt, "arguments to the main module", "", true},
          {"script", "str", "null", "script or binary to run within the image", "", false},
          {"m", "str", "null", "the python module path to run", "m", false},
          {"image", "str", quoted(k_image), "image (e.g. docker)", "", false}};
}

std::vector<plugin::ComponentArg> common_tail() {
  return {{"env", "dict", "null", "environment variables to be passed to the run (e.g. ENV1=v1,ENV2=v2,ENV3=v3)", "", false},
          {"max_retries", "int", "0", "the number of scheduler retries allowed", "", false},
          {"mounts", "list", "null",
           "mounts to mount into the worker environment/container (ex. type=<bind/volume>,src=/host,dst=/job[,readonly])",
           "", false},
          {"debug", "bool", "false", "whether to run with preset debug flags enabled", "", false}};
}

plugin::Component ddp_definition() {
  auto ddp_args = common_head();
  const std::vector<plugin::ComponentArg> ddp_own = {
      {"name", "str", quoted("/"),
       "job name override in the following format: ``{experimentname}/{runname}`` or ``{experimentname}/`` or "
       "``/{runname}`` or ``{runname}``. Uses the script or module name if ``{runname}`` not specified.",
       "", false},
      {"h", "str", "null", "a registered named resource (if specified takes precedence over cpu, gpu, memMB)", "h", false},
      {"cpu", "int", "2", "number of cpus per replica", "", false},
      {"gpu", "int", "0", "number of gpus per replica", "", false},
      {"memMB", "int", "1024", "cpu memory in MB per replica", "", false},
      {"j", "str", quoted("1x2"), "[{min_nnodes}:]{nnodes}x{nproc_per_node}, for gpu hosts, nproc_per_node must not exceed num gpus", "j", false}};
  ddp_args.insert(ddp_args.end(), ddp_own.begin(), ddp_own.end());
  const auto tail = common_tail();
  ddp_args.insert(ddp_args.end(), tail.begin(), tail.begin() + 2);
  const std::vector<plugin::ComponentArg> rdzv = {
      {"rdzv_port", "int", "29500", "the port on rank0's host to use for hosting the c10d store used for rendezvous", "", false},
      {"rdzv_backend", "str", quoted("c10d"), "the rendezvous backend to use", "", false},
      {"rdzv_conf", "str", "null", "additional rendezvous configuration (e.g. read_timeout=600)", "", false}};
  ddp_args.insert(ddp_args.end(), rdzv.begin(), rdzv.end());
  ddp_args.insert(ddp_args.end(), tail.begin() + 2, tail.end());
  ddp_args.push_back({"tee", "int", "3", "tees the specified std stream(s) to console + file. 0: none, 1: stdout, 2: stderr, 3: both", "", false});
  return {"dist.ddp",
          "Distributed data parallel style application (one role, multi-replica). Uses torchrun to launch and coordinate "
          "PyTorch worker processes. Defaults to using ``c10d`` rendezvous backend on rendezvous_endpoint "
          "``$rank_0_host:$rdzv_port``. Note that ``rdzv_port`` parameter is ignored when running on single node, and "
          "instead we use port 0 which instructs torchelastic to chose a free random port on the host.",
          ddp_args, &ddp};
}

plugin::Component spmd_definition() {
  auto spmd_args = common_head();
  const std::vector<plugin::ComponentArg> spmd_own = {
      {"name", "str", quoted("/"), "job name override (see dist.ddp)", "", false},
      {"h", "str", quoted("gpu.small"), "the type of host to run on (e.g. aws_p4d.24xlarge). Must be one of the registered named resources", "h", false},
      {"j", "str", quoted("1x1"), "{nnodes}x{nproc_per_node}. For GPU hosts omitting nproc_per_node will infer it from the number of GPUs on the host", "j", false}};
  spmd_args.insert(spmd_args.end(), spmd_own.begin(), spmd_own.end());
  const auto tail = common_tail();
  spmd_args.insert(spmd_args.end(), tail.begin(), tail.end());
  return {"dist.spmd",
          "Usage (by SPMD type): single-program-multiple-data style distributed jobs (DDP, FSDP, ...) on hosts of type "
          "``-h`` with ``-j {nnodes}x{nproc_per_node}``, launched with torchrun.",
          spmd_args, &spmd};
}

const Definition k_dist[] = {&ddp_definition, &spmd_definition};

}  // namespace

std::span<const Definition> dist_definitions() { return k_dist; }

std::vector<plugin::Component> dist_components() { return make_all(dist_definitions()); }

}  // namespace torchx::components
