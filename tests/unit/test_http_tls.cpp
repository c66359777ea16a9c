// SPDX-License-Identifier: BSD-3-Clause
// torchx::http::Client over TCP and TLS against servers made in the test: a throwaway CA, server
// and client certificates made with the `openssl` CLI, and a one-connection OpenSSL server on
// 127.0.0.1 that writes canned answers. Each error case asserts its kind and its one line, and
// that the Authorization header set on the client appears in none of them.
#include <torchx/http/client.hpp>

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <pthread.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

using namespace torchx;
using namespace std::chrono_literals;

namespace {

constexpr const char* secret = "Bearer s3cr3t-t0ken-never-shown";

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A CA, a second unrelated CA, a server certificate for localhost / kube.test / 127.0.0.1
/// signed by the CA, and a client certificate signed by the CA: made once per test run.
struct Pki {
  test::TempDir dir;
  std::string ca, other_ca, server_cert, server_key, client_cert, client_key;
  std::filesystem::path path(const char* name) const { return dir.path() / name; }

  Pki() {
    const std::string d = dir.path().string();
    const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    dir.write("server.ext", "subjectAltName=DNS:localhost,DNS:kube.test,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1\n");
    dir.write("client.ext", "extendedKeyUsage=clientAuth\n");
    const std::string script =
        "set -e; cd '" + d + "'\n" +
        "openssl req -x509" + key + " -keyout ca.key -out ca.pem -days 2 -subj /CN=torchx-test-ca\n" +
        "openssl req -x509" + key + " -keyout other.key -out other.pem -days 2 -subj /CN=torchx-other-ca\n" +
        "openssl req" + key + " -keyout server.key -out server.csr -subj /CN=localhost\n" +
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext\n" +
        "openssl req" + key + " -keyout client.key -out client.csr -subj /CN=torchx-user\n" +
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 -extfile client.ext\n" +
        "openssl pkey -in client.key -aes256 -passout pass:torchx -out client-encrypted.key\n";
    dir.write("make.sh", script);
    const int rc = std::system(("sh '" + d + "/make.sh' >'" + d + "/make.log' 2>&1").c_str());
    if (rc != 0) FAIL("openssl could not make the test certificates (is the openssl CLI installed?): " << slurp(dir.path() / "make.log"));
    ca = slurp(path("ca.pem"));
    other_ca = slurp(path("other.pem"));
    server_cert = slurp(path("server.pem"));
    server_key = slurp(path("server.key"));
    client_cert = slurp(path("client.pem"));
    client_key = slurp(path("client.key"));
  }
};

const Pki& pki() {
  static const Pki p;
  return p;
}

/// A socket listening on 127.0.0.1 at a free port.
int listen_local(unsigned short& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  port = ntohs(addr.sin_port);
  return fd;
}

/// The same on ::1, or -1 where this machine has no IPv6 loopback.
int listen_local_v6(unsigned short& port) {
  const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 8) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  port = ntohs(addr.sin6_port);
  return fd;
}

struct ServerOptions {
  bool tls = true;
  std::string cert = pki().server_cert;  // PEM; files written by the server
  std::string key = pki().server_key;
  bool require_client_cert = false;
  std::vector<std::string> parts = {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
  std::chrono::milliseconds pause = 0ms;
  bool ipv6 = false;  // listen on ::1 (the test is skipped where it has none)
};

/// Accepts one connection (TLS or plain), reads the request head, writes `parts` with `pause`
/// between them, closes. Records the request head and the SNI name the client sent.
class Server {
public:
  explicit Server(ServerOptions o) : m_o(std::move(o)) {
    m_fd = m_o.ipv6 ? listen_local_v6(port) : listen_local(port);
    if (m_fd < 0) return;
    if (m_o.tls) {
      m_ctx = ::SSL_CTX_new(::TLS_server_method());
      const auto cert = m_dir.write("cert.pem", m_o.cert);
      const auto key = m_dir.write("key.pem", m_o.key);
      REQUIRE(::SSL_CTX_use_certificate_chain_file(m_ctx, cert.c_str()) == 1);
      REQUIRE(::SSL_CTX_use_PrivateKey_file(m_ctx, key.c_str(), SSL_FILETYPE_PEM) == 1);
      if (m_o.require_client_cert) {
        REQUIRE(::SSL_CTX_load_verify_locations(m_ctx, pki().path("ca.pem").c_str(), nullptr) == 1);
        ::SSL_CTX_set_verify(m_ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      }
    }
    m_thread = std::thread([this] { serve(); });
  }
  ~Server() {
    if (m_fd < 0) return;
    ::shutdown(m_fd, SHUT_RDWR);
    ::close(m_fd);
    m_thread.join();
    if (m_ctx != nullptr) ::SSL_CTX_free(m_ctx);
  }
  std::string url(const std::string& host = "127.0.0.1") const {
    return std::string(m_o.tls ? "https" : "http") + "://" + host + ":" + std::to_string(port);
  }
  [[nodiscard]] bool listening() const { return m_fd >= 0; }
  unsigned short port = 0;
  std::string request;  // the head the client sent
  std::string sni;      // the server name it asked for

private:
  void serve() {
    // A client that gave up closes first: writing then must fail with EPIPE, not kill the tests.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    const int c = ::accept(m_fd, nullptr, nullptr);
    if (c < 0) return;
    SSL* ssl = nullptr;
    auto read = [&](char* buf, int n) { return ssl != nullptr ? ::SSL_read(ssl, buf, n) : static_cast<int>(::read(c, buf, n)); };
    auto write = [&](const std::string& s) {
      return ssl != nullptr ? ::SSL_write(ssl, s.data(), static_cast<int>(s.size())) : static_cast<int>(::write(c, s.data(), s.size()));
    };
    if (m_ctx != nullptr) {
      ssl = ::SSL_new(m_ctx);
      ::SSL_set_fd(ssl, c);
      if (::SSL_accept(ssl) != 1) {
        ::ERR_clear_error();
        ::SSL_free(ssl);
        ::close(c);
        return;
      }
      if (const char* name = ::SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) sni = name;
    }
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const int n = read(buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    if (request.find("\r\n\r\n") != std::string::npos) {
      for (const auto& p : m_o.parts) {
        if (write(p) <= 0) break;
        std::this_thread::sleep_for(m_o.pause);
      }
    }
    if (ssl != nullptr) {
      ::SSL_shutdown(ssl);
      ::SSL_free(ssl);
    }
    ::ERR_clear_error();
    ::close(c);
  }

  ServerOptions m_o;
  test::TempDir m_dir;
  SSL_CTX* m_ctx = nullptr;
  int m_fd = -1;
  std::thread m_thread;
};

http::Endpoint endpoint(const std::string& url, http::TlsOptions tls = {}) {
  auto e = http::Endpoint::parse(url);
  e.tls = std::move(tls);
  return e;
}

http::TlsOptions trusting(const std::string& ca) {
  http::TlsOptions t;
  t.ca_pem = ca;
  return t;
}

/// The HttpError `f` throws, checked to be one line without the Authorization header's value.
template <typename F>
http::HttpError error_of(F&& f) {
  try {
    f();
  } catch (const http::HttpError& e) {
    const std::string what = e.what();
    CHECK(what.find('\n') == std::string::npos);
    CHECK(what.find("s3cr3t") == std::string::npos);
    CHECK(what.find("PRIVATE KEY") == std::string::npos);
    return e;
  }
  FAIL("no HttpError");
  return http::HttpError(http::HttpError::Kind::protocol, "unreachable");
}

}  // namespace

TEST_CASE("Client::request over TLS: the CA verifies the server by IP and by name, headers and base_path are sent") {
  Server server({});
  http::Client client(endpoint(server.url() + "/prefix/", trusting(pki().ca)), 5s);
  client.set_header("Authorization", secret);
  client.set_header("accept", "application/json");
  client.set_header("Accept", "application/yaml");  // replaces, whatever the case
  const auto r = client.request("GET", "/api/v1/namespaces?limit=1");
  CHECK(r.status == 200);
  CHECK(r.body == "ok");
  CHECK(server.request.starts_with("GET /prefix/api/v1/namespaces?limit=1 HTTP/1.1\r\n"));
  CHECK(server.request.find("\r\nHost: 127.0.0.1:" + std::to_string(server.port) + "\r\n") != std::string::npos);
  CHECK(server.request.find(std::string("\r\nAuthorization: ") + secret + "\r\n") != std::string::npos);
  CHECK(server.request.find("\r\naccept: application/yaml\r\n") != std::string::npos);
  CHECK(server.request.find("application/json") == std::string::npos);
  CHECK(server.sni.empty());  // no SNI for an IP address (RFC 6066)

  Server named({});
  http::Client by_name(endpoint(named.url("localhost"), trusting(pki().ca)), 5s);
  CHECK(by_name.request("GET", "/version").status == 200);
  CHECK(named.sni == "localhost");
  CHECK(named.request.find("\r\nHost: localhost:" + std::to_string(named.port) + "\r\n") != std::string::npos);
}

TEST_CASE("Client::request over TLS: an IPv6 address in brackets, verified against the certificate's IP") {
  ServerOptions o;
  o.ipv6 = true;
  Server server(o);
  if (!server.listening()) {
    MESSAGE("skipped: no IPv6 loopback here");
    return;
  }
  http::Client client(endpoint("https://[::1]:" + std::to_string(server.port), trusting(pki().ca)), 5s);
  CHECK(client.request("GET", "/").status == 200);
  CHECK(server.request.find("\r\nHost: [::1]:" + std::to_string(server.port) + "\r\n") != std::string::npos);
}

TEST_CASE("Client::request over TLS: several certificates in ca_pem, the right one among them") {
  Server server({});
  http::Client client(endpoint(server.url(), trusting(pki().other_ca + pki().ca)), 5s);
  CHECK(client.request("GET", "/").status == 200);
}

TEST_CASE("Client::request over TLS: the wrong CA or a self-signed server is a tls error, one line") {
  Server server({});
  http::Client client(endpoint(server.url(), trusting(pki().other_ca)), 5s);
  client.set_header("Authorization", secret);
  const auto e = error_of([&] { (void)client.request("GET", "/"); });
  CHECK(e.kind() == http::HttpError::Kind::tls);
  CHECK(std::string(e.what()) == "TLS handshake with " + server.url() +
                                     " failed: certificate verify failed: unable to get local issuer certificate");

  ServerOptions self_signed;
  self_signed.cert = pki().ca;
  self_signed.key = slurp(pki().path("ca.key"));
  Server self(self_signed);
  http::Client to_self(endpoint(self.url(), trusting(pki().other_ca)), 5s);
  const auto e2 = error_of([&] { (void)to_self.request("GET", "/"); });
  CHECK(e2.kind() == http::HttpError::Kind::tls);
  CHECK(std::string(e2.what()) == "TLS handshake with " + self.url() + " failed: certificate verify failed: self-signed certificate");
}

TEST_CASE("Client::request over TLS: the system's roots do not trust a private CA") {
  Server server({});
  http::Client client(endpoint(server.url()), 5s);
  const auto e = error_of([&] { (void)client.request("GET", "/"); });
  CHECK(e.kind() == http::HttpError::Kind::tls);
  CHECK(std::string(e.what()).find("certificate verify failed") != std::string::npos);
}

TEST_CASE("Client::request over TLS: insecure_skip_verify accepts any certificate and name") {
  Server server({});
  http::TlsOptions tls = trusting(pki().other_ca);
  tls.insecure_skip_verify = true;
  tls.server_name = "not-the-name.test";
  http::Client client(endpoint(server.url(), tls), 5s);
  CHECK(client.request("GET", "/").status == 200);
}

TEST_CASE("Client::request over TLS: server_name overrides the name checked and sent as SNI, a mismatch is a tls error") {
  Server server({});
  http::TlsOptions tls = trusting(pki().ca);
  tls.server_name = "kube.test";
  http::Client client(endpoint(server.url(), tls), 5s);
  CHECK(client.request("GET", "/").status == 200);
  CHECK(server.sni == "kube.test");

  Server other({});
  tls.server_name = "other.test";
  http::Client wrong(endpoint(other.url(), tls), 5s);
  const auto e = error_of([&] { (void)wrong.request("GET", "/"); });
  CHECK(e.kind() == http::HttpError::Kind::tls);
  CHECK(std::string(e.what()) == "TLS handshake with " + other.url() +
                                     " failed: certificate verify failed: hostname mismatch (the certificate is not for 'other.test')");
}

TEST_CASE("Client::request over TLS: a server that requires a client certificate gets it, or refuses") {
  ServerOptions o;
  o.require_client_cert = true;
  Server server(o);
  http::TlsOptions tls = trusting(pki().ca);
  tls.client_cert_pem = pki().client_cert;
  tls.client_key_pem = pki().client_key;
  http::Client client(endpoint(server.url(), tls), 5s);
  CHECK(client.request("GET", "/").status == 200);

  Server strict(o);
  http::Client anonymous(endpoint(strict.url(), trusting(pki().ca)), 5s);
  anonymous.set_header("Authorization", secret);
  const auto e = error_of([&] { (void)anonymous.request("GET", "/"); });
  CHECK_MESSAGE(e.kind() == http::HttpError::Kind::tls, std::string(e.what()));
  // TLS 1.3 reports the refusal as an alert after the handshake, on the first read.
  CHECK(std::string(e.what()).find("certificate required") != std::string::npos);
}

TEST_CASE("Client::request over TLS: unusable PEM, or a key without its certificate, is one line naming the option only") {
  http::TlsOptions garbage = trusting("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
  http::Client c1(endpoint("https://127.0.0.1:1", garbage), 1s);
  auto e = error_of([&] { (void)c1.request("GET", "/"); });
  CHECK(e.kind() == http::HttpError::Kind::tls);
  CHECK(std::string(e.what()) ==
        "https://127.0.0.1:1: the CA certificates (certificate-authority-data) cannot be read (not a usable PEM)");

  http::TlsOptions bad_key = trusting(pki().ca);
  bad_key.client_cert_pem = pki().client_cert;
  bad_key.client_key_pem = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n";
  http::Client c2(endpoint("https://127.0.0.1:1", bad_key), 1s);
  e = error_of([&] { (void)c2.request("GET", "/"); });
  CHECK(std::string(e.what()) == "https://127.0.0.1:1: the client key (client-key-data) cannot be read (not a usable PEM)");
  CHECK(std::string(e.what()).find("c2VjcmV0") == std::string::npos);

  http::TlsOptions encrypted = trusting(pki().ca);
  encrypted.client_cert_pem = pki().client_cert;
  encrypted.client_key_pem = slurp(pki().path("client-encrypted.key"));
  REQUIRE(encrypted.client_key_pem.find("ENCRYPTED PRIVATE KEY") != std::string::npos);
  http::Client c5(endpoint("https://127.0.0.1:1", encrypted), 1s);
  e = error_of([&] { (void)c5.request("GET", "/"); });  // asks no passphrase
  CHECK(std::string(e.what()) == "https://127.0.0.1:1: the client key (client-key-data) cannot be read (not a usable PEM)");

  http::TlsOptions mismatched = trusting(pki().ca);
  mismatched.client_cert_pem = pki().client_cert;
  mismatched.client_key_pem = pki().server_key;
  http::Client c3(endpoint("https://127.0.0.1:1", mismatched), 1s);
  e = error_of([&] { (void)c3.request("GET", "/"); });
  CHECK(std::string(e.what()) == "https://127.0.0.1:1: the client key does not match the client certificate");

  http::TlsOptions half = trusting(pki().ca);
  half.client_key_pem = pki().client_key;
  http::Client c4(endpoint("https://127.0.0.1:1", half), 1s);
  e = error_of([&] { (void)c4.request("GET", "/"); });
  CHECK(std::string(e.what()) == "https://127.0.0.1:1: a client certificate needs both the certificate and its key");
}

TEST_CASE("Client::request over TCP: refused is kind connect, an unknown name kind dns") {
  unsigned short port = 0;
  ::close(listen_local(port));  // a port nobody listens on
  for (const char* scheme : {"http", "https"}) {
    http::Client client(endpoint(std::string(scheme) + "://127.0.0.1:" + std::to_string(port)), 2s);
    client.set_header("Authorization", secret);
    const auto e = error_of([&] { (void)client.request("GET", "/"); });
    CHECK(e.kind() == http::HttpError::Kind::connect);
    CHECK(std::string(e.what()) == std::string("cannot connect to ") + scheme + "://127.0.0.1:" + std::to_string(port) +
                                       ": Connection refused");
  }
  http::Client nowhere(endpoint("https://no-such-host.invalid:6443"), 10s);
  nowhere.set_header("Authorization", secret);
  const auto e = error_of([&] { (void)nowhere.request("GET", "/"); });
  CHECK(e.kind() == http::HttpError::Kind::dns);
  CHECK(std::string(e.what()).starts_with("cannot resolve 'no-such-host.invalid' (https://no-such-host.invalid:6443): "));
}

TEST_CASE("Client::request over TLS: a server that accepts and never answers is a timeout") {
  unsigned short port = 0;
  const int fd = listen_local(port);  // the kernel accepts; nobody reads or writes
  http::Client client(endpoint("https://127.0.0.1:" + std::to_string(port), trusting(pki().ca)), 300ms);
  client.set_header("Authorization", secret);
  const auto start = std::chrono::steady_clock::now();
  const auto e = error_of([&] { (void)client.request("GET", "/"); });
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK(e.kind() == http::HttpError::Kind::timeout);
  CHECK(std::string(e.what()) == "https://127.0.0.1:" + std::to_string(port) + ": no answer within 300 ms while negotiating TLS");
  ::close(fd);

  // After the handshake: the response never comes, within the whole request's limit.
  ServerOptions slow;
  slow.parts = {"HTTP/1.1 200 OK\r\n", "Content-Length: 2\r\n\r\nok"};
  slow.pause = 2000ms;
  Server server(slow);
  http::Client c2(endpoint(server.url(), trusting(pki().ca)), 500ms);
  c2.set_header("Authorization", secret);
  const auto e2 = error_of([&] { (void)c2.request("GET", "/"); });
  CHECK(e2.kind() == http::HttpError::Kind::timeout);
  CHECK(std::string(e2.what()) == server.url() + ": no answer within 500 ms while reading the response");
}

TEST_CASE("Client::open over TLS: a chunked body arrives piece by piece, a quiet stream ends with the idle timeout") {
  ServerOptions o;
  o.parts = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "4\r\nlog1\r\n", "4\r\nlog2\r\n", "0\r\n\r\n"};
  o.pause = 50ms;
  Server server(o);
  http::Client client(endpoint(server.url(), trusting(pki().ca)), 5s);
  auto s = client.open("GET", "/api/v1/namespaces/x/pods/p/log?follow=true", {}, {}, 5s);
  CHECK(s->status() == 200);
  std::string all;
  int pieces = 0;
  while (auto p = s->read_some()) {
    all += *p;
    ++pieces;
  }
  CHECK(all == "log1log2");
  CHECK(pieces >= 2);

  ServerOptions quiet;
  quiet.parts = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nlog1\r\n", "0\r\n\r\n"};
  quiet.pause = 1500ms;
  Server idle(quiet);
  http::Client c2(endpoint(idle.url(), trusting(pki().ca)), 5s);
  c2.set_header("Authorization", secret);
  auto s2 = c2.open("GET", "/log", {}, {}, 200ms);
  CHECK(s2->read_some() == "log1");
  const auto e = error_of([&] { (void)s2->read_some(); });
  CHECK(e.kind() == http::HttpError::Kind::timeout);
  CHECK(std::string(e.what()) == idle.url() + ": no answer within 200 ms while reading the response body");
  const auto again = error_of([&] { (void)s2->read_some(); });
  CHECK(std::string(again.what()) == idle.url() + ": the connection was closed after an earlier timeout");
}

TEST_CASE("Client::request over TLS: a body ended by closing the connection is read whole") {
  ServerOptions o;
  o.parts = {"HTTP/1.1 200 OK\r\n\r\n", "no length, ", "ends at the close"};
  Server server(o);
  http::Client client(endpoint(server.url(), trusting(pki().ca)), 5s);
  CHECK(client.request("GET", "/").body == "no length, ends at the close");
}

TEST_CASE("Client::request over plain http: Host names the port, a POST carries its body") {
  ServerOptions o;
  o.tls = false;
  o.parts = {"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"};
  Server server(o);
  http::Client client(endpoint(server.url()), 5s);
  CHECK(client.request("POST", "/apis/batch/v1/namespaces/default/jobs", R"({"kind":"Job"})").status == 201);
  CHECK(server.request.find("\r\nHost: 127.0.0.1:" + std::to_string(server.port) + "\r\n") != std::string::npos);
  CHECK(server.request.find("\r\nContent-Type: application/json\r\n") != std::string::npos);
}

TEST_CASE("Client::request over TLS: a hostile server_name or a host set by hand is refused without echoing it") {
  http::TlsOptions tls = trusting(pki().ca);
  tls.server_name = "kube.test\nX-Evil: 1";
  Server server({});
  http::Client client(endpoint(server.url(), tls), 5s);
  const auto e = error_of([&] { (void)client.request("GET", "/"); });
  CHECK(e.kind() == http::HttpError::Kind::tls);
  CHECK(std::string(e.what()) == server.url() + ": the TLS server name is neither a host name nor an IP address");

  auto by_hand = http::Endpoint::parse("https://127.0.0.1:6443");
  by_hand.host = "evil\r\nX: 1";
  http::Client hand(by_hand, 1s);
  CHECK_THROWS_WITH_AS(hand.request("GET", "/"), "invalid endpoint host: use Endpoint::parse", std::invalid_argument);
}

TEST_CASE("Client::set_header: a hostile name or value is refused without echoing the value") {
  http::Client client(endpoint("https://127.0.0.1:6443"), 1s);
  CHECK_THROWS_WITH_AS(client.set_header("Authorization", "Bearer x\r\nX-Injected: 1"),
                       "invalid value for header 'Authorization': it holds a line break or NUL", std::invalid_argument);
  CHECK_THROWS_WITH_AS(client.set_header("Bad Name", "v"), "invalid header name (expected letters, digits and !#$%&'*+-.^_`|~)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(client.request("GET", "/x y"),
                       "invalid request target: it must start with '/' and hold no space or control character",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(client.request("GET", "x"), "invalid request target: it must start with '/' and hold no space or control character",
                       std::invalid_argument);
}
