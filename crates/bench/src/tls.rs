//! The rustls client configuration: `hearth_certs::PinnedVerifier` (so the
//! handshake signature is always verified: the peer must hold the key of the
//! certificate it shows), no session resumption (every simulated user pays for
//! a full handshake, as a new client would), and one of two server-key checks.
//!
//! Hearth servers use self-signed certificates, so a CA chain proves nothing.
//! With `--code` the SHA-256 of the certificate's SubjectPublicKeyInfo must
//! start with the join code; with `--insecure` any key is accepted.

use std::sync::Arc;

use hearth_certs::{JoinCode, PinnedVerifier};
use rustls::client::Resumption;
use rustls_pki_types::ServerName;
use tokio_rustls::TlsConnector;

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy)]
pub enum Trust {
    /// Accept any server key (signatures are still checked).
    Insecure,
    /// The server key's fingerprint must start with this join code.
    Code(JoinCode),
}

/// Builds a connector for `trust`.
pub fn connector(trust: Trust) -> TlsConnector {
    let verifier = PinnedVerifier::new(move |key| match trust {
        Trust::Insecure => true,
        Trust::Code(code) => key.is_ok_and(|key| code.matches(&key)),
    });
    let mut config = verifier.client_config();
    config.resumption = Resumption::disabled();
    TlsConnector::from(Arc::new(config))
}

/// The name sent to the server: none (an IP address sends no SNI), since the
/// key check ignores names anyway.
pub fn server_name(addr: std::net::IpAddr) -> ServerName<'static> {
    ServerName::IpAddress(addr.into())
}
