// SPDX-License-Identifier: BSD-3-Clause
// utils.echo, utils.touch, utils.sh, utils.python, utils.binary, utils.copy, utils.booth.
#include "components.hpp"

#include <torchx/specs/mounts.hpp>
#include <torchx/util/python_format.hpp>
#include <torchx/util/shell.hpp>

#include <boost/json.hpp>

#include <cstdlib>

namespace torchx::components {
namespace {

using plugin::Component;
using plugin::ComponentArgs;
using specs::AppDef;
using specs::Role;

specs::Resource small() {
  specs::Resource r;
  r.cpu = 1;
  r.gpu = 0;
  r.memMB = 1024;
  return r;
}

AppDef single(const std::string& name, Role role) {
  role.name = role.name.empty() ? name : role.name;
  return AppDef{name, {std::move(role)}, {}};
}

AppDef echo(const ComponentArgs& a) {
  Role r;
  r.image = a.str("image");
  r.entrypoint = "echo";
  r.args = {a.str("msg")};
  r.num_replicas = a.integer("num_replicas");
  r.resource = small();
  return single("echo", r);
}

AppDef touch(const ComponentArgs& a) {
  Role r;
  r.image = a.str("image");
  r.entrypoint = "touch";
  r.args = {a.str("file")};
  r.resource = small();
  return single("touch", r);
}

AppDef sh(const ComponentArgs& a) {
  Role r;
  r.image = a.str("image");
  std::vector<std::string> quoted_args;
  for (const auto& arg : a.varargs) quoted_args.push_back(util::shell_quote(arg));
  if (auto entrypoint = a.optional_str("entrypoint")) {
    r.entrypoint = *entrypoint;
    r.args = quoted_args;
  } else {
    r.entrypoint = "sh";
    std::string joined;
    for (const auto& q : quoted_args) joined += (joined.empty() ? "" : " ") + q;
    r.args = {"-c", joined};
  }
  if (auto env = a.dict("env")) r.env = *env;
  r.env.set_default("LOGLEVEL", default_loglevel());
  r.num_replicas = a.integer("num_replicas");
  r.max_retries = a.integer("max_retries");
  r.resource = a.resource(a.integer("cpu"), a.integer("gpu"), a.integer("memMB"), a.optional_str("h"));
  if (auto mounts = a.list("mounts")) r.mounts = specs::parse_mounts(*mounts);
  return single("sh", r);
}

AppDef python(const ComponentArgs& a) {
  const auto m = a.optional_str("m");
  const auto c = a.optional_str("c");
  const auto script = a.optional_str("script");
  if (static_cast<int>(m.has_value()) + static_cast<int>(c.has_value()) + static_cast<int>(script.has_value()) != 1) {
    throw plugin::InvalidArgument("exactly one of `-m`, `-c` and `--script` needs to be specified");
  }
  Role r;
  r.name = "python";
  r.image = a.str("image");
  r.entrypoint = "python";
  if (script) r.args = {*script};
  else if (m) r.args = {"-m", *m};
  else r.args = {"-c", *c};
  r.args.insert(r.args.end(), a.varargs.begin(), a.varargs.end());
  if (m) r.env.set("HYDRA_MAIN_MODULE", *m);
  r.num_replicas = a.integer("num_replicas");
  r.resource = a.resource(a.integer("cpu"), a.integer("gpu"), a.integer("memMB"), a.optional_str("h"));
  return AppDef{a.str("name"), {r}, {}};
}

AppDef binary(const ComponentArgs& a) {
  Role r;
  r.name = "binary";
  r.image = "<NONE>";
  r.entrypoint = a.str("entrypoint");
  r.args = a.varargs;
  r.num_replicas = a.integer("num_replicas");
  r.resource = a.resource(a.integer("cpu"), a.integer("gpu"), a.integer("memMB"), a.optional_str("h"));
  return AppDef{a.str("name"), {r}, {}};
}

AppDef copy(const ComponentArgs& a) {
  Role r;
  r.image = a.str("image");
  r.entrypoint = "python";
  r.args = {"-m", "torchx.apps.utils.copy_main", "--src", a.str("src"), "--dst", a.str("dst")};
  r.resource = small();
  return single("torchx-utils-copy", r);
}

AppDef booth(const ComponentArgs& a) {
  Role r;
  r.image = a.str("image");
  r.entrypoint = "python";
  r.args = {"-m",          "torchx.apps.utils.booth_main",     "--x1",           util::python_float(a.number("x1")),
            "--x2",        util::python_float(a.number("x2")),       "--trial_idx",    std::to_string(a.integer("trial_idx")),
            "--tracker_base", a.str("tracker_base")};
  r.resource = small();
  return single("torchx-utils-booth", r);
}

plugin::ComponentArg image_arg(const char* help = "image to run on") { return {"image", "str", quoted(k_image), help, "", false}; }

std::vector<plugin::ComponentArg> resource_args(int cpu = 1) {
  return {{"cpu", "int", std::to_string(cpu), "number of cpus per replica", "", false},
          {"gpu", "int", "0", "number of gpus per replica", "", false},
          {"memMB", "int", "1024", "cpu memory in MB per replica", "", false},
          {"h", "str", "null", "a registered named resource (if specified takes precedence over cpu, gpu, memMB)", "h",
           false}};
}

template <typename... Lists>
std::vector<plugin::ComponentArg> join(std::vector<plugin::ComponentArg> first, const Lists&... rest) {
  (first.insert(first.end(), rest.begin(), rest.end()), ...);
  return first;
}

}  // namespace

std::string quoted(const std::string& s) { return boost::json::serialize(boost::json::value(s)); }

std::string default_loglevel() {
  const char* v = std::getenv("LOGLEVEL");
  return (v != nullptr && *v != '\0') ? v : "WARNING";
}

namespace {

/// The definitions, made on demand (components.hpp).
const Definition k_utils[] = {
    [] {
      return Component{
          "utils.echo",
          "Echos a message to stdout (calls echo).",
          {{"msg", "str", quoted("hello world"), "message to echo", "", false},
           image_arg(),
           {"num_replicas", "int", "1", "number of replicas to run", "", false}},
          &echo};
    },
    [] {
      return Component{
          "utils.touch", "Touches a file (calls touch).", {{"file", "str", std::nullopt, "file to create", "", false}, image_arg()}, &touch};
    },
    [] {
      return Component{
          "utils.sh",
          "Runs the provided command via sh. Arguments are quoted, so they reach the command as given.",
          join({{"args", "str", std::nullopt, "the command and its arguments", "", true},
                image_arg(),
                {"num_replicas", "int", "1", "number of replicas to run", "", false}},
               resource_args(),
               std::vector<plugin::ComponentArg>{
                   {"env", "dict", "null", "environment variables to be passed to the run (e.g. ENV1=v1,ENV2=v2)", "", false},
                   {"max_retries", "int", "0", "the number of scheduler retries allowed", "", false},
                   {"mounts", "list", "null",
                    "mounts to mount into the worker environment/container (ex. "
                    "type=<bind/volume>,src=/host,dst=/job[,readonly])",
                    "", false},
                   {"entrypoint", "str", "null", "the entrypoint to use for the command (defaults to sh)", "", false}}),
          &sh};
    },
    [] {
      return Component{
          "utils.python",
          "Runs ``python`` with the specified module, command or script on the specified image and host. Use ``--`` to "
          "separate component args and program args (e.g. ``torchx run utils.python --m foo.main -- --args to --main``).",
          join({{"args", "str", std::nullopt, "arguments passed to the program in sys.argv[1:] (ignored with `--c`)", "", true},
                {"m", "str", "null", "run library module as a script", "m", false},
                {"c", "str", "null", "program passed as string (may error if scheduler has a length limit on args)", "c", false},
                {"script", "str", "null", ".py script to run", "", false},
                image_arg(),
                {"name", "str", quoted("torchx_utils_python"), "name of the job", "", false}},
               resource_args(),
               std::vector<plugin::ComponentArg>{{"num_replicas", "int", "1", "number of copies to run", "", false}}),
          &python};
    },
    [] {
      return Component{
          "utils.binary",
          "Test component: runs ENTRYPOINT with the given arguments.",
          join({{"args", "str", std::nullopt, "arguments passed to the program", "", true},
                {"entrypoint", "str", std::nullopt, "the binary to run", "", false},
                {"name", "str", quoted("torchx_utils_binary"), "name of the job", "", false},
                {"num_replicas", "int", "1", "number of copies to run", "", false}},
               resource_args()),
          &binary};
    },
    [] {
      return Component{
          "utils.copy",
          "Copies the file from SRC to DST (local paths or file:// URLs; other URLs need Python's fsspec).",
          {{"src", "str", std::nullopt, "the source file location", "", false},
           {"dst", "str", std::nullopt, "the destination file location", "", false},
           image_arg("the image that contains the copy app")},
          &copy};
    },
    [] {
      return Component{
          "utils.booth",
          "Evaluates the booth function, f(x1, x2) = (x1 + 2*x2 - 7)^2 + (2*x1 + x2 - 5)^2, and writes "
          "{\"booth_eval\": f} to TRACKER_BASE/TRIAL_IDX.",
          {{"x1", "float", std::nullopt, "x1", "", false},
           {"x2", "float", std::nullopt, "x2", "", false},
           {"trial_idx", "int", "0", "ignore if not running hpo", "", false},
           {"tracker_base", "str", quoted("/tmp/torchx-util-booth"), "URI of the tracker's base output directory", "", false},
           image_arg("the image that contains the booth app")},
          &booth};
    },
};

}  // namespace

std::span<const Definition> utils_definitions() { return k_utils; }

std::vector<Component> utils_components() { return make_all(utils_definitions()); }

}  // namespace torchx::components
