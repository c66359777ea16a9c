// SPDX-License-Identifier: BSD-3-Clause
// Python component files (`torchx run FILE.py:FN`), evaluated by the user's python3 in a child
// process: torchx itself never links Python (docs/python.md).
//
// The conversation, one JSON object per line on a socket that is the child's fd 3 (never its
// stdout: a component's print() goes to torchx's stderr, its stdin is /dev/null):
//
//   child -> host  {"signature": <component signature>}     after loading the file
//   host  -> child {"build": <build request>}                 (or the host closes: --help)
//   child -> host  {"named_resource": "gpu.small"}            any number, at any time ...
//   host  -> child {"resource": <Resource>} | {"error": "..."}  ... each answered at once
//   child -> host  {"app": <AppDef>}                          then the child exits
//
// Instead of its next message, the child may send {"error": {"kind", "message", "type", "file",
// "line", "argument"}} (python/torchx/_evaluator.py) and exit. Every answer is bounded
// (k_max_message_bytes); anything malformed, too large, or a child that dies, is one error line.
#pragma once

#include <torchx/specs/resource.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace torchx::runner {

/// How the evaluator is started.
struct PythonEvaluatorOptions {
  /// The interpreter: a path, or a name looked up in PATH. Default: $TORCHX_PYTHON, else python3.
  std::string python = "python3";
  /// The directory holding torchx's own Python package (`torchx/_evaluate.py`), first on the
  /// child's sys.path. Empty: not found (opening a Python component then says where it looked).
  std::filesystem::path package_dir;
  /// Where package_dir was looked for, for that message.
  std::vector<std::filesystem::path> package_candidates;
  /// Variables set on top of this process's environment in the child.
  std::vector<std::pair<std::string, std::string>> env;
  /// True in a setuid/setgid process: Python component files are then refused (the caller's
  /// interpreter and environment would run with the program's privileges).
  bool secure = false;

  /// The defaults for an executable in `exe_dir`: $TORCHX_PYTHON (non-empty) else python3, and
  /// the package in `exe_dir/../python` (a build tree) or `exe_dir/../<install dir>` (an install).
  static PythonEvaluatorOptions from_environment(const std::filesystem::path& exe_dir);
};

/// `name` if it names a file (has a '/'), else the first executable `name` in $PATH; nullopt if
/// none.
std::optional<std::string> find_program(const std::string& name);

/// What the child loads: a component file's function, or a module's (a Python component
/// package: the module is imported from the child's sys.path).
struct PythonTarget {
  std::filesystem::path file;  ///< a component file; empty for a module
  std::string module;          ///< a dotted module path, when `file` is empty
  std::string function;
  /// For a module: who named it ("plugin 'x' (/path/x.json)"), for messages.
  std::string named_by;
};

/// One Python component, loaded by a child process that lives as long as this object.
class PythonEvaluator {
public:
  /// The most bytes one message from the child may hold (an AppDef JSON): 64 MiB.
  static constexpr std::size_t k_max_message_bytes = std::size_t{64} << 20;

  /// Starts the child on `target` and waits for the signature of its function (`reference` is
  /// the component as given, for messages). Throws ComponentNotFoundError (no such file, module
  /// or function), ComponentFileError (a syntax error, or a signature TorchX's rules refuse:
  /// `file:line: ...`), ComponentError (the file or module raised while loading, the
  /// interpreter cannot be started, the child died or sent something malformed).
  PythonEvaluator(const PythonEvaluatorOptions& options, const PythonTarget& target, const std::string& reference,
                  std::function<specs::Resource(const std::string&)> named_resource);
  ~PythonEvaluator();
  PythonEvaluator(const PythonEvaluator&) = delete;
  PythonEvaluator& operator=(const PythonEvaluator&) = delete;

  /// The signature the child sent (plugin-api/docs/payloads.md, "Component signature").
  [[nodiscard]] const std::string& signature_json() const { return m_signature; }

  /// Sends the build request and returns the AppDef JSON the function's result encodes to.
  /// Throws ComponentArgsError (an argument value the declared type refuses), ComponentError
  /// (`file:line: Type: message` for an exception the component raised; protocol failures).
  std::string build(const std::string& request_json);

  /// Kills the child now (its answer is of no use: e.g. its signature does not parse).
  void abandon();

private:
  std::string m_reference;
  std::string m_named_by;  ///< PythonTarget::named_by
  std::string m_python;
  std::function<specs::Resource(const std::string&)> m_named_resource;
  int m_socket = -1;
  pid_t m_pid = -1;
  std::string m_buffer;  ///< bytes read past the last message
  std::string m_signature;

  /// The next message that is not a named-resource question (those are answered here), as its
  /// JSON text; `expected` is its key ("signature", "app"). Throws as the constructor and build do.
  std::string receive(const char* expected);
  void send(const std::string& line);
  /// Reads one line. nullopt at end of file.
  std::optional<std::string> read_line();
  /// Why the child stopped answering (its exit status or signal), reaping it.
  std::string exit_reason();
  /// Waits for the child (killing it after a grace period) and returns its wait status;
  /// nullopt when there is none to wait for.
  std::optional<int> reap();
  void close_and_reap();
  /// SIGKILL to the child's process group (it and what it started).
  void kill_group() const;
};

}  // namespace torchx::runner
