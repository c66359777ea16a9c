// SPDX-License-Identifier: BSD-3-Clause
// TLS for torchx::http (library torchx_http_tls): OpenSSL through Boost.Asio's ssl::stream.
// The server's chain is verified against TlsOptions::ca_pem (or the system's roots) and its
// name or IP address against the host (or TlsOptions::server_name), which is also sent as SNI
// when it is a name. Failures are one line built from OpenSSL's reason strings and the
// verification result: never a certificate's or key's content.
#include "connection.hpp"

#include <boost/asio/ssl.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace torchx::http::detail {
namespace {

namespace ssl = asio::ssl;
using TlsStream = ssl::stream<tcp::socket>;

/// OpenSSL's reason for `ec` without the library suffix Asio adds ("(SSL routines)").
std::string reason(error_code ec) {
  if (ec.category() == asio::error::get_ssl_category()) {
    if (const char* r = ::ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) return r;
  }
  if (ec == ssl::error::stream_truncated) return "the server closed the connection without a TLS close_notify";
  return ec.message();
}

bool is_ip(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

[[noreturn]] void bad_option(const std::string& where, const std::string& what) {
  // Names the option, never its content (a key, a certificate).
  ::ERR_clear_error();
  throw HttpError(HttpError::Kind::tls, where + ": " + what + " (not a usable PEM)");
}

/// The SSL_CTX for one Client: trust roots, client certificate and key, TLS 1.2 at least.
std::shared_ptr<ssl::context> make_context(const TlsOptions& tls, const std::string& where) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ::SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  error_code ec;
  if (tls.insecure_skip_verify) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    ctx->set_verify_mode(ssl::verify_peer);
    if (tls.ca_pem.empty()) {
      ctx->set_default_verify_paths(ec);
      if (ec) throw HttpError(HttpError::Kind::tls, where + ": cannot load the system's CA certificates: " + reason(ec));
    } else {
      ctx->add_certificate_authority(asio::buffer(tls.ca_pem), ec);
      if (ec) bad_option(where, "the CA certificates (certificate-authority-data) cannot be read");
    }
  }
  if (!tls.client_cert_pem.empty() || !tls.client_key_pem.empty()) {
    if (tls.client_cert_pem.empty() || tls.client_key_pem.empty()) {
      throw HttpError(HttpError::Kind::tls, where + ": a client certificate needs both the certificate and its key");
    }
    // An encrypted key must fail, not make OpenSSL ask for a passphrase on the terminal.
    ctx->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); }, ec);
    ctx->use_certificate_chain(asio::buffer(tls.client_cert_pem), ec);
    if (ec) bad_option(where, "the client certificate (client-certificate-data) cannot be read");
    ctx->use_private_key(asio::buffer(tls.client_key_pem), ssl::context::pem, ec);
    if (ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
      ::ERR_clear_error();
      throw HttpError(HttpError::Kind::tls, where + ": the client key does not match the client certificate");
    }
    if (ec) bad_option(where, "the client key (client-key-data) cannot be read");
    if (::SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
      ::ERR_clear_error();
      throw HttpError(HttpError::Kind::tls, where + ": the client key does not match the client certificate");
    }
  }
  ::ERR_clear_error();
  return ctx;
}

class TlsConnection : public StreamConnection<TlsStream> {
public:
  TlsConnection(std::string where, std::shared_ptr<ssl::context> ctx)
      : StreamConnection(std::move(where), *ctx), m_ctx(std::move(ctx)) {}

  void connect(const Endpoint& endpoint, const Deadline& d) {
    connect_tcp(m_stream.next_layer(), endpoint, d);
    const std::string& name = endpoint.tls.server_name.empty() ? endpoint.host : endpoint.tls.server_name;
    const bool plain = name.size() <= 253 && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_' || c == ':' || c == '*';
    });
    if (name.empty() || !plain) {  // not echoed: it may hold anything
      throw HttpError(HttpError::Kind::tls, m_where + ": the TLS server name is neither a host name nor an IP address");
    }
    SSL* ssl = m_stream.native_handle();
    if (!is_ip(name) && ::SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
      ::ERR_clear_error();
      throw HttpError(HttpError::Kind::tls, m_where + ": '" + name + "' cannot be sent as the TLS server name");
    }
    if (!endpoint.tls.insecure_skip_verify) {
      X509_VERIFY_PARAM* param = ::SSL_get0_param(ssl);
      ::X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      const int ok = is_ip(name) ? ::X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                                 : ::X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
      if (ok != 1) {
        ::ERR_clear_error();
        throw HttpError(HttpError::Kind::tls, m_where + ": '" + name + "' cannot be checked against the certificate");
      }
    }
    const auto ec = run([&](auto h) { m_stream.async_handshake(ssl::stream_base::client, h); }, d, "negotiating TLS");
    if (ec) {
      // With insecure_skip_verify the chain is still checked (and the result kept) but ignored.
      const long verify = endpoint.tls.insecure_skip_verify ? X509_V_OK : ::SSL_get_verify_result(ssl);
      std::string why = verify != X509_V_OK ? std::string("certificate verify failed: ") + ::X509_verify_cert_error_string(verify)
                                            : reason(ec);
      if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        why += " (the certificate is not for '" + name + "')";
      }
      ::ERR_clear_error();
      throw HttpError(HttpError::Kind::tls, "TLS handshake with " + m_where + " failed: " + why);
    }
  }

  /// A server that refuses us with an alert after the handshake (TLS 1.3: no client
  /// certificate) may close before the request is written: the write then fails with a reset,
  /// and the alert, already received, says why. Read it and report that instead.
  void write(Request& req, const Deadline& d) override {
    try {
      StreamConnection::write(req, d);
    } catch (const HttpError& e) {
      if (e.kind() != HttpError::Kind::protocol) throw;
      std::array<char, 256> buf{};
      error_code ec;
      try {
        ec = run([&](auto h) { m_stream.async_read_some(asio::buffer(buf), h); }, std::min(d.left(), milliseconds(1000)),
                 d.limit, "reading the server's alert");
      } catch (const HttpError&) {
        throw e;
      }
      if (ec.category() == asio::error::get_ssl_category()) fail(ec, "sending the request");
      throw;
    }
  }

protected:
  void close() noexcept override {
    error_code ignored;
    m_stream.next_layer().close(ignored);
  }
  bool truncated(error_code ec) const override { return ec == ssl::error::stream_truncated; }
  /// TLS errors after the handshake (TLS 1.3 reports a refused client certificate on the first
  /// read, as an alert) are kind tls; the rest as for any stream.
  [[noreturn]] void fail(error_code ec, const std::string& doing) override {
    if (ec.category() == asio::error::get_ssl_category() || ec == ssl::error::stream_truncated) {
      ::ERR_clear_error();
      throw HttpError(HttpError::Kind::tls, m_where + ": TLS error while " + doing + ": " + reason(ec));
    }
    Connection::fail(ec, doing);
  }

private:
  std::shared_ptr<ssl::context> m_ctx;  // also the Client's cache; the SSL holds its own reference to the SSL_CTX
};

}  // namespace
}  // namespace torchx::http::detail

using namespace torchx::http;
using namespace torchx::http::detail;

extern "C" Connection* torchx_http_connect_tls(const Endpoint& endpoint, std::shared_ptr<void>& state, const Deadline& d) {
  if (!state) state = make_context(endpoint.tls, endpoint.url());
  auto c = std::make_unique<TlsConnection>(endpoint.url(), std::static_pointer_cast<ssl::context>(state));
  c->connect(endpoint, d);
  return c.release();
}
