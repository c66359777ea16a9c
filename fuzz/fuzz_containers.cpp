// SPDX-License-Identifier: BSD-3-Clause
// The containers library's readers of untrusted text (plugin-api/include/torchx/containers/):
// the first byte picks one. image_repo and image names either parse into something that prints
// back as the input, or throw std::invalid_argument with one line; the engine's push/pull stream
// reader gives the same result whatever the pieces, and its error is one bounded line; an auth
// file either has an entry (an X-Registry-Auth value that decodes to JSON), none, or throws
// std::invalid_argument.
#include "fuzz_check.hpp"

#include <torchx/containers/image_reference.hpp>
#include <torchx/containers/push.hpp>
#include <torchx/containers/registry_auth.hpp>

#include <stdexcept>

namespace {

using namespace torchx::containers;

bool one_line(const std::string& s) { return s.find('\n') == std::string::npos && s.find('\r') == std::string::npos; }

void repository(std::string_view in) {
  try {
    const auto r = parse_repository(in);
    FUZZ_CHECK(r.str() == in);
    FUZZ_CHECK(!r.path.empty() && !r.registry().empty());
    FUZZ_CHECK(parse_repository(r.str()).path == r.path);
  } catch (const std::invalid_argument& e) {
    FUZZ_CHECK(one_line(e.what()));
    FUZZ_CHECK(std::string_view(e.what()).size() < 400);
  }
}

void image_name(std::string_view in) {
  try {
    const auto n = parse_image_name(in);
    FUZZ_CHECK(n.str() == in);
    FUZZ_CHECK(!n.tag.empty() && n.tag.size() <= 128);
  } catch (const std::invalid_argument& e) {
    FUZZ_CHECK(one_line(e.what()));
  }
}

struct Read {
  std::vector<std::string> lines;
  std::string error, digest;
};
Read read(std::string_view stream, std::size_t piece) {
  PushStreamReader r;
  Read out;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    const auto l = r.feed(stream.substr(at, piece));
    out.lines.insert(out.lines.end(), l.begin(), l.end());
  }
  const auto l = r.finish();
  out.lines.insert(out.lines.end(), l.begin(), l.end());
  out.error = r.error();
  out.digest = r.digest();
  return out;
}

void push_stream(std::string_view in) {
  const Read whole = read(in, in.size() + 1);
  for (const std::size_t piece : {std::size_t{1}, std::size_t{7}}) {
    const Read parts = read(in, piece);
    FUZZ_CHECK(parts.lines == whole.lines && parts.error == whole.error && parts.digest == whole.digest);
  }
  FUZZ_CHECK(one_line(whole.error) && whole.error.size() <= 503);
  for (const auto& l : whole.lines) FUZZ_CHECK(one_line(l) && !l.empty());
}

void auth(std::string_view in) {
  try {
    const auto header = registry_auth_from_config(in, ImageRepository{"localhost:5000", "team/app"});
    if (header) FUZZ_CHECK(base64_decode(*header).has_value() && base64_decode(*header)->starts_with("{"));
  } catch (const std::invalid_argument& e) {
    FUZZ_CHECK(one_line(e.what()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view in = torchx::fuzz::text(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: repository(in); break;
    case 1: image_name(in); break;
    case 2: push_stream(in); break;
    default: auth(in); break;
  }
  return 0;
}
