//! The one rustls server-certificate verifier Hearth uses: it pins the
//! server's key instead of asking a CA.
//!
//! Hearth servers use self-signed certificates, so the chain, the name and the
//! validity dates say nothing. What matters is the key: the verifier hashes the
//! certificate's SubjectPublicKeyInfo and hands the [`Fingerprint`] to a
//! decision callback (a join code, a known-hosts file, one fixed key, or
//! "anything" for a load test), which accepts or refuses it. The handshake
//! signatures are still checked with the ring provider's algorithms, so a peer
//! that merely replays the right certificate, without its private key, cannot
//! finish the handshake.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::{CertError, Fingerprint};

/// Decides whether a server key is acceptable. It is also told when the
/// certificate is unreadable, so that it can record why the handshake failed.
pub type KeyDecision = dyn Fn(Result<Fingerprint, CertError>) -> bool + Send + Sync;

/// A [`ServerCertVerifier`] that pins the server key through a [`KeyDecision`].
pub struct PinnedVerifier {
    decide: Box<KeyDecision>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl std::fmt::Debug for PinnedVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinnedVerifier").finish_non_exhaustive()
    }
}

impl PinnedVerifier {
    /// A verifier that accepts a key when `decide` returns true.
    pub fn new(
        decide: impl Fn(Result<Fingerprint, CertError>) -> bool + Send + Sync + 'static,
    ) -> PinnedVerifier {
        PinnedVerifier {
            decide: Box::new(decide),
            algorithms: rustls::crypto::ring::default_provider().signature_verification_algorithms,
        }
    }

    /// A verifier that accepts exactly `key`.
    pub fn exactly(key: Fingerprint) -> PinnedVerifier {
        PinnedVerifier::new(move |got| got.is_ok_and(|got| got == key))
    }

    /// A TLS 1.3/1.2 client configuration (ring provider, no client
    /// certificate) that checks servers with this verifier.
    pub fn client_config(self) -> ClientConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default protocol versions")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(self))
            .with_no_client_auth()
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if (self.decide)(Fingerprint::of_cert_der(end_entity)) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn cert() -> (CertificateDer<'static>, Fingerprint) {
        use rustls_pki_types::pem::PemObject;
        let generated = crate::generate(&["localhost".to_owned()]).unwrap();
        let der = CertificateDer::from_pem_slice(generated.cert_pem.as_bytes()).unwrap();
        let key = Fingerprint::of_cert_der(&der).unwrap();
        (der, key)
    }

    fn verify(v: &PinnedVerifier, der: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        let name = ServerName::try_from("localhost").unwrap();
        v.verify_server_cert(der, &[], &name, &[], UnixTime::now())
            .map(|_| ())
    }

    #[test]
    fn the_decision_sees_the_key_and_decides() {
        let (der, key) = cert();
        let seen = Arc::new(Mutex::new(None));
        let record = Arc::clone(&seen);
        let v = PinnedVerifier::new(move |got| {
            *record.lock().unwrap() = Some(got.as_ref().ok().copied());
            false
        });
        assert!(matches!(
            verify(&v, &der),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure
            ))
        ));
        assert_eq!(*seen.lock().unwrap(), Some(Some(key)));
        assert!(verify(&PinnedVerifier::exactly(key), &der).is_ok());
        let other = Fingerprint::of_spki_der(b"other");
        assert!(verify(&PinnedVerifier::exactly(other), &der).is_err());
    }

    #[test]
    fn an_unreadable_certificate_is_reported_to_the_decision() {
        let v = PinnedVerifier::new(|got| got.is_ok());
        assert!(verify(&v, &CertificateDer::from(vec![1u8, 2, 3])).is_err());
    }

    #[test]
    fn offers_the_ring_signature_schemes() {
        let schemes = PinnedVerifier::new(|_| true).supported_verify_schemes();
        assert!(schemes.contains(&SignatureScheme::ECDSA_NISTP256_SHA256));
        assert!(schemes.contains(&SignatureScheme::ED25519));
    }
}
