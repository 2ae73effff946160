//! Opening a TLS connection to a server whose key is pinned by a [`Trust`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hearth_certs::{Fingerprint, PinnedVerifier};
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::addr::ServerAddr;
use crate::error::ClientError;
use crate::known_hosts::KnownHosts;
use crate::trust::{Rule, Trust, TrustError, TrustOutcome};

/// What the key check concluded, read after the handshake.
type Verdict = Result<(Fingerprint, TrustOutcome), TrustError>;

/// A TLS connection whose server key was accepted.
#[derive(Debug)]
pub(crate) struct Dialed {
    pub stream: TlsStream<TcpStream>,
    pub fingerprint: Fingerprint,
    pub outcome: TrustOutcome,
}

/// Connects to `addr`, runs the TLS handshake with the key pinned by `trust`,
/// and saves a newly trusted key to the known-hosts file.
///
/// `timeout` bounds the TCP connect and the handshake together.
pub(crate) async fn dial(
    addr: &ServerAddr,
    trust: &Trust,
    timeout: Duration,
) -> Result<Dialed, ClientError> {
    let rule = Rule::prepare(trust)?;
    match tokio::time::timeout(timeout, handshake(addr, rule)).await {
        Ok(result) => result,
        Err(_) => Err(ClientError::Timeout("connecting")),
    }
    .and_then(|dialed| {
        if dialed.outcome == TrustOutcome::SavedNewHost {
            if let Trust::KnownHosts { path, .. } = trust {
                KnownHosts::load(path.clone())
                    .and_then(|mut hosts| hosts.trust(addr, dialed.fingerprint))
                    .map_err(|e| ClientError::Trust(e.into()))?;
                tracing::info!(server = %addr, key = %dialed.fingerprint, "new server key saved");
            }
        }
        Ok(dialed)
    })
}

/// A verifier that decides by `rule` and records its verdict in the slot it
/// returns, so the dialer can say why a handshake failed.
fn verifier(addr: &ServerAddr, rule: Rule) -> (PinnedVerifier, Arc<Mutex<Option<Verdict>>>) {
    // The verdict slot: written once by rustls's call into the verifier and read
    // by the dialer after the handshake ends. A std Mutex because both sides
    // only move a value in or out; it is never held across an await.
    let slot = Arc::new(Mutex::new(None));
    let record = Arc::clone(&slot);
    let addr = addr.clone();
    let verifier = PinnedVerifier::new(move |key| {
        let verdict = key
            .map_err(|e| TrustError::BadCertificate(e.to_string()))
            .and_then(|key| Ok((key, rule.decide(&addr, key)?)));
        if let Err(e) = &verdict {
            tracing::warn!(server = %addr, error = %e, "server key refused");
        }
        let accepted = verdict.is_ok();
        *record.lock().unwrap_or_else(|e| e.into_inner()) = Some(verdict);
        accepted
    });
    (verifier, slot)
}

async fn handshake(addr: &ServerAddr, rule: Rule) -> Result<Dialed, ClientError> {
    let (verifier, verdict) = verifier(addr, rule);
    let config = verifier.client_config();

    let tcp = TcpStream::connect((addr.host(), addr.port()))
        .await
        .map_err(|cause| ClientError::Connect {
            addr: addr.to_string(),
            cause,
        })?;
    // Small frames (a chat line, a ping) should leave at once.
    let _ = tcp.set_nodelay(true);
    let result = TlsConnector::from(Arc::new(config))
        .connect(server_name(addr), tcp)
        .await;
    let verdict = verdict.lock().unwrap_or_else(|e| e.into_inner()).take();
    match (result, verdict) {
        (Ok(stream), Some(Ok((fingerprint, outcome)))) => Ok(Dialed {
            stream,
            fingerprint,
            outcome,
        }),
        // The key was refused: that is the reason, whatever rustls reports.
        (_, Some(Err(trust))) => Err(ClientError::Trust(trust)),
        (Err(e), _) => Err(ClientError::Handshake(e.to_string())),
        (Ok(_), None) => Err(ClientError::Handshake(
            "the server's certificate was never checked".into(),
        )),
    }
}

/// The name sent in SNI. Servers ignore it; rustls needs one. An IP address
/// is sent as such (rustls then sends no SNI), and a host name that is not a
/// valid DNS name falls back to a placeholder.
fn server_name(addr: &ServerAddr) -> ServerName<'static> {
    if let Ok(ip) = addr.host().parse::<std::net::IpAddr>() {
        return ServerName::IpAddress(ip.into());
    }
    ServerName::try_from(addr.host().to_owned())
        .unwrap_or_else(|_| ServerName::try_from("hearth.invalid").expect("valid DNS name"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_certs::JoinCode;
    use rustls::client::danger::ServerCertVerifier;
    use rustls_pki_types::{CertificateDer, UnixTime};

    fn cert() -> (CertificateDer<'static>, Fingerprint) {
        use rustls_pki_types::pem::PemObject;
        let generated = hearth_certs::generate(&["localhost".to_owned()]).unwrap();
        let der = CertificateDer::from_pem_slice(generated.cert_pem.as_bytes()).unwrap();
        let key = Fingerprint::of_cert_der(&der).unwrap();
        (der, key)
    }

    fn verify(rule: Rule, der: &CertificateDer<'_>) -> (bool, Option<Verdict>) {
        let (v, slot) = verifier(&"127.0.0.1:1".parse().unwrap(), rule);
        let name = ServerName::try_from("localhost").unwrap();
        let ok = v
            .verify_server_cert(der, &[], &name, &[], UnixTime::now())
            .is_ok();
        let verdict = slot.lock().unwrap().take();
        (ok, verdict)
    }

    #[test]
    fn matching_code_is_accepted_and_recorded() {
        let (der, key) = cert();
        let (ok, verdict) = verify(Rule::Code(JoinCode::from_fingerprint(&key)), &der);
        assert!(ok);
        assert_eq!(verdict.unwrap().unwrap(), (key, TrustOutcome::CodeMatched));
    }

    #[test]
    fn wrong_code_fails_the_handshake_with_the_reason_recorded() {
        let (der, key) = cert();
        let other = JoinCode::from_fingerprint(&Fingerprint::of_spki_der(b"other"));
        let (ok, verdict) = verify(Rule::Code(other), &der);
        assert!(!ok);
        assert!(matches!(verdict, Some(Err(TrustError::WrongCode { got, .. })) if got == key));
    }

    #[test]
    fn garbage_certificate_is_refused() {
        let (ok, verdict) = verify(
            Rule::Key(Fingerprint::of_spki_der(b"x")),
            &CertificateDer::from(vec![1u8, 2, 3]),
        );
        assert!(!ok);
        assert!(matches!(verdict, Some(Err(TrustError::BadCertificate(_)))));
    }
}
