//! The rustls client configuration: ring provider, no session resumption
//! (every simulated user pays for a full handshake, as a new client would),
//! and one of two server-key checks.
//!
//! Hearth servers use self-signed certificates, so a CA chain proves nothing.
//! With `--code` the SHA-256 of the certificate's SubjectPublicKeyInfo must
//! start with the join code; with `--insecure` any key is accepted. Either
//! way the handshake signature is verified, so the peer must hold the key of
//! the certificate it shows.

use std::sync::Arc;

use hearth_certs::{Fingerprint, JoinCode};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::Resumption;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::TlsConnector;

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy)]
pub enum Trust {
    /// Accept any server key (signatures are still checked).
    Insecure,
    /// The server key's fingerprint must start with this join code.
    Code(JoinCode),
}

/// Why a TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// rustls refused the protocol versions for this provider.
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// Builds a connector for `trust`.
pub fn connector(trust: Trust) -> Result<TlsConnector, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = KeyCheck {
        trust,
        algorithms: provider.signature_verification_algorithms,
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.resumption = Resumption::disabled();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// The name sent to the server: none (an IP address sends no SNI), since the
/// key check ignores names anyway.
pub fn server_name(addr: std::net::IpAddr) -> ServerName<'static> {
    ServerName::IpAddress(addr.into())
}

/// Checks the server key against a [`Trust`] and verifies handshake signatures.
#[derive(Debug)]
struct KeyCheck {
    trust: Trust,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for KeyCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.trust {
            Trust::Insecure => Ok(ServerCertVerified::assertion()),
            Trust::Code(code) => {
                let key = Fingerprint::of_cert_der(end_entity).map_err(|_| {
                    rustls::Error::InvalidCertificate(CertificateError::BadEncoding)
                })?;
                if code.matches(&key) {
                    Ok(ServerCertVerified::assertion())
                } else {
                    Err(rustls::Error::InvalidCertificate(
                        CertificateError::ApplicationVerificationFailure,
                    ))
                }
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
