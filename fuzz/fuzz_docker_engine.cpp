// SPDX-License-Identifier: BSD-3-Clause
// local_docker's readers of the engine's answers (plugins/docker/engine_json.hpp): the first byte
// picks the reader. The JSON readers return or throw EngineJsonError, nothing else, and what they
// read is usable (a state, an exit text); the log demultiplexer gives the same lines whatever the
// pieces the stream arrives in, and loses no payload byte.
#include "fuzz_check.hpp"

#include "engine_json.hpp"

#include <numeric>

namespace {

using torchx::docker::LogDemux;

std::vector<LogDemux::Line> demux(std::string_view stream, std::size_t piece) {
  LogDemux d;
  std::vector<LogDemux::Line> lines;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    d.feed(stream.substr(at, piece));
    while (auto l = d.next()) lines.push_back(std::move(*l));
  }
  d.finish();
  while (auto l = d.next()) lines.push_back(std::move(*l));
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace torchx::docker;
  if (size == 0) return 0;
  const std::string_view body = torchx::fuzz::text(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      try {
        const ContainerInfo c = parse_inspect(body);
        (void)replica_state(c);
        const std::string why = exit_text(c);
        FUZZ_CHECK(why.empty() == (replica_state(c) != torchx::specs::AppState::FAILED));
      } catch (const EngineJsonError&) {
      }
      break;
    case 1:
      try {
        for (const auto& c : parse_list(body)) FUZZ_CHECK(!c.id.empty() && !c.app_id.empty() && c.replica_id >= 0);
      } catch (const EngineJsonError&) {
      }
      break;
    case 2:
      try {
        for (const auto& n : parse_networks(body)) FUZZ_CHECK(!n.app_id.empty());
      } catch (const EngineJsonError&) {
      }
      break;
    case 3:
      FUZZ_CHECK(engine_message(body).size() <= 303);
      break;
    default: {
      const auto whole = demux(body, body.size() + 1);
      for (const std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{8}}) {
        const auto pieces = demux(body, piece);
        FUZZ_CHECK(pieces.size() == whole.size());
        for (std::size_t i = 0; i < whole.size(); ++i) {
          FUZZ_CHECK(pieces[i].stream == whole[i].stream && pieces[i].text == whole[i].text);
        }
      }
      for (const auto& l : whole) FUZZ_CHECK(l.text.find('\n') == std::string::npos && l.text.size() <= LogDemux::k_max_line);
      break;
    }
  }
  return 0;
}
