// SPDX-License-Identifier: BSD-3-Clause
#include "python_evaluator.hpp"

#include "component_file.hpp"
#include "errors.hpp"

#include <torchx/specs/errors.hpp>
#include <torchx/specs/json.hpp>
#include <torchx/util/input_checks.hpp>

#include <boost/json.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace json = boost::json;

namespace torchx::runner {
namespace {

/// The child's end of the socket.
constexpr int k_child_fd = 3;
/// How long a child that has said its last word may take to exit before it is killed.
constexpr auto k_exit_grace = std::chrono::seconds(5);
/// The most of an error message from the child that is shown.
constexpr std::size_t k_max_shown_message = 4000;

/// One line of the child's text: newlines folded, bounded, non-UTF-8 bytes shown as \xNN.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (!util::is_valid_utf8(out) || out.size() > k_max_shown_message) return util::printable(out, k_max_shown_message);
  return out;
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::optional<std::string> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    dirs.remove_prefix(colon + 1);
  }
}

PythonEvaluatorOptions PythonEvaluatorOptions::from_environment(const std::filesystem::path& exe_dir) {
  PythonEvaluatorOptions options;
  if (const char* python = std::getenv("TORCHX_PYTHON"); python != nullptr && *python != '\0') options.python = python;
  if (!exe_dir.empty()) {
    options.package_candidates = {exe_dir.parent_path() / "python", exe_dir.parent_path() / TORCHX_PYTHON_INSTALL_DIR};
  }
  for (const auto& dir : options.package_candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / "torchx" / "_evaluate.py", ec)) {
      options.package_dir = dir;
      break;
    }
  }
  return options;
}

PythonEvaluator::PythonEvaluator(const PythonEvaluatorOptions& options, const PythonTarget& target,
                                 const std::string& reference,
                                 std::function<specs::Resource(const std::string&)> named_resource)
    : m_reference(reference),
      m_named_by(target.named_by),
      m_python(options.python),
      m_named_resource(std::move(named_resource)) {
  const std::filesystem::path& file = target.file;
  const std::string& function = target.function;
  const bool is_module = file.empty();
  if (function.empty()) {
    throw ComponentNotFoundError("component '" + reference + "': a Python component file needs the function to run: " +
                                 reference + ":FUNCTION");
  }
  if (options.secure) {
    throw ComponentError("component '" + reference +
                         "': a setuid or setgid torchx does not run Python components (it would run the caller's "
                         "interpreter, with the caller's environment, with its privileges)");
  }
  std::error_code ec;
  if (!is_module && !std::filesystem::exists(file, ec)) {
    throw ComponentNotFoundError("component file '" + file.string() + "' does not exist");
  }
  if (options.package_dir.empty()) {
    std::string looked;
    for (const auto& dir : options.package_candidates) looked += (looked.empty() ? "" : ", ") + dir.string();
    throw ComponentError("component '" + reference + "': torchx's Python package was not found (looked in " +
                         (looked.empty() ? std::string("no directory: the torchx executable's path is unknown") : looked) +
                         ")");
  }
  const auto program = find_program(m_python);
  if (!program) {
    throw ComponentError("component '" + reference + "': the Python interpreter '" + m_python +
                         "' was not found on PATH (set TORCHX_PYTHON to the python3 to use)");
  }

  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  const std::string script = (options.package_dir / "torchx" / "_evaluate.py").string();
  std::vector<std::string> args = {m_python, script, std::to_string(k_child_fd)};
  if (is_module)
    args.insert(args.end(), {"--module", target.module, function});
  else
    args.insert(args.end(), {file.string(), function});
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [k, v] : options.env) replaced = replaced || k == name;
    if (!replaced) env_strings.emplace_back(entry);
  }
  for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  std::array<int, 2> sv{-1, -1};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv.data()) != 0) {
    throw ComponentError("component '" + reference + "': cannot create a socket: " + std::strerror(errno));
  }
  // The child's end must not already be fd 3 (dup2 onto itself would keep FD_CLOEXEC).
  const int child_end = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
  ::close(sv[1]);
  std::array<int, 2> exec_pipe{-1, -1};
  if (child_end < 0 || ::pipe2(exec_pipe.data(), O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(sv[0]);
    if (child_end >= 0) ::close(child_end);
    throw ComponentError("component '" + reference + "': cannot create a pipe: " + std::strerror(err));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The child: fd 3 the socket, stdout onto stderr, stdin from /dev/null, default signals, a
    // process group of its own (so that what it started dies with it when it is killed; it
    // still cannot outlive torchx: PR_SET_PDEATHSIG).
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGQUIT, SIGHUP}) ::signal(sig, SIG_DFL);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (::dup2(child_end, k_child_fd) < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0 || null_fd < 0 ||
        ::dup2(null_fd, STDIN_FILENO) < 0) {
      const int err = errno;
      (void)!::write(exec_pipe[1], &err, sizeof err);
      ::_exit(127);
    }
    ::execve(program->c_str(), argv.data(), envp.data());
    const int err = errno;
    (void)!::write(exec_pipe[1], &err, sizeof err);
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(child_end);
  ::close(exec_pipe[1]);
  if (pid < 0) {
    ::close(exec_pipe[0]);
    ::close(sv[0]);
    throw ComponentError("component '" + reference + "': cannot start '" + m_python + "': " + std::strerror(fork_errno));
  }
  ::setpgid(pid, pid);  // as the child does: whichever runs first
  m_pid = pid;
  m_socket = sv[0];
  int exec_errno = 0;
  ssize_t n = 0;
  do {
    n = ::read(exec_pipe[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(exec_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    close_and_reap();
    throw ComponentError("component '" + reference + "': cannot run the Python interpreter '" + *program +
                         "': " + std::strerror(exec_errno) + " (set TORCHX_PYTHON to the python3 to use)");
  }
  try {
    m_signature = receive("signature");
  } catch (...) {
    close_and_reap();
    throw;
  }
}

PythonEvaluator::~PythonEvaluator() { close_and_reap(); }

void PythonEvaluator::kill_group() const {
  if (m_pid > 0) ::kill(-m_pid, SIGKILL);
}

void PythonEvaluator::abandon() {
  kill_group();
  close_and_reap();
}

std::string PythonEvaluator::build(const std::string& request_json) {
  send(R"({"build":)" + request_json + "}\n");
  std::string app = receive("app");
  close_and_reap();
  return app;
}

void PythonEvaluator::send(const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::send(m_socket, line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw ComponentError("component '" + m_reference + "': the Python evaluator stopped listening: " + exit_reason());
    }
    done += static_cast<std::size_t>(n);
  }
}

std::optional<std::string> PythonEvaluator::read_line() {
  std::size_t scanned = 0;
  while (true) {
    if (const auto newline = m_buffer.find('\n', scanned); newline != std::string::npos) {
      std::string line = m_buffer.substr(0, newline);
      m_buffer.erase(0, newline + 1);
      return line;
    }
    scanned = m_buffer.size();
    if (m_buffer.size() > k_max_message_bytes) {
      kill_group();
      throw ComponentError("component '" + m_reference + "': the Python evaluator sent a message of more than " +
                           std::to_string(k_max_message_bytes >> 20) + " MiB; that is the most one may hold");
    }
    std::array<char, 65536> chunk{};
    const ssize_t n = ::read(m_socket, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    m_buffer.append(chunk.data(), static_cast<std::size_t>(n));
  }
}

std::string PythonEvaluator::receive(const char* expected) {
  const std::string what = "component '" + m_reference + "': ";
  while (true) {
    auto line = read_line();
    if (!line) throw ComponentError(what + "the Python evaluator stopped before answering: " + exit_reason());
    boost::system::error_code ec;
    json::value message = json::parse(*line, ec);
    if (ec || !message.is_object() || message.as_object().size() != 1) {
      kill_group();
      throw ComponentError(what + "the Python evaluator sent a malformed message" +
                           (ec ? " (not valid JSON: " + ec.message() + ")" : std::string(" (not an object of one key)")) +
                           ": " + util::printable(*line, 200));
    }
    const auto& [key, value] = *message.as_object().begin();
    if (key == "named_resource" && value.is_string()) {
      std::string answer;
      try {
        answer = R"({"resource":)" + specs::to_json(m_named_resource(std::string(value.get_string()))) + "}";
      } catch (const specs::Error& e) {
        answer = json::serialize(json::object{{"error", e.what()}});
      }
      send(answer + "\n");
      continue;
    }
    if (key == expected) return json::serialize(value);
    if (key == "error" && value.is_object()) {
      const auto& error = value.as_object();
      const std::string kind = string_field(error, "kind");
      const std::string message_text = one_line(string_field(error, "message"));
      if (kind == "not_found") {
        // A module's component: say which manifest named it (the module or function is gone).
        throw ComponentNotFoundError(m_named_by.empty()
                                         ? message_text
                                         : what.substr(0, what.size() - 2) + " of " + m_named_by + ": " + message_text);
      }
      if (kind == "file") throw ComponentFileError(message_text);
      if (kind == "argument") throw ComponentArgsError(what + message_text + " (see: torchx run " + m_reference + " --help)");
      std::string where = string_field(error, "file");
      if (const auto* line_no = error.if_contains("line"); !where.empty() && line_no != nullptr && line_no->is_int64()) {
        where += ":" + std::to_string(line_no->get_int64());
      }
      const std::string type = string_field(error, "type");
      throw ComponentError((where.empty() ? what : one_line(where) + ": ") + (type.empty() ? "" : one_line(type) + ": ") +
                           message_text);
    }
    kill_group();
    throw ComponentError(what + "the Python evaluator sent '" + util::printable(key, 40) + "' where '" + expected +
                         "' was expected");
  }
}

std::string PythonEvaluator::exit_reason() {
  const std::string who = "'" + m_python + "'";
  const auto status = reap();
  if (!status) return who + " had exited";
  if (WIFSIGNALED(*status)) {
    return who + " was killed by signal " + std::to_string(WTERMSIG(*status)) + " (" + ::strsignal(WTERMSIG(*status)) + ")";
  }
  return who + " exited with status " + std::to_string(WEXITSTATUS(*status)) + " (its messages, if any, are above)";
}

std::optional<int> PythonEvaluator::reap() {
  if (m_pid <= 0) return std::nullopt;
  // The child exits once its socket closes or its answer is sent; one that does not is killed.
  // Either way its group goes too: what the component started and left running (a Popen never
  // waited for) would write to torchx's stderr after the command and hold the pipe of a caller
  // reading it to the end. The group is killed while the child is an unreaped zombie (WNOWAIT),
  // so its id is still ours and cannot name another process's group.
  const auto deadline = std::chrono::steady_clock::now() + k_exit_grace;
  while (true) {
    siginfo_t info{};
    const int r = ::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (r == 0 && info.si_pid == m_pid) break;
    if (r < 0 && errno != EINTR) {
      m_pid = -1;
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill_group();
  int status = 0;
  while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
  }
  m_pid = -1;
  return status;
}

void PythonEvaluator::close_and_reap() {
  if (m_socket >= 0) {
    ::close(m_socket);
    m_socket = -1;
  }
  reap();
}

}  // namespace torchx::runner
