// SPDX-License-Identifier: BSD-3-Clause
// `torchx tracker list jobs|metadata|artifacts|lineage ...` (TorchX's query verbs, with lineage
// and --json) and `torchx tracker add metadata|artifact|source ...` (writers any job can call:
// the run id comes from TORCHX_JOB_ID, the trackers from TORCHX_TRACKERS, as the runner injects
// them).
#include "command.hpp"
#include "config.hpp"
#include "errors.hpp"
#include "exit_codes.hpp"
#include "registry.hpp"
#include "session.hpp"
#include "trackers.hpp"
#include "verb_args.hpp"

#include <torchx/util/python_json.hpp>
#include <torchx/util/suggest.hpp>

#include <boost/json.hpp>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <ostream>
#include <string_view>
#include <utility>

namespace po = boost::program_options;
namespace json = boost::json;

namespace torchx::cli {
namespace {

constexpr const char* k_usage =
    "torchx tracker list jobs|metadata|artifacts|lineage ... | torchx tracker add metadata|artifact|source ...";

const char* k_overview =
    "usage: torchx tracker list jobs [--parent-run-id ID] [--json]\n"
    "       torchx tracker list metadata [--json] RUN_ID\n"
    "       torchx tracker list artifacts [--artifact NAME] [--json] RUN_ID\n"
    "       torchx tracker list lineage [--sources-only|--descendants-only] [--artifact NAME] [--json] RUN_ID\n"
    "       torchx tracker add metadata [--run-id ID] KEY=VALUE|KEY:=JSON...\n"
    "       torchx tracker add artifact [--run-id ID] [--metadata KEY=VALUE]... NAME PATH\n"
    "       torchx tracker add source [--run-id ID] [--artifact NAME] SOURCE_RUN_ID\n"
    "\n"
    "Queries and records what runs did: metadata, artifacts, and where each run came from (its\n"
    "sources, e.g. `torchx run --parent_run_id`). Trackers are plugins (`file` stores TorchX's fsspec\n"
    "tracker layout); which ones, and their config, come from TORCHX_TRACKERS and\n"
    "TORCHX_TRACKER_<NAME>_CONFIG (set in every job by `torchx run`), else from .torchxconfig's\n"
    "[torchx:tracker] and [tracker:<name>] config. `list` asks the first one; `add` writes to all.\n"
    "Every sub-command takes --tracker NAME (that tracker only) and --help.\n"
    "Inside a job, `add` records to the job's own run (TORCHX_JOB_ID) and, like TorchX's\n"
    "app_run_from_env(), links it to TORCHX_PARENT_RUN_ID when set.\n";

void add_tracker_option(VerbSpec& spec) {
  spec.options.add_options()("tracker", po::value<std::string>(), "use only this tracker (default: the configured ones)");
}

/// The trackers to use (runner::select_trackers): `--tracker NAME`, else the configured ones.
std::vector<runner::TrackerSetting> chosen_trackers(const Invocation& inv, const po::variables_map& vm) {
  std::optional<std::string> only;
  if (vm.count("tracker") != 0U) only = vm["tracker"].as<std::string>();
  return runner::select_trackers(inv.session.registry(), inv.session.config(), only,
                                 [](const std::string& w) { spdlog::warn("{}", w); });
}

std::unique_ptr<loader::TrackerProxy> first_tracker(const Invocation& inv, const po::variables_map& vm) {
  return runner::open_tracker(inv.session.registry(), chosen_trackers(inv, vm).front());
}

/// JSON for the terminal and scripts: compact, UTF-8 kept, numbers as Python prints them (0.1).
std::string dumps(const json::value& v) { return util::python_json_dumps(v, {.ensure_ascii = false, .compact = true}); }

/// A JSON value as a table cell: strings as they are, null as "" (tabulate's), the rest as JSON.
std::string cell(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return {};
  return dumps(v);
}

std::string or_empty(const std::optional<std::string>& s) { return s.value_or(""); }

/// `s` with its control characters escaped, so that one value stays on one line of a table:
/// `\n`, `\r`, `\t`, else `\xHH` (C0 and DEL) or `\uHHHH` (C1, U+0080..U+009F in UTF-8).
/// Backslashes are kept as they are (paths stay readable); `--json` is the exact form.
std::string escape_controls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  char buf[8];
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      out += buf;
    } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(s[++i])));
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

/// format_table with every cell's control characters escaped (a run id or value with a newline
/// would otherwise break the table's lines).
std::string table(const std::vector<std::string>& headers, std::vector<std::vector<std::string>> rows) {
  for (auto& row : rows) {
    for (auto& c : row) c = escape_controls(c);
  }
  return format_table(headers, rows);
}

json::value optional_json(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }

// ------------------------------------------------------------------------------------------------
// list

int list_jobs(const Invocation& inv) {
  VerbSpec spec{"torchx tracker list jobs [--parent-run-id ID] [--tracker NAME] [--json]",
                "Lists the run ids the tracker knows, or only those with the source run ID (a parent).", {}, {}};
  spec.options.add_options()("parent-run-id", po::value<std::string>(), "only runs with this source (parent)")(
      "json", "print a JSON array");
  add_tracker_option(spec);
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  std::optional<std::string> parent;
  if (vm->count("parent-run-id") != 0U) parent = (*vm)["parent-run-id"].as<std::string>();
  const auto ids = first_tracker(inv, *vm)->run_ids(parent);
  if (vm->count("json") != 0U) {
    json::array a;
    for (const auto& id : ids) a.emplace_back(id);
    inv.out << dumps(a) << "\n";
    return k_exit_ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& id : ids) rows.push_back({id});
  inv.out << table({"JOB ID"}, rows);
  return k_exit_ok;
}

int list_metadata(const Invocation& inv) {
  VerbSpec spec{"torchx tracker list metadata [--tracker NAME] [--json] RUN_ID",
                "Shows the metadata of a run (all entries merged, the latest value of each key).", {}, {}};
  spec.options.add_options()("run_id", po::value<std::string>()->required(), "the run")("json", "print a JSON object");
  add_tracker_option(spec);
  spec.positional.add("run_id", 1);
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  const json::value v = json::parse(first_tracker(inv, *vm)->metadata((*vm)["run_id"].as<std::string>()));
  if (vm->count("json") != 0U) {
    inv.out << dumps(v) << "\n";
    return k_exit_ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& kv : v.as_object()) rows.push_back({std::string(kv.key()), cell(kv.value())});
  inv.out << table({"ID", "VALUE"}, rows);
  return k_exit_ok;
}

int list_artifacts(const Invocation& inv) {
  VerbSpec spec{"torchx tracker list artifacts [--artifact NAME] [--tracker NAME] [--json] RUN_ID",
                "Shows the artifacts of a run: name, path and metadata (the latest one per name).", {}, {}};
  spec.options.add_options()("run_id", po::value<std::string>()->required(), "the run")(
      "artifact", po::value<std::string>(), "only this artifact")("json", "print {name: {name, path, metadata}}");
  add_tracker_option(spec);
  spec.positional.add("run_id", 1);
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  auto artifacts = first_tracker(inv, *vm)->artifacts((*vm)["run_id"].as<std::string>());
  if (vm->count("artifact") != 0U) {
    const std::string only = (*vm)["artifact"].as<std::string>();
    std::erase_if(artifacts, [&](const auto& a) { return a.name != only; });
  }
  if (vm->count("json") != 0U) {
    json::object o;
    for (const auto& a : artifacts) {
      o[a.name] = json::object{{"name", a.name}, {"path", a.path}, {"metadata", json::parse(a.metadata_json)}};
    }
    inv.out << dumps(o) << "\n";
    return k_exit_ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : artifacts) rows.push_back({a.name, a.path, cell(json::parse(a.metadata_json))});
  inv.out << table({"ARTIFACT", "PATH", "METADATA"}, rows);
  return k_exit_ok;
}

int list_lineage(const Invocation& inv) {
  VerbSpec spec{"torchx tracker list lineage [--sources-only|--descendants-only] [--artifact NAME] [--tracker NAME] "
                "[--json] RUN_ID",
                "Shows where a run came from (its ancestors: sources, their sources, ...) and which runs came from\n"
                "it (its descendants), nearest first, with the artifact of each link and the run it links to (VIA).",
                {}, {}};
  spec.options.add_options()("run_id", po::value<std::string>()->required(), "the run")(
      "sources-only", "only the ancestors")("descendants-only", "only the descendants")(
      "artifact", po::value<std::string>(), "only links through this artifact")(
      "json", "print {run_id, ancestors: [link], descendants: [link]}, link = {run_id, via_run_id, artifact_name, depth}");
  add_tracker_option(spec);
  spec.positional.add("run_id", 1);
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  if (vm->count("sources-only") != 0U && vm->count("descendants-only") != 0U) {
    throw UsageError("--sources-only and --descendants-only exclude each other (usage: " + spec.usage + ")");
  }
  const std::string run_id = (*vm)["run_id"].as<std::string>();
  specs::Lineage lineage = first_tracker(inv, *vm)->lineage(run_id);
  if (vm->count("descendants-only") != 0U) lineage.ancestors.clear();
  if (vm->count("sources-only") != 0U) lineage.descendants.clear();
  if (vm->count("artifact") != 0U) {
    const std::string only = (*vm)["artifact"].as<std::string>();
    auto other = [&](const specs::LineageLink& l) { return l.artifact_name != only; };
    std::erase_if(lineage.ancestors, other);
    std::erase_if(lineage.descendants, other);
  }
  if (vm->count("json") != 0U) {
    auto links = [](const std::vector<specs::LineageLink>& v) {
      json::array a;
      for (const auto& l : v) {
        a.push_back(json::object{{"run_id", l.run_id},
                                 {"via_run_id", l.via_run_id},
                                 {"artifact_name", optional_json(l.artifact_name)},
                                 {"depth", l.depth}});
      }
      return a;
    };
    inv.out << dumps(json::object{{"run_id", run_id},
                                  {"ancestors", links(lineage.ancestors)},
                                  {"descendants", links(lineage.descendants)}})
            << "\n";
    return k_exit_ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& l : lineage.ancestors) {
    rows.push_back({"ancestor", l.run_id, l.via_run_id, or_empty(l.artifact_name), std::to_string(l.depth)});
  }
  for (const auto& l : lineage.descendants) {
    rows.push_back({"descendant", l.run_id, l.via_run_id, or_empty(l.artifact_name), std::to_string(l.depth)});
  }
  inv.out << table({"RELATION", "RUN ID", "VIA", "ARTIFACT", "DEPTH"}, rows);
  return k_exit_ok;
}

// ------------------------------------------------------------------------------------------------
// add

/// Whether every number in `v` is finite (Boost.JSON reads `1e400` as infinity, which JSON cannot
/// carry on to the tracker).
bool all_finite(const json::value& v) {
  if (const double* d = v.if_double()) return std::isfinite(*d);
  if (const auto* a = v.if_array()) return std::all_of(a->begin(), a->end(), [](const auto& x) { return all_finite(x); });
  if (const auto* o = v.if_object()) {
    return std::all_of(o->begin(), o->end(), [](const auto& kv) { return all_finite(kv.value()); });
  }
  return true;
}

/// `KEY=VALUE` (a string) or `KEY:=JSON` (any JSON value) into `out`. Throws UsageError.
void parse_pair(const std::string& item, const std::string& what, json::object& out) {
  const auto eq = item.find('=');
  if (eq == std::string::npos || eq == 0 || (eq == 1 && item[0] == ':')) {
    throw UsageError("bad " + what + " '" + item + "': expected KEY=VALUE (or KEY:=JSON)");
  }
  if (item[eq - 1] == ':') {
    const std::string key = item.substr(0, eq - 1);
    boost::system::error_code ec;
    json::value v = json::parse(item.substr(eq + 1), ec);
    if (ec) throw UsageError("bad " + what + " '" + item + "': the value after ':=' is not JSON (" + ec.message() + ")");
    if (!all_finite(v)) {
      throw UsageError("bad " + what + " '" + item + "': a number after ':=' is out of range (JSON numbers here are " +
                       "doubles, at most about 1.8e308); to record it as text use " + key + "=" + item.substr(eq + 1));
    }
    out[key] = std::move(v);
  } else {
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
}

/// The run written to: --run-id, else the job's own run (TORCHX_JOB_ID, linked to
/// TORCHX_PARENT_RUN_ID: runner::app_run_from_env).
runner::AppRun write_target(const po::variables_map& vm) {
  if (vm.count("run-id") != 0U) return {vm["run-id"].as<std::string>(), std::nullopt};
  auto run = runner::app_run_from_env();
  if (!run) throw UsageError("no run id: pass --run-id RUN_ID, or run inside a torchx job (which sets TORCHX_JOB_ID)");
  return *run;
}

/// Runs `write` against every chosen tracker, after linking the job to its parent
/// (runner::link_parent). A parent a tracker refuses as invalid is not linked, with one warning.
int write_all(const Invocation& inv, const po::variables_map& vm,
              const std::function<void(loader::TrackerProxy&, const std::string&)>& write) {
  const runner::AppRun target = write_target(vm);
  const auto settings = chosen_trackers(inv, vm);
  std::vector<std::unique_ptr<loader::TrackerProxy>> trackers;
  for (const auto& s : settings) trackers.push_back(runner::open_tracker(inv.session.registry(), s));
  bool warned = false;
  for (auto& t : trackers) {
    if (auto refused = runner::link_parent(*t, target); refused && !std::exchange(warned, true)) {
      spdlog::warn("TORCHX_PARENT_RUN_ID not recorded as the run's source: {}", escape_controls(*refused));
    }
    write(*t, target.run_id);
  }
  return k_exit_ok;
}

void add_writer_options(VerbSpec& spec) {
  spec.options.add_options()("run-id", po::value<std::string>(), "the run to write to (default: $TORCHX_JOB_ID)");
  add_tracker_option(spec);
}

int add_metadata(const Invocation& inv) {
  VerbSpec spec{"torchx tracker add metadata [--run-id ID] [--tracker NAME] KEY=VALUE|KEY:=JSON...",
                "Adds metadata to a run: KEY=VALUE stores a string, KEY:=JSON any JSON value (acc:=0.93).", {}, {}};
  spec.options.add_options()("pairs", po::value<std::vector<std::string>>()->required(), "KEY=VALUE or KEY:=JSON");
  add_writer_options(spec);
  spec.positional.add("pairs", -1);
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  json::object metadata;
  for (const auto& item : (*vm)["pairs"].as<std::vector<std::string>>()) parse_pair(item, "metadata", metadata);
  const std::string text = json::serialize(metadata);
  return write_all(inv, *vm, [&](loader::TrackerProxy& t, const std::string& run) { t.add_metadata(run, text); });
}

int add_artifact(const Invocation& inv) {
  VerbSpec spec{"torchx tracker add artifact [--run-id ID] [--tracker NAME] [--metadata KEY=VALUE]... NAME PATH",
                "Records an artifact of a run (a later one with the same NAME wins). PATH is stored as given.", {}, {}};
  spec.options.add_options()("name", po::value<std::string>()->required(), "the artifact's name")(
      "path", po::value<std::string>()->required(), "where it is (a path or URL)")(
      "metadata", po::value<std::vector<std::string>>()->composing(), "KEY=VALUE or KEY:=JSON (repeatable)");
  add_writer_options(spec);
  spec.positional.add("name", 1).add("path", 1);
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  specs::TrackerArtifact artifact{(*vm)["name"].as<std::string>(), (*vm)["path"].as<std::string>(), "null"};
  if (artifact.name.empty()) throw UsageError("the artifact NAME is empty (usage: " + spec.usage + ")");
  if (vm->count("metadata") != 0U) {
    json::object metadata;
    for (const auto& item : (*vm)["metadata"].as<std::vector<std::string>>()) parse_pair(item, "--metadata", metadata);
    artifact.metadata_json = json::serialize(metadata);
  }
  return write_all(inv, *vm, [&](loader::TrackerProxy& t, const std::string& run) { t.add_artifact(run, artifact); });
}

int add_source(const Invocation& inv) {
  VerbSpec spec{"torchx tracker add source [--run-id ID] [--tracker NAME] [--artifact NAME] SOURCE_RUN_ID",
                "Records that a run came from SOURCE_RUN_ID (through its artifact NAME, if given).", {}, {}};
  spec.options.add_options()("source_run_id", po::value<std::string>()->required(), "the run this one came from")(
      "artifact", po::value<std::string>(), "the source's artifact this run used");
  add_writer_options(spec);
  spec.positional.add("source_run_id", 1);
  auto vm = parse_verb(spec, inv);
  if (!vm) return k_exit_ok;
  specs::TrackerSource source{(*vm)["source_run_id"].as<std::string>(), std::nullopt};
  if (vm->count("artifact") != 0U) source.artifact_name = (*vm)["artifact"].as<std::string>();
  return write_all(inv, *vm, [&](loader::TrackerProxy& t, const std::string& run) { t.add_source(run, source); });
}

struct SubVerb {
  const char* group;
  const char* name;
  int (*run)(const Invocation&);
};

const SubVerb k_sub_verbs[] = {
    {"list", "jobs", &list_jobs},         {"list", "metadata", &list_metadata}, {"list", "artifacts", &list_artifacts},
    {"list", "lineage", &list_lineage},   {"add", "metadata", &add_metadata},   {"add", "artifact", &add_artifact},
    {"add", "source", &add_source},
};

}  // namespace

int cmd_tracker(const Invocation& inv) {
  const auto& a = inv.args;
  if (a.empty()) throw UsageError("missing sub-command: list or add (see: torchx tracker --help)");
  if (a[0] == "--help" || a[0] == "-h") {
    inv.out << k_overview;
    return k_exit_ok;
  }
  if (a[0] != "list" && a[0] != "add") {
    throw UsageError("unknown tracker sub-command '" + a[0] + "'" + util::did_you_mean(a[0], {"list", "add"}) +
                     " (usage: " + k_usage + ")");
  }
  std::vector<std::string> names;
  for (const auto& s : k_sub_verbs) {
    if (a[0] == s.group) names.emplace_back(s.name);
  }
  const std::string choices = fmt::format("{}", fmt::join(names, ", "));
  if (a.size() < 2 || a[1] == "--help" || a[1] == "-h") {
    if (a.size() >= 2) {
      inv.out << k_overview;
      return k_exit_ok;
    }
    throw UsageError("'tracker " + a[0] + "' needs one of: " + choices + " (see: torchx tracker --help)");
  }
  for (const auto& s : k_sub_verbs) {
    if (a[0] == s.group && a[1] == s.name) {
      return s.run(Invocation{std::vector<std::string>(a.begin() + 2, a.end()), inv.out, inv.err, inv.session});
    }
  }
  throw UsageError("unknown 'tracker " + a[0] + "' sub-command '" + a[1] + "'" + util::did_you_mean(a[1], names) +
                   " (expected one of: " + choices + ")");
}

}  // namespace torchx::cli
