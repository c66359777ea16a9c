// SPDX-License-Identifier: BSD-3-Clause
// The slurm scheduler plugin: sbatch het jobs, status without accounting, logs from anywhere.
#include "sinfo_cache.hpp"
#include "slurm_script.hpp"
#include "slurm_status.hpp"
#include "text_file.hpp"

#include <torchx/plugin.hpp>
#include <torchx/util/log_file.hpp>
#include <torchx/util/process.hpp>
#include <torchx/util/workspace.hpp>

#include <boost/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace json = boost::json;
using namespace torchx;

namespace {

std::filesystem::path plugin_dir() { return plugin::library_dir(); }

/// Where we remember each job (its AppDef and log directory): $TORCHX_SLURM_DIR, else
/// $XDG_STATE_HOME/torchx/slurm, else ~/.local/state/torchx/slurm.
std::filesystem::path state_root() {
  std::filesystem::path root;
  if (const char* d = std::getenv("TORCHX_SLURM_DIR"); d != nullptr && *d != '\0') root = d;
  else if (const char* s = std::getenv("XDG_STATE_HOME"); s != nullptr && *s != '\0') root = std::filesystem::path(s) / "torchx/slurm";
  else root = std::filesystem::path(std::getenv("HOME") != nullptr ? std::getenv("HOME") : "/tmp") / ".local/state/torchx/slurm";
  std::filesystem::create_directories(root);
  return root;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Runs a Slurm command; a missing command is "backend unavailable" (exit 4).
util::ProcessResult slurm_cmd(const std::vector<std::string>& argv) {
  try {
    return util::run_process(argv);
  } catch (const std::system_error&) {
    throw plugin::Unavailable("'" + argv.front() + "' not found: is Slurm installed and on PATH?");
  }
}

std::string first_line(const std::string& s) {
  const auto nl = s.find('\n');
  std::string line = s.substr(0, nl);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

std::string cfg_str(const specs::Cfg& cfg, const char* key) {
  const auto* v = cfg.get(key);
  return (v != nullptr && std::holds_alternative<std::string>(*v)) ? std::get<std::string>(*v) : std::string{};
}

/// Creates job_dir (it must not exist: TorchX's os.mkdir) and copies the workspace into it,
/// honouring its .torchxignore; with no workspace job_dir stays empty (TorchX copies nothing then).
void make_job_dir(const std::filesystem::path& job_dir, const std::optional<std::string>& workspace) {
  std::error_code ec;
  std::filesystem::create_directories(job_dir.parent_path(), ec);
  if (!std::filesystem::create_directory(job_dir, ec)) {
    if (std::filesystem::exists(job_dir)) {
      throw plugin::InvalidArgument("job_dir '" + job_dir.string() + "' already exists (it must not: it is created for the job)");
    }
    throw plugin::InvalidArgument("cannot create job_dir '" + job_dir.string() + "': " + ec.message());
  }
  if (!workspace) return;
  try {
    util::copy_workspace(*workspace, job_dir);
  } catch (const std::filesystem::filesystem_error& e) {
    throw plugin::Error(TX_E_INTERNAL, "cannot copy the workspace '" + *workspace + "' into job_dir '" + job_dir.string() +
                                           "': " + e.code().message() + " (" + e.path1().string() + ")");
  }
}

class SlurmScheduler : public plugin::Scheduler {
public:
  specs::RunOpts run_opts() override {
    specs::RunOpts o;
    o.add("partition", specs::CfgType::str, "The partition to run the job in.");
    o.add("time", specs::CfgType::str,
          "The maximum time the job is allowed to run for. Formats: \"minutes\", \"minutes:seconds\", "
          "\"hours:minutes:seconds\", \"days-hours\", \"days-hours:minutes\" or \"days-hours:minutes:seconds\"");
    o.add("comment", specs::CfgType::str, "Comment to set on the slurm job.");
    o.add("constraint", specs::CfgType::str, "Constraint to use for the slurm job.");
    o.add("mail-user", specs::CfgType::str, "User to mail on job end.");
    o.add("mail-type", specs::CfgType::str, "What events to mail users on.");
    o.add("job_dir", specs::CfgType::str,
          "The directory to place the job code and outputs. The directory must not exist and will be created: the "
          "workspace (torchx run --workspace) is copied there, honouring .torchxignore, and the job runs there.");
    o.add("qos", specs::CfgType::str, "Quality of Service (QoS) to assign to the job.");
    return o;
  }

  /// As TorchX's DirWorkspaceMixin: with job_dir, schedule copies the workspace there and the job
  /// runs there; without job_dir the job runs in the current directory and the workspace is unused.
  plugin::DryRunInfo submit_dryrun(const plugin::DryRunRequest& request) override {
    const specs::AppDef& app = request.app;
    const specs::Cfg& cfg = request.cfg;
    const std::optional<std::string>& workspace = request.workspace;
    // Ask the cluster only what this request needs (docs/slurm.md, "What a submit asks"): the
    // partition's nodes and memory when there is more than one replica (check_fits) or a memory
    // request (omit_memory), the Slurm version only for GPU flags. A one-replica job without
    // memory or GPUs (utils.echo) runs `sbatch` and nothing else.
    const bool needs_partition = total_replicas(app) > 1 || asks_for(app, [](const specs::Resource& r) { return r.memMB > 0; });
    const auto partition = needs_partition ? partition_info(cfg_str(cfg, "partition")) : std::nullopt;
    check_fits(app, partition);
    const std::string job_dir = cfg_str(cfg, "job_dir");
    if (job_dir.empty()) {
      const auto cwd = std::filesystem::current_path();
      check_scripts(app, cwd, "the current directory " + cwd.string() + ", where the job runs (no job_dir)");
    } else if (workspace) {
      check_scripts(app, *workspace, "the workspace " + *workspace);
    } else {
      check_scripts(app, std::filesystem::absolute(job_dir),
                    "job_dir " + job_dir + ", where the job runs (no workspace is copied into it)");
    }
    slurm::ScriptOptions o;
    o.log_dir = job_dir.empty() ? std::filesystem::current_path().string() : std::filesystem::absolute(job_dir).string();
    o.python_apps_dir = (plugin_dir() / "../../../share/torchx/python").lexically_normal().string();
    o.omit_memory = partition && partition->memory_mb <= 1000;
    if (asks_for(app, [](const specs::Resource& r) { return r.gpu > 0; })) {
      const auto version = slurm_version();
      o.slurm_major = version.first;
      o.slurm_minor = version.second;
    }
    o.version = TORCHX_PLUGIN_VERSION;
    const std::string script = slurm::make_script(app, cfg, o);
    std::vector<std::string> cmd{"sbatch", "--parsable"};
    if (!job_dir.empty()) cmd.push_back("--chdir=" + o.log_dir);
    const std::string text = [&] {
      std::string t;
      for (const auto& c : cmd) t += c + " ";
      return t + "$SBATCH_SCRIPT\n\n#----------------\n# SBATCH_SCRIPT\n#----------------\n" + script;
    }();
    // {"cmd", "script", "log_dir", "job_dir", "workspace"}, written as text (no JSON tree to build
    // and serialize).
    std::string native;
    native.reserve(128 + script.size() + script.size() / 8 + 2 * o.log_dir.size());
    native += "{\"cmd\":[";
    for (std::size_t i = 0; i < cmd.size(); ++i) {
      if (i > 0) native += ',';
      specs::append_json_string(native, cmd[i]);
    }
    native += "],\"script\":";
    specs::append_json_string(native, script);
    native += ",\"log_dir\":";
    specs::append_json_string(native, o.log_dir);
    native += ",\"job_dir\":";
    specs::append_json_string(native, job_dir);
    native += ",\"workspace\":";
    if (workspace) specs::append_json_string(native, *workspace);
    else native += "null";
    native += '}';
    return plugin::DryRunInfo{std::move(native), text};
  }

  std::string schedule(const plugin::ScheduleRequest& req) override {
    const auto r = json::parse(req.request_json).as_object();
    const std::string job_dir(r.at("job_dir").as_string());
    if (!job_dir.empty()) {
      // The workspace dryrun saw (its request), else the one this call names.
      const auto* w = r.if_contains("workspace");
      const std::optional<std::string> workspace =
          w != nullptr && w->is_string() ? std::optional<std::string>(std::string(w->get_string())) : req.workspace;
      make_job_dir(std::string(r.at("log_dir").as_string()), workspace);
    }
    const std::filesystem::path root = state_root();
    std::random_device rd;
    const std::filesystem::path script = root / ("submit-" + std::to_string(::getpid()) + "-" + std::to_string(rd()) + ".sh");
    // Nothing is submitted when the script cannot be written whole (a full disk): sbatch would
    // have run what part of it was written.
    const json::string& script_text = r.at("script").as_string();
    if (!slurm::write_text_file(script, std::string_view(script_text.data(), script_text.size()))) {
      const int err = errno;
      std::error_code ec;
      std::filesystem::remove(script, ec);
      throw plugin::Error(TX_E_INTERNAL, "cannot write the batch script " + script.string() + ": " + std::strerror(err) +
                                             "; nothing was submitted");
    }
    std::vector<std::string> cmd;
    for (const auto& c : r.at("cmd").as_array()) cmd.emplace_back(c.as_string());
    cmd.push_back(script.string());
    const auto result = slurm_cmd(cmd);
    if (result.exit_code != 0) {
      std::filesystem::remove(script);
      sinfo_cache().drop();  // the partitions may have changed: the next submit asks sinfo again
      throw plugin::Error(TX_E_INTERNAL, "sbatch failed (exit " + std::to_string(result.exit_code) + "): " +
                                             first_line(result.err.empty() ? result.out : result.err));
    }
    const std::string job_id = first_line(result.out).substr(0, first_line(result.out).find(';'));
    if (job_id.empty() || job_id.find_first_not_of("0123456789") != std::string::npos) {
      throw plugin::Error(TX_E_INTERNAL, "sbatch answered '" + first_line(result.out) + "', not a job id");
    }
    std::filesystem::rename(script, root / (job_id + ".sh"));
    // {"job_id", "log_dir", "app"} as text: the AppDef is JSON text already (not parsed to be serialized again).
    std::string record = "{\"job_id\":";
    specs::append_json_string(record, job_id);
    record += ",\"log_dir\":";
    record += json::serialize(r.at("log_dir"));
    record += ",\"app\":";
    record += specs::to_json(req.app);
    record += '}';
    // The job runs whether or not its record is kept: a record that cannot be written is a warning,
    // not a failed submit (the handle would be lost), and never a torn file (replace_text_file).
    if (!slurm::replace_text_file(root / (job_id + ".json"), record)) {
      const std::string why = std::strerror(errno);
      plugin::log(TX_LOG_WARNING, "Slurm job " + job_id + " was submitted, but its record " + (root / (job_id + ".json")).string() +
                                      " could not be written (" + why +
                                      "): torchx status and log will treat it as a job torchx did not launch");
    }
    return job_id;
  }

  std::optional<specs::DescribeAppResponse> describe(const std::string& app_id) override {
    const auto id = job_id_of(app_id);
    if (!id) return std::nullopt;
    std::vector<slurm::Component> components = query(*id);
    const auto record = load_record(app_id);
    if (components.empty() && !record) return std::nullopt;
    specs::DescribeAppResponse d;
    d.app_id = app_id;
    if (record) {
      const auto app = specs::app_def_from_json(json::serialize(record->at("app")));
      // Component names from our record, in het-offset order: sacct may still say "allocation".
      const auto names = slurm::component_names(app);
      if (names.size() == components.size()) {
        for (std::size_t i = 0; i < names.size(); ++i) components[i].name = names[i];
      }
      d.roles = app.roles;
      d.metadata = app.metadata;
      d.ui_url = "file://" + std::string(record->at("log_dir").as_string());
    } else {
      // Not launched by torchx (or launched elsewhere): what Slurm knows, named after its components.
      d.roles = slurm::foreign_roles(components);
    }
    if (components.empty()) {
      d.state = specs::AppState::UNKNOWN;
      d.msg = "Slurm no longer knows job " + app_id + " (finished jobs are kept for MinJobAge, and sacct is not available)";
      return d;
    }
    d.state = slurm::app_state(components);
    std::string reasons;
    for (const auto& c : components) {
      // Ours are "<role>-<k>"; a foreign job's components are replicas of the role of their name.
      const auto dash = record ? c.name.rfind('-') : std::string::npos;
      const std::string role = dash == std::string::npos ? c.name : c.name.substr(0, dash);
      const int replica = dash == std::string::npos ? 0 : std::atoi(c.name.c_str() + dash + 1);
      auto it = std::find_if(d.roles_statuses.begin(), d.roles_statuses.end(), [&](const auto& r) { return r.role == role; });
      if (it == d.roles_statuses.end()) it = d.roles_statuses.insert(d.roles_statuses.end(), specs::RoleStatus{role, {}});
      const int k = record ? replica : static_cast<int>(it->replicas.size());
      it->replicas.push_back({k, slurm::app_state_of(c.slurm_state), role, c.nodes});
      if (c.exit_code && *c.exit_code != 0 && reasons.empty()) {
        reasons = c.name + " exited with code " + std::to_string(*c.exit_code);
      } else if (c.signal && reasons.empty()) {
        reasons = c.name + " was killed by signal " + std::to_string(*c.signal);
      }
      if (c.slurm_state == "PENDING" && !c.reason.empty() && c.reason != "None" && reasons.empty()) {
        reasons = "pending: " + c.reason;
      }
    }
    d.msg = reasons;
    return d;
  }

  std::vector<specs::ListAppResponse> list() override {
    const auto result = slurm_cmd({"squeue", "--json", "-t", "all", "--me"});
    if (result.exit_code != 0) throw plugin::Unavailable("squeue failed: " + first_line(result.err));
    std::vector<specs::ListAppResponse> out;
    const auto root = state_root();
    for (const auto& [job, state] : slurm::squeue_jobs(result.out)) {
      const auto record = load_record(std::to_string(job));
      if (!record) continue;  // not launched by torchx
      out.push_back({std::to_string(job), slurm::app_state_of(state), "",
                     std::string(record->at("app").at("name").as_string())});
    }
    return out;
  }

  void cancel(const std::string& app_id) override {
    if (!describe(app_id)) throw plugin::NotFound("Slurm job '" + app_id + "' not found");
    const auto result = slurm_cmd({"scancel", app_id});
    if (result.exit_code != 0) throw plugin::Error(TX_E_INTERNAL, "scancel failed: " + first_line(result.err));
  }

  std::unique_ptr<plugin::LogIterator> log_iter(const specs::LogQuery& q) override;

private:
  /// log_iter of a job torchx did not launch (no record): the StdOut/StdErr files scontrol names.
  std::unique_ptr<plugin::LogIterator> foreign_log_iter(const specs::LogQuery& q);

  std::vector<slurm::Component> query(long id) {
    const auto result = slurm_cmd({"squeue", "--json", "-t", "all", "-j", std::to_string(id)});
    std::vector<slurm::Component> components;
    if (result.exit_code == 0) components = slurm::parse_squeue(result.out, id);
    if (components.empty()) {
      // Aged out of slurmctld: sacct if accounting is on (it is never required).
      try {
        const auto acct = util::run_process({"sacct", "--parsable2", "-j", std::to_string(id),
                                             "--format=JobID,JobName,State,ExitCode,NodeList"});
        if (acct.exit_code == 0) components = slurm::parse_sacct(acct.out, id);
      } catch (const std::exception&) {
      }
    }
    return components;
  }

  /// Our record of the job `app_id` (written by schedule), or nullopt when there is none or it is
  /// unusable (truncated by a full disk, edited): then the job is shown as one torchx did not
  /// launch, with a warning, rather than failing every describe, log and list.
  /// The Slurm job `app_id` names: digits as Slurm writes them, no sign, space or leading zero
  /// (std::stol alone took " 12", "+12", "012" and "12abc" for job 12), else nullopt.
  static std::optional<long> job_id_of(const std::string& app_id) {
    if (app_id.empty() || app_id.size() > 18 || app_id[0] == '0' ||
        app_id.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    return std::stol(app_id);
  }

  static std::optional<json::object> load_record(const std::string& app_id) {
    if (app_id.empty() || app_id.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    const auto path = state_root() / (app_id + ".json");
    std::error_code missing;
    if (!std::filesystem::exists(path, missing)) return std::nullopt;
    const auto text = slurp(path);
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    std::string problem;
    if (ec) {
      problem = "not JSON (" + ec.message() + ")";
    } else if (!v.is_object()) {
      problem = "not a JSON object";
    } else if (const auto* log_dir = v.as_object().if_contains("log_dir"); log_dir == nullptr || !log_dir->is_string()) {
      problem = "no log_dir string";
    } else if (const auto* app = v.as_object().if_contains("app");
               app == nullptr || !app->is_object() || app->as_object().if_contains("name") == nullptr ||
               !app->as_object().at("name").is_string()) {
      problem = "no app with a name";
    }
    if (!problem.empty()) {
      plugin::log(TX_LOG_WARNING, "ignoring the corrupt record " + path.string() + " of Slurm job " + app_id + ": " + problem);
      return std::nullopt;
    }
    return std::move(v.as_object());
  }

  std::pair<int, int> slurm_version() {
    try {
      const auto r = util::run_process({"sinfo", "--version"});
      if (auto v = slurm::parse_version(r.out)) return *v;
    } catch (const std::exception&) {
    }
    return {24, 5};  // TorchX's assumption when sinfo is missing (dryrun off-cluster)
  }

  /// The node count and memory (MB) of the partition (or the default one): from the answer of
  /// the last sinfo while it is valid (sinfo_cache.hpp), else from one sinfo call, kept for the
  /// next submits; nullopt when sinfo is missing or fails (a dryrun off-cluster) or the
  /// partition is unknown.
  static std::optional<slurm::PartitionInfo> partition_info(const std::string& partition) {
    const slurm::SinfoCache cache = sinfo_cache();
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (const auto kept = cache.load(now)) {
      if (auto info = slurm::find_partition(*kept, partition)) return info;
    }
    try {
      const std::string conf = slurm::slurm_conf_fingerprint();
      const auto r = util::run_process({"sinfo", "--noconvert", "-h", "-o", "%D %P %m"});
      if (r.exit_code != 0) return std::nullopt;
      cache.store(r.out, now, conf);
      return slurm::find_partition(r.out, partition);
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }

  static slurm::SinfoCache sinfo_cache() { return slurm::SinfoCache{state_root() / "sinfo-cache.json"}; }

  static int total_replicas(const specs::AppDef& app) {
    int replicas = 0;
    for (const auto& r : app.roles) replicas += r.num_replicas;
    return replicas;
  }

  /// Whether a role's resource satisfies `pred` (asks for memory, for GPUs).
  template <typename Pred>
  static bool asks_for(const specs::AppDef& app, Pred pred) {
    return std::any_of(app.roles.begin(), app.roles.end(), [&](const specs::Role& r) { return pred(r.resource); });
  }

  /// Refuses a Python script the job names that `dir` (where the job will find its code) does not
  /// have (dist.ddp's --script, utils.python's --script): relative `*.py` words of the args, also
  /// inside `bash -c '...'`. `where` names `dir` in the message.
  static void check_scripts(const specs::AppDef& app, const std::filesystem::path& dir, const std::string& where) {
    for (const auto& role : app.roles) {
      std::vector<std::string> words;
      for (const auto& a : role.args) {
        for (auto& w : slurm::split_words(a)) words.push_back(std::move(w));
      }
      for (auto w : words) {
        if (w.size() > 1 && (w.front() == '\'' || w.front() == '"') && w.back() == w.front()) w = w.substr(1, w.size() - 2);
        if (w.size() < 4 || !w.ends_with(".py") || w[0] == '-' || w[0] == '/' || w.find('$') != std::string::npos) continue;
        if (!std::filesystem::exists(dir / w)) {
          throw plugin::InvalidArgument("role '" + role.name + "' runs '" + w + "', which is not in " + where +
                                        ": the job would fail on the nodes");
        }
      }
    }
  }

  /// Refuses what cannot run: a het job needs one node per replica (22.05's backfill never puts
  /// two components of one het job on a node; the job would pend forever without saying why).
  static void check_fits(const specs::AppDef& app, const std::optional<slurm::PartitionInfo>& partition) {
    const int replicas = total_replicas(app);
    if (replicas <= 1 || !partition) return;
    if (replicas > partition->nodes) {
      throw plugin::InvalidArgument("the app has " + std::to_string(replicas) +
                                    " replicas, each a het-job component that needs its own node, but partition '" +
                                    partition->name + "' has " + std::to_string(partition->nodes) +
                                    " nodes: it would pend forever");
    }
  }
};

/// The lines of one replica's log files (stdout, then stderr), in batches, following them with
/// `tail` until the app ends. Each call returns what the first file has before looking at the
/// next, so a run that is over reads as its stdout followed by its stderr. A line longer than
/// 1 MiB comes in pieces (a progress bar redrawn with '\r' for a whole run is one "line" of
/// gigabytes; std::getline grew until allocation failed, which ended the log silently).
class SlurmLogIterator : public plugin::BatchLogIterator {
public:
  SlurmLogIterator(SlurmScheduler& scheduler, std::string app_id, const std::vector<std::filesystem::path>& files,
                   bool tail)
      : m_scheduler(scheduler), m_app_id(std::move(app_id)), m_tail(tail) {
    for (const auto& f : files) m_files.emplace_back(f);
  }

  std::size_t read(char* buf, std::size_t cap, bool& done) override {
    done = false;
    // Following: a call returns within about a second even when nothing comes (log_read's rule).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (true) {
      for (auto& file : m_files) {
        if (const std::size_t n = file.read(buf, cap); n > 0) return n;  // the host applies --regex
      }
      if (m_done) {
        for (auto& file : m_files) {
          if (const std::size_t n = file.finish(buf, cap); n > 0) return n;
        }
        done = true;
        return 0;
      }
      if (!m_tail) {
        m_done = true;
        continue;
      }
      const auto d = m_scheduler.describe(m_app_id);
      if (!d || specs::is_terminal(d->state)) {
        m_done = true;
        continue;
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return 0;
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(200), deadline - now));
    }
  }

private:
  SlurmScheduler& m_scheduler;
  std::string m_app_id;
  std::deque<util::LogFileReader> m_files;
  bool m_tail;
  bool m_done = false;
};

/// The files to read for `streams`: stdout then stderr by default (TorchX's own default, stderr,
/// hid what the program printed; stdout alone hid a Python traceback), or the one asked for.
std::vector<std::filesystem::path> stream_files(const std::optional<specs::Stream>& streams, const std::string& out,
                                                const std::string& err) {
  if (streams == specs::Stream::stdout_) return {out};
  if (streams == specs::Stream::stderr_) return {err};
  if (out == err) return {out};  // sbatch's default: both streams in one file
  return {out, err};
}

std::unique_ptr<plugin::LogIterator> SlurmScheduler::log_iter(const specs::LogQuery& q) {
  if (q.since || q.until) throw plugin::Unsupported("scheduler 'slurm' does not support log since/until");
  if (q.streams == specs::Stream::combined) {
    throw plugin::Unsupported(
        "scheduler 'slurm' does not support the combined log stream: use --streams stdout or stderr "
        "(without --streams, stdout then stderr)");
  }
  const auto record = load_record(q.app_id);
  if (!record) return foreign_log_iter(q);
  const std::filesystem::path base = std::filesystem::path(std::string(record->at("log_dir").as_string())) /
                                     ("slurm-" + q.app_id + "-" + q.role_name + "-" + std::to_string(q.k));
  return std::make_unique<SlurmLogIterator>(*this, q.app_id, stream_files(q.streams, base.string() + ".out", base.string() + ".err"),
                                            q.should_tail);  // the host applies --regex
}

std::unique_ptr<plugin::LogIterator> SlurmScheduler::foreign_log_iter(const specs::LogQuery& q) {
  // A job torchx did not launch: read the files Slurm writes its output to, when they can be read here.
  const std::string job = "Slurm job " + q.app_id + " was not launched by torchx";
  const auto id = job_id_of(q.app_id);
  if (!id) throw plugin::NotFound("Slurm job '" + q.app_id + "' not found");
  std::vector<std::vector<int>> offsets;
  const auto roles = slurm::foreign_roles(query(*id), &offsets);
  int offset = -1;
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (roles[i].name == q.role_name && q.k >= 0 && static_cast<std::size_t>(q.k) < offsets[i].size()) {
      offset = offsets[i][static_cast<std::size_t>(q.k)];
    }
  }
  if (offset < 0) throw plugin::NotFound(job + " and has no replica " + q.role_name + "/" + std::to_string(q.k));
  const auto shown = util::run_process({"scontrol", "show", "job", "-o", q.app_id});
  std::string line;
  std::istringstream lines(shown.out);
  for (std::string l; std::getline(lines, l);) {
    const std::string het = slurm::scontrol_field(l, "HetJobOffset");
    if (het.empty() ? offset == 0 : het == std::to_string(offset)) line = " " + l;
  }
  const std::string out = slurm::scontrol_field(line, "StdOut");
  const std::string err = slurm::scontrol_field(line, "StdErr");
  if (shown.exit_code != 0 || out.empty()) {
    throw plugin::NotFound(job + ", and Slurm no longer says where its output is (scontrol show job " + q.app_id + ")");
  }
  auto files = stream_files(q.streams, out, err.empty() ? out : err);
  for (const auto& f : files) {
    if (::access(f.c_str(), R_OK) != 0) {
      if (offset != 0 && errno == ENOENT) {
        // A het component other than the first has no output file of its own: what its steps
        // printed went to the batch script's output, which is replica 0's log.
        return std::make_unique<SlurmLogIterator>(*this, q.app_id, std::vector<std::filesystem::path>{}, false);
      }
      throw plugin::NotFound(job + ": its output is at " + f.string() + ", which cannot be read here (" +
                             std::strerror(errno) + ")");
    }
    // Its owner chose the path: /dev/zero or a FIFO would be read forever.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(f, ec)) {
      throw plugin::NotFound(job + ": its output is at " + f.string() + ", which is not a regular file");
    }
  }
  return std::make_unique<SlurmLogIterator>(*this, q.app_id, files, q.should_tail);
}

}  // namespace

extern "C" TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
  static plugin::Plugin p = plugin::Plugin(TORCHX_PLUGIN_NAME, TORCHX_PLUGIN_VERSION).scheduler<SlurmScheduler>("slurm", "Slurm clusters");
  return p.negotiate(host, info);
}
