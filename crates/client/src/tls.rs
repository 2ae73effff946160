//! Opening a TLS connection to a server whose key is pinned by a [`Trust`].

use std::sync::Arc;
use std::time::Duration;

use hearth_certs::Fingerprint;
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::addr::ServerAddr;
use crate::error::ClientError;
use crate::known_hosts::KnownHosts;
use crate::trust::{Rule, Trust, TrustOutcome};
use crate::verifier::PinVerifier;

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

async fn handshake(addr: &ServerAddr, rule: Rule) -> Result<Dialed, ClientError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let (verifier, verdict) = PinVerifier::new(
        addr.clone(),
        rule,
        provider.signature_verification_algorithms,
    );
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Handshake(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();

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
