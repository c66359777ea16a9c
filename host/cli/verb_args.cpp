// SPDX-License-Identifier: BSD-3-Clause
#include "verb_args.hpp"

#include <torchx/util/suggest.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ostream>
#include <set>
#include <string_view>

namespace po = boost::program_options;

namespace torchx::cli {
namespace {

std::vector<std::string> option_names(const po::options_description& desc) {
  std::vector<std::string> names;
  for (const auto& o : desc.options()) {
    const std::string long_name = o->long_name();
    if (!long_name.empty()) names.push_back("--" + long_name);
  }
  return names;
}

/// The names of the options that only carry positional arguments (APP_HANDLE, NAME, ...).
std::set<std::string> positional_names(const po::positional_options_description& positional) {
  std::set<std::string> names;
  for (unsigned i = 0; i < std::min(positional.max_total_count(), 32U); ++i) names.insert(positional.name_for_position(i));
  return names;
}

/// What the usage line calls a positional argument: its option's name upper-cased (`app_handle`
/// -> `APP_HANDLE`), never the internal `--app_handle`.
std::string metavar(const std::string& option) {
  std::string out = option;
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void print_pretty(std::string& out, const boost::json::value& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  const std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
  if (const auto* o = v.if_object(); o != nullptr && !o->empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& kv : *o) {
      out += (first ? "" : ",\n") + inner + boost::json::serialize(boost::json::value(kv.key())) + ": ";
      print_pretty(out, kv.value(), indent + 1);
      first = false;
    }
    out += "\n" + pad + "}";
  } else if (const auto* a = v.if_array(); a != nullptr && !a->empty()) {
    out += "[\n";
    for (std::size_t i = 0; i < a->size(); ++i) {
      out += (i ? ",\n" : "") + inner;
      print_pretty(out, (*a)[i], indent + 1);
    }
    out += "\n" + pad + "]";
  } else {
    out += boost::json::serialize(v);
  }
}

}  // namespace

std::optional<po::variables_map> parse_verb(const VerbSpec& spec, const Invocation& inv) {
  po::options_description all;
  all.add(spec.options);
  all.add_options()("help,h", "show this help and exit");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(inv.args).options(all).positional(spec.positional).run(), vm);
    if (vm.count("help") != 0U) {
      // Options that only carry positional arguments (APP_HANDLE, NAME, ...) are in the usage line.
      const std::set<std::string> positional = positional_names(spec.positional);
      po::options_description visible;
      for (const auto& option : all.options()) {
        if (positional.count(option->long_name()) == 0U) visible.add(option);
      }
      inv.out << "usage: " << spec.usage << "\n\n" << spec.description << "\n\n" << visible;
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    std::string flag = e.get_option_name();
    throw UsageError("unrecognized option '" + flag + "'" + util::did_you_mean(flag, option_names(all)) +
                     " (usage: " + spec.usage + ")");
  } catch (const po::too_many_positional_options_error&) {
    throw UsageError("too many arguments (usage: " + spec.usage + ")");
  } catch (const po::required_option& e) {
    std::string name = e.get_option_name();
    name.erase(0, name.find_first_not_of('-'));
    if (positional_names(spec.positional).contains(name)) {
      throw UsageError("missing " + metavar(name) + " (usage: " + spec.usage + ")");
    }
    throw UsageError(std::string(e.what()) + " (usage: " + spec.usage + ")");
  } catch (const po::error& e) {
    // Name a positional argument as the usage line does, not by its internal option.
    std::string message = e.what();
    for (const auto& name : positional_names(spec.positional)) {
      const std::string internal = "'--" + name + "'";
      for (auto at = message.find(internal); at != std::string::npos; at = message.find(internal)) {
        message.replace(at, internal.size(), metavar(name));
      }
    }
    throw UsageError(message + " (usage: " + spec.usage + ")");
  }
  return vm;
}

std::string pretty_json(const std::string& json_text) {
  std::string out;
  print_pretty(out, boost::json::parse(json_text), 0);
  return out;
}

namespace {

bool ascii(std::string_view s) {
  for (const unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

}  // namespace

// Cells are padded to their column's width in bytes (the widths are byte counts); an ASCII cell is
// padded by hand, anything else by fmt as before (fmt pads by display width), so the output is
// the same byte for byte and a 10,000-row table costs one pass and one string.
std::string format_table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& h : headers) widths.push_back(h.size());
  std::size_t total = 0;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto w : widths) total += w + 2;
  std::string out;
  out.reserve((rows.size() + 2) * (total + 1));
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      if (i + 1 == widths.size()) {
        out += cells[i];
      } else if (ascii(cells[i])) {
        out += cells[i];
        out.append(widths[i] - cells[i].size() + 2, ' ');
      } else {
        out += fmt::format("{:<{}}  ", cells[i], widths[i]);
      }
    }
    out += '\n';
  };
  line(headers);
  std::vector<std::string> rule;
  for (auto w : widths) rule.emplace_back(w, '-');
  line(rule);
  for (const auto& row : rows) line(row);
  return out;
}

}  // namespace torchx::cli
