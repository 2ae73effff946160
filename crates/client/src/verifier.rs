//! The rustls certificate verifier that pins a server's key instead of asking a CA.
//!
//! Hearth servers use self-signed certificates, so the chain, the name and
//! the validity dates say nothing. What matters is the key: the verifier
//! hashes the certificate's SubjectPublicKeyInfo and lets [`Rule::decide`]
//! accept or refuse it. The handshake signatures are still checked with the
//! ring provider's algorithms, so a peer that merely replays the right
//! certificate, without its private key, cannot finish the handshake.

use std::sync::{Arc, Mutex};

use hearth_certs::Fingerprint;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::addr::ServerAddr;
use crate::trust::{Rule, TrustError, TrustOutcome};

/// What the verifier concluded, read by the dialer after the handshake.
pub(crate) type Verdict = Result<(Fingerprint, TrustOutcome), TrustError>;

/// Pins the server key according to a [`Rule`].
#[derive(Debug)]
pub(crate) struct PinVerifier {
    addr: ServerAddr,
    rule: Rule,
    algorithms: WebPkiSupportedAlgorithms,
    // The verdict slot: written once by rustls's call to `verify_server_cert`
    // and read by the dialer after the handshake ends. A std Mutex because
    // both sides only move a value in or out; it is never held across an await.
    verdict: Arc<Mutex<Option<Verdict>>>,
}

impl PinVerifier {
    /// A verifier for a connection to `addr`, and the slot its verdict lands in.
    pub(crate) fn new(
        addr: ServerAddr,
        rule: Rule,
        algorithms: WebPkiSupportedAlgorithms,
    ) -> (PinVerifier, Arc<Mutex<Option<Verdict>>>) {
        let verdict = Arc::new(Mutex::new(None));
        let verifier = PinVerifier {
            addr,
            rule,
            algorithms,
            verdict: Arc::clone(&verdict),
        };
        (verifier, verdict)
    }

    fn record(&self, verdict: Verdict) {
        *self.verdict.lock().unwrap_or_else(|e| e.into_inner()) = Some(verdict);
    }
}

impl ServerCertVerifier for PinVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = Fingerprint::of_cert_der(end_entity)
            .map_err(|e| TrustError::BadCertificate(e.to_string()))
            .and_then(|key| Ok((key, self.rule.decide(&self.addr, key)?)));
        let accepted = verdict.is_ok();
        if let Err(e) = &verdict {
            tracing::warn!(server = %self.addr, error = %e, "server key refused");
        }
        self.record(verdict);
        if accepted {
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
    use hearth_certs::JoinCode;

    fn cert() -> (CertificateDer<'static>, Fingerprint) {
        use rustls_pki_types::pem::PemObject;
        let generated = hearth_certs::generate(&["localhost".to_owned()]).unwrap();
        let der = CertificateDer::from_pem_slice(generated.cert_pem.as_bytes()).unwrap();
        let key = Fingerprint::of_cert_der(&der).unwrap();
        (der, key)
    }

    fn verify(
        rule: Rule,
        der: &CertificateDer<'_>,
    ) -> (Result<(), rustls::Error>, Option<Verdict>) {
        let provider = rustls::crypto::ring::default_provider();
        let (v, slot) = PinVerifier::new(
            "127.0.0.1:1".parse().unwrap(),
            rule,
            provider.signature_verification_algorithms,
        );
        let name = ServerName::try_from("localhost").unwrap();
        let result = v
            .verify_server_cert(der, &[], &name, &[], UnixTime::now())
            .map(|_| ());
        let verdict = slot.lock().unwrap().take();
        (result, verdict)
    }

    #[test]
    fn matching_code_is_accepted_and_recorded() {
        let (der, key) = cert();
        let (result, verdict) = verify(Rule::Code(JoinCode::from_fingerprint(&key)), &der);
        assert!(result.is_ok());
        assert_eq!(verdict.unwrap().unwrap(), (key, TrustOutcome::CodeMatched));
    }

    #[test]
    fn wrong_code_fails_the_handshake_with_the_reason_recorded() {
        let (der, key) = cert();
        let other = JoinCode::from_fingerprint(&Fingerprint::of_spki_der(b"other"));
        let (result, verdict) = verify(Rule::Code(other), &der);
        assert!(matches!(
            result,
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure
            ))
        ));
        assert!(matches!(verdict, Some(Err(TrustError::WrongCode { got, .. })) if got == key));
    }

    #[test]
    fn garbage_certificate_is_refused() {
        let (result, verdict) = verify(
            Rule::Key(Fingerprint::of_spki_der(b"x")),
            &CertificateDer::from(vec![1u8, 2, 3]),
        );
        assert!(result.is_err());
        assert!(matches!(verdict, Some(Err(TrustError::BadCertificate(_)))));
    }

    #[test]
    fn offers_the_ring_signature_schemes() {
        let provider = rustls::crypto::ring::default_provider();
        let (v, _) = PinVerifier::new(
            "a:1".parse().unwrap(),
            Rule::Key(Fingerprint::of_spki_der(b"x")),
            provider.signature_verification_algorithms,
        );
        let schemes = v.supported_verify_schemes();
        assert!(schemes.contains(&SignatureScheme::ECDSA_NISTP256_SHA256));
        assert!(schemes.contains(&SignatureScheme::ED25519));
    }
}
